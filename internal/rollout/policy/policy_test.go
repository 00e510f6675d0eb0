package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
)

func TestLoadValid(t *testing.T) {
	for _, f := range []string{
		"testdata/valid-minimal.yaml",
		"testdata/valid-multidoc.yaml",
		"../../../config/samples/canarypolicy-bookinfo.yaml",
		"../../../config/samples/canarypolicy-bookinfo-helm.yaml",
		"../../../config/samples/canarypolicy-controller.yaml",
		"../../../examples/bookinfo-gitops/argocd/canary-policy.yaml",
		"../../../examples/bookinfo-gitops/argocd/canary-policy-demo.yaml",
		"../../../examples/bookinfo-helm/argocd/canary-policy.yaml",
	} {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := LoadFile(f, "")
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			if p.Spec.Steps[len(p.Spec.Steps)-1].Weight != 100 {
				t.Errorf("last step %d, want 100", p.Spec.Steps[len(p.Spec.Steps)-1].Weight)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	p, err := LoadFile("testdata/valid-minimal.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Spec
	if got := weights(s.Steps); got != "5,25,50,100" {
		t.Errorf("steps %s, want 5,25,50,100", got)
	}
	for _, st := range s.Steps {
		if st.MinDuration.Duration != DefaultMinDuration || st.MaxDuration.Duration != DefaultMaxDuration ||
			st.MinCanaryRequests != DefaultMinCanaryRequests || st.Gate != GateAuto {
			t.Errorf("step %+v not defaulted", st)
		}
	}
	if s.Target.VirtualService.Namespace != "bookinfo" || s.Target.ArgoCDNamespace != "argocd" {
		t.Errorf("target %+v", s.Target)
	}
	a := s.Analysis
	if a.Alpha != 0.05 || a.PriorK != 100 || a.ErrorRate.Codes != "5.." || !On(a.ErrorRate.Enabled) || !On(a.Latency.Enabled) ||
		a.Guards.MaxErrorRate != 0.05 || a.Guards.Alpha != 0.01 || a.Guards.MinRequests != 100 || a.Interval.Duration != 10*time.Second ||
		a.ErrorRate.Margin == nil || *a.ErrorRate.Margin != DefaultMargin {
		t.Errorf("analysis %+v", a)
	}
	if s.SyncTimeout.Duration != 5*time.Minute || s.FailurePolicy != FailureRollback {
		t.Errorf("syncTimeout %s failurePolicy %s", s.SyncTimeout, s.FailurePolicy)
	}
}

func TestStepDefaultsInherit(t *testing.T) {
	p, err := LoadFile("testdata/valid-multidoc.yaml", "reviews")
	if err != nil {
		t.Fatal(err)
	}
	st := p.Spec.Steps
	if st[0].MinDuration.Duration != 30*time.Second || st[0].Gate != GateManual || st[0].MinCanaryRequests != 50 {
		t.Errorf("step 0 %+v", st[0])
	}
	if st[1].Gate != GateAuto || st[1].MinCanaryRequests != DefaultMinCanaryRequests {
		t.Errorf("step 1 %+v", st[1])
	}
	if On(p.Spec.Analysis.Latency.Enabled) {
		t.Error("latency.enabled: false was overridden by the default")
	}
	if p.Spec.Target.VirtualService.Namespace != "mesh" {
		t.Errorf("explicit VS namespace replaced: %s", p.Spec.Target.VirtualService)
	}
}

// TestInvalid reads the expected errors from the fixtures' `# want:` lines:
// each must appear, with file:line, in the error message.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid-*.yaml")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = LoadFile(f, "")
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("want *policy.Error, got %v", err)
			}
			msg := strings.ReplaceAll(err.Error(), "testdata/", "")
			for _, line := range strings.Split(string(data), "\n") {
				want, ok := strings.CutPrefix(line, "# want: ")
				if ok && !strings.Contains(msg, want) {
					t.Errorf("missing %q in:\n%s", want, msg)
				}
			}
		})
	}
}

