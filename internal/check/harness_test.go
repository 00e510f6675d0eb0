package check

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/source"
)

// fixture is a small repository kept in one file under testdata:
//
//	# free text
//	# copy: <path relative to testdata> <path in the repo>
//	# want: <CODE> <severity> <file>:<line>
//	#### <path in the repo>
//	<content>
//
// Fixtures are named by outcome: valid-*.yaml must produce no error or
// warning; invalid-*.yaml list every diagnostic they produce.
type fixture struct {
	name  string
	files map[string]string
	copy  [][2]string
	want  []string
}

func readFixture(t *testing.T, path string) fixture {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fx := fixture{name: filepath.Base(path), files: map[string]string{}}
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#### "):
			cur = strings.TrimSpace(strings.TrimPrefix(line, "#### "))
			fx.files[cur] = ""
		case cur != "":
			fx.files[cur] += line + "\n"
		case strings.HasPrefix(line, "# want: "):
			fx.want = append(fx.want, strings.TrimSpace(strings.TrimPrefix(line, "# want: ")))
		case strings.HasPrefix(line, "# copy: "):
			parts := strings.Fields(strings.TrimPrefix(line, "# copy: "))
			fx.copy = append(fx.copy, [2]string{parts[0], parts[1]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return fx
}

// materialize writes the fixture's repository into a temporary directory.
func (fx fixture) materialize(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range fx.copy {
		data, err := os.ReadFile(filepath.Join("testdata", c[0]))
		if err != nil {
			t.Fatal(err)
		}
		write(c[1], data)
	}
	for rel, content := range fx.files {
		write(rel, []byte(content))
	}
	return root
}

// checkRepo renders every Application in root (all sources local) and runs
// every rule.
func checkRepo(t *testing.T, root string) ([]*Target, []Diagnostic) {
	t.Helper()
	ctx := context.Background()
	apps, err := source.FindApplications(root)
	if err != nil {
		t.Fatalf("FindApplications: %v", err)
	}
	if len(apps) == 0 {
		t.Fatal("fixture has no Application")
	}
	local := func(source.AppSource) (bool, string) { return true, "" }
	var targets []*Target
	for i := range apps {
		targets = append(targets, Render(ctx, root, &apps[i], local, source.Options{}))
	}
	diags, err := Run(ctx, targets, Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return targets, diags
}

func short(d Diagnostic) string {
	return fmt.Sprintf("%s %s %s:%d", d.Code, d.Severity, d.File, d.Line)
}

func TestFixtures(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		fx := readFixture(t, p)
		t.Run(strings.TrimSuffix(fx.name, ".yaml"), func(t *testing.T) {
			_, diags := checkRepo(t, fx.materialize(t))
			var got []string
			for _, d := range diags {
				got = append(got, short(d))
			}
			sort.Strings(got)
			want := append([]string(nil), fx.want...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				var full []string
				for _, d := range diags {
					full = append(full, d.String()+" | "+d.Hint)
				}
				t.Errorf("diagnostics:\n got: %q\nwant: %q\n%s", got, want, strings.Join(full, "\n"))
			}
			valid := strings.HasPrefix(fx.name, "valid-")
			if n := Count(diags, SeverityWarning); valid && n > 0 {
				t.Errorf("valid fixture has %d warnings or errors", n)
			}
			if !valid && !strings.HasPrefix(fx.name, "invalid-") {
				t.Errorf("fixture %s is named neither valid-* nor invalid-*", fx.name)
			}
		})
	}
}

// TestEveryRuleHasAFixture keeps the rule table and the fixtures in step.
func TestEveryRuleHasAFixture(t *testing.T) {
	paths, _ := filepath.Glob("testdata/invalid-*.yaml")
	seen := map[string]bool{}
	for _, p := range paths {
		for _, w := range readFixture(t, p).want {
			seen[strings.Fields(w)[0]] = true
		}
	}
	for _, r := range Rules() {
		if !seen[r.Code] && !untestedByFixture[r.Code] {
			t.Errorf("rule %s (%s) has no invalid-* fixture", r.Code, r.Name)
		}
	}
}

// untestedByFixture lists rules whose triggers a text fixture cannot hold;
// they have dedicated tests.
var untestedByFixture = map[string]bool{"GS1015": true, "GS1016": true}
