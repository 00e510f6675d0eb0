package v1alpha1

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// bareOn matches a YAML key `on:` that is not quoted: at the start of a
// line (after a list dash) or inside a flow mapping. YAML 1.1, which Argo CD
// and the API server's decoder read, takes it for the boolean true; the
// API server then prunes the field and the receiver gets every decision.
var bareOn = regexp.MustCompile(`(^\s*(-\s+)?|[{,]\s*)on:(\s|$)`)

// TestExamplesQuoteOn: no example, sample or doc a user copies has a bare
// `on:` key. It scans the YAML and Markdown users read (not the generated
// golden files, which repeat the CRD).
func TestExamplesQuoteOn(t *testing.T) {
	root := "../../.."
	var scanned int
	for _, dir := range []string{"README.md", "docs", "examples", "config/samples", "deploy/chart", "deploy/argocd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if ext := filepath.Ext(path); ext != ".md" && ext != ".yaml" && ext != ".yml" {
				return nil
			}
			scanned++
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			for n := 1; sc.Scan(); n++ {
				line := sc.Text()
				// Markdown prose mentions the word on; only code is checked.
				if strings.HasSuffix(path, ".md") && !strings.Contains(line, "[") {
					continue
				}
				if bareOn.MatchString(line) {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s:%d: bare on: key (YAML 1.1 reads it as true); write \"on\": %s", rel, n, strings.TrimSpace(line))
				}
			}
			return sc.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if scanned < 10 {
		t.Fatalf("scanned %d files: wrong root?", scanned)
	}
}

func TestBareOnPattern(t *testing.T) {
	for line, want := range map[string]bool{
		`    on: [rollback]`:                         true,
		`  - on: [rollback]`:                         true,
		`  - {type: slack, on: [rollback, promote]}`: true,
		`    "on": [rollback]`:                       false,
		`  - {type: slack, "on": [rollback]}`:        false,
		`  and selfHeal on: deleting the file`:       false,
		`    onFailure: rollback`:                    false,
	} {
		if got := bareOn.MatchString(line); got != want {
			t.Errorf("%q: match %v, want %v", line, got, want)
		}
	}
}

// TestExamplePolicyAsArgoCDReadsIt: the example's CanaryPolicy, which the
// lab's Argo CD applies, keeps its decision filter through YAML 1.1.
func TestExamplePolicyAsArgoCDReadsIt(t *testing.T) {
	spec := decodeAsArgoCD(t, "../../../examples/bookinfo-gitops/rollout/reviews.yaml")
	if n := spec.Notifications; len(n) != 1 || len(n[0].On) != 8 {
		t.Errorf("notifications %+v, want one receiver with 8 decisions", n)
	}
}

// decodeAsArgoCD reads a CanaryPolicy file as Argo CD and the API server
// do (sigs.k8s.io/yaml, YAML 1.1, unknown fields refused) and returns the
// policy the controller gets.
func decodeAsArgoCD(t *testing.T, file string) policy.Spec {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cp CanaryPolicy
	if err := yaml.UnmarshalStrict(b, &cp); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	p, err := cp.Policy()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return p.Spec
}