func TestPickByName(t *testing.T) {
	if _, err := LoadFile("testdata/valid-multidoc.yaml", "other"); err == nil || !strings.Contains(err.Error(), `no CanaryPolicy named "other"`) {
		t.Errorf("got %v", err)
	}
	dir := t.TempDir()
	two := filepath.Join(dir, "two.yaml")
	b, _ := os.ReadFile("testdata/valid-minimal.yaml")
	if err := os.WriteFile(two, append(append(b, "---\n"...), b...), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(two, "")
	if err == nil || !strings.Contains(err.Error(), "more than one CanaryPolicy") || !errors.Is(err, ErrSeveralPolicies) {
		t.Errorf("got %v", err)
	}
	if errkind.Of(err) != errkind.Invalid || strings.Contains(err.Error(), "--") {
		t.Errorf("kind %s, message %q (the CLI names its flags)", errkind.Of(err), err)
	}
}

func TestOverrides(t *testing.T) {
	p, err := Read("testdata/valid-multidoc.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Complete(*p, Overrides{
		Weights: []int32{1, 10, 100}, MinDuration: time.Second, Gate: GateAuto,
		FailurePolicy: FailurePause, SyncTimeout: time.Minute, CanarySubset: "v9",
		VirtualService: &ObjectRef{Namespace: "x", Name: "y"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := got.Spec
	if weights(s.Steps) != "1,10,100" || s.Steps[0].MinDuration.Duration != time.Second || s.Steps[0].Gate != GateAuto {
		t.Errorf("steps %+v", s.Steps)
	}
	if s.FailurePolicy != FailurePause || s.SyncTimeout.Duration != time.Minute || s.CanarySubset != "v9" || s.Target.VirtualService.String() != "x/y" {
		t.Errorf("spec %+v", s)
	}
	// Flags alone, no file: a usable policy.
	fl, err := Complete(CanaryPolicy{}, Overrides{Application: "a", VirtualService: &ObjectRef{Namespace: "n", Name: "vs"}, StableSubset: "v1", CanarySubset: "v2"})
	if err != nil {
		t.Fatalf("flags-only policy: %v", err)
	}
	if fl.Metadata.Name != "vs" || weights(fl.Spec.Steps) != "5,25,50,100" {
		t.Errorf("flags-only %+v", fl)
	}
	// Bad flags are reported like bad files, without a line.
	if _, err := Complete(CanaryPolicy{}, Overrides{Weights: []int32{50, 10}}); err == nil || !strings.Contains(err.Error(), "weights must increase") {
		t.Errorf("got %v", err)
	}
}

func weights(st []Step) string {
	var s []string
	for _, x := range st {
		s = append(s, strconv.Itoa(int(x.Weight)))
	}
	return strings.Join(s, ",")
}

// TestCompleteTarget: status and the signals name a target, no subsets;
// running a rollout still needs them.
func TestCompleteTarget(t *testing.T) {
	target := Overrides{Application: "bookinfo", VirtualService: &ObjectRef{Namespace: "bookinfo", Name: "reviews"}}
	if _, err := Complete(CanaryPolicy{}, target); err == nil || !strings.Contains(err.Error(), "spec.stableSubset: required") {
		t.Errorf("Complete without subsets: %v", err)
	}
	p, err := CompleteTarget(CanaryPolicy{}, target)
	if err != nil || p.Spec.Target.VirtualService.String() != "bookinfo/reviews" || p.Spec.Target.ArgoCDNamespace != DefaultArgoCDNamespace {
		t.Fatalf("CompleteTarget: %+v %v", p, err)
	}
	for _, tt := range []struct {
		ov   Overrides
		want string
	}{
		{Overrides{Application: "bookinfo"}, "spec.target.virtualService.name: required"},
		{Overrides{VirtualService: target.VirtualService}, "spec.target.application: required"},
		{Overrides{Application: "bookinfo", VirtualService: target.VirtualService, StableSubset: "v1", CanarySubset: "v1"}, "must differ"},
	} {
		if _, err := CompleteTarget(CanaryPolicy{}, tt.ov); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CompleteTarget(%+v) = %v, want %q", tt.ov, err, tt.want)
		}
	}
}

func TestHeaderAndMirrorSteps(t *testing.T) {
	p, err := LoadFile("testdata/valid-header-mirror.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range p.Spec.Steps {
		kinds = append(kinds, string(s.Kind()))
	}
	if got := strings.Join(kinds, ","); got != "headerRoute,mirror,weight,weight,weight" {
		t.Fatalf("kinds %s", got)
	}
	if k, v := p.Spec.Steps[0].HeaderRoute.Match(); k != "exact" || v != "1" || p.Spec.Steps[1].Mirror != 20 {
		t.Errorf("steps %+v", p.Spec.Steps[:2])
	}
	if p.Spec.Steps[0].MinDuration.Duration != DefaultMinDuration || p.Spec.Steps[1].Gate != DefaultGate {
		t.Errorf("defaults not applied to header/mirror steps: %+v", p.Spec.Steps[:2])
	}
}

// TestParseKeepsCleanPolicies: with a broken document, Parse still returns
// the file's policies that decoded cleanly (check grades them), and Read,
// which acts on one, refuses the file.
func TestParseKeepsCleanPolicies(t *testing.T) {
	const doc = `apiVersion: gitshift.dev/v1alpha1
kind: CanaryPolicy
metadata: {name: %s}
spec:
  target: {application: app, virtualService: {name: %s}}
  stableSubset: v1
  canarySubset: v2
  steps: [{weight: 10, %s: 1m}, {weight: 100}]
`
	data := fmt.Sprintf(doc, "reviews", "reviews", "maxDuration") + "---\n" + fmt.Sprintf(doc, "ratings", "ratings", "maxDuraton")
	ps, err := Parse("p.yaml", []byte(data))
	var pe *Error
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].Line != 17 || !strings.Contains(pe.Problems[0].Msg, `unknown field "maxDuraton"`) {
		t.Fatalf("err = %v, want the unknown field at p.yaml:17", err)
	}
	if len(ps) != 1 || ps[0].Metadata.Name != "reviews" {
		t.Fatalf("policies = %v, want reviews only", ps)
	}
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, "reviews"); err == nil {
		t.Error("Read accepted a file with a broken policy")
	}
}

// TestYAMLErrorLines: a broken policy's YAML error is at the file's line,
// for the scanner's problems and the parser's (which yaml.v3 counts from 0).
func TestYAMLErrorLines(t *testing.T) {
	const head = "apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: reviews}\nspec:\n" // lines 1-4
	for _, tc := range []struct {
		name, body string
		line       int
		msg        string
	}{
		{"unclosed flow sequence", "  stableSubset: v1\n  steps: [20\n  canarySubset: v2\n", 6, "did not find expected ',' or ']'"},
		{"unclosed flow mapping", "  target: {application: app\n  stableSubset: v1\n", 5, "did not find expected ',' or '}'"},
		{"bad indentation", "  stableSubset: v1\n    canarySubset: v2\n", 6, "mapping values are not allowed in this context"},
		{"block sequence out of step", "  steps:\n  - weight: 5\n - weight: 10\n", 7, "did not find expected key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(head+tc.body))
			var pe *Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("err = %v, want a YAML problem", err)
			}
			if p := pe.Problems[0]; p.Line != tc.line || !strings.Contains(p.Msg, tc.msg) {
				t.Errorf("problem at line %d: %q, want line %d: %q", p.Line, p.Msg, tc.line, tc.msg)
			}
		})
	}
}
