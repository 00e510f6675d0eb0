package check

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestIstioctlSideBySide runs `istioctl analyze` (Istio's own static
// analysis, offline) next to check on every fixture and on the examples,
// over the same input: the objects Argo CD would apply, as check renders
// them. It prints one table row per repository for docs/istioctl-analyze.md.
// Set GITSHIFT_ISTIOCTL to an istioctl binary (gitshift lab provision
// --istioctl builds one); without it the test is skipped: CI has none.
func TestIstioctlSideBySide(t *testing.T) {
	bin := os.Getenv("GITSHIFT_ISTIOCTL")
	if bin == "" {
		t.Skip("set GITSHIFT_ISTIOCTL to an istioctl binary")
	}
	type repo struct{ name, dir string }
	var repos []repo
	paths, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range paths {
		fx := readFixture(t, p)
		repos = append(repos, repo{strings.TrimSuffix(fx.name, ".yaml"), fx.materialize(t)})
	}
	for _, ex := range []string{"bookinfo-gitops", "bookinfo-helm"} {
		repos = append(repos, repo{"examples/" + ex, filepath.Join("..", "..", "examples", ex)})
	}
	var rows []string
	for _, r := range repos {
		targets, diags := checkRepo(t, r.dir)
		var ours []string
		for _, d := range diags {
			if d.Severity != SeverityInfo {
				ours = append(ours, d.Code)
			}
		}
		theirs := istioctlAnalyze(t, bin, targets)
		rows = append(rows, fmt.Sprintf("| %s | %s | %s |", r.name, codes(ours), codes(theirs)))
	}
	t.Logf("| repository | gitshift check (warnings, errors) | istioctl analyze |\n|---|---|---|\n%s", strings.Join(rows, "\n"))
}

// istioctlAnalyze writes the targets' objects (namespace defaulted to the
// destination, as Argo CD applies them) to one file and returns the codes
// and messages istioctl reports at warning or error level.
func istioctlAnalyze(t *testing.T, bin string, targets []*Target) []string {
	t.Helper()
	var docs []string
	for _, tg := range targets {
		for _, o := range tg.Objects() {
			u := o.Unstructured.DeepCopy()
			if u.GetNamespace() == "" && u.GetKind() != "Namespace" {
				u.SetNamespace(tg.DestinationNamespace())
			}
			b, err := yaml.Marshal(u.Object)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, string(b))
		}
	}
	f := filepath.Join(t.TempDir(), "applied.yaml")
	if err := os.WriteFile(f, []byte(strings.Join(docs, "---\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "analyze", "--use-kube=false", "-A", "--ignore-unknown", "-o", "json", f).Output()
	if err != nil && len(out) == 0 {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("istioctl analyze: %v\n%s", err, stderr)
	}
	// istioctl logs objects it cannot decode ("... - skipping") on stdout
	// before the JSON: those are findings too.
	var got []string
	var js []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "\twarn\t") {
			if _, msg, ok := strings.Cut(line, "]: "); ok {
				got = append(got, "not decoded ("+strings.TrimSuffix(msg, " - skipping")+")")
			}
			continue
		}
		js = append(js, line)
	}
	var msgs []struct {
		Code, Level string
		Message     string `json:"message"`
	}
	if err := json.Unmarshal([]byte(strings.Join(js, "\n")), &msgs); err != nil {
		t.Fatalf("istioctl output: %v\n%s", err, out)
	}
	for _, m := range msgs {
		if m.Level == "Warning" || m.Level == "Error" {
			got = append(got, m.Code+" ("+m.Message+")")
		}
	}
	return got
}

func codes(c []string) string {
	if len(c) == 0 {
		return "–"
	}
	sort.Strings(c)
	return strings.Join(slices.Compact(c), "<br>")
}
