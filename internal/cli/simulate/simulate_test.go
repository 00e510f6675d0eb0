package simulate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	sim "github.com/gitshift/gitshift/internal/simulate"
)

var simPolicy = clitest.Example("bookinfo-gitops") + "/argocd/canary-policy.yaml"

func runSim(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return clitest.Run(t, NewCommand, args...)
}

func TestSimulateFlags(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: x}\nspec:\n  analysis:\n    alpha: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no policy", nil, command.ExitUsage, "--policy is required"},
		{"rps 0", []string{"--policy", simPolicy, "--rps", "0"}, command.ExitUsage, "rps 0"},
		{"rps not a number", []string{"--policy", simPolicy, "--rps", "fast"}, command.ExitUsage, "invalid argument"},
		{"canary error above 1", []string{"--policy", simPolicy, "--canary-error", "0.01,1.5"}, command.ExitUsage, "--canary-error"},
		{"canary error garbage", []string{"--policy", simPolicy, "--canary-error", "x"}, command.ExitUsage, "--canary-error"},
		{"two baseline errors", []string{"--policy", simPolicy, "--baseline-error", "0.1,0.2"}, command.ExitUsage, "want one rate"},
		{"latency not a duration", []string{"--policy", simPolicy, "--canary-latency", "fast"}, command.ExitUsage, "--canary-latency"},
		{"runs 0", []string{"--policy", simPolicy, "--runs", "0"}, command.ExitUsage, "runs 0"},
		{"header share 0", []string{"--policy", simPolicy, "--header-share", "0"}, command.ExitUsage, "--header-share 0"},
		{"header share 1", []string{"--policy", simPolicy, "--header-share", "1"}, command.ExitUsage, "--header-share 1"},
		{"header and mirror steps", []string{"--policy", routedPolicy(t), "--runs", "3", "--header-share", "0.1"}, command.ExitOK, "simulated 9 rollouts"},
		{"negative workers", []string{"--policy", simPolicy, "--workers", "-1"}, command.ExitUsage, "--workers"},
		{"unknown output", []string{"--policy", simPolicy, "-o", "xml"}, command.ExitUsage, "unknown output format"},
		{"positional argument", []string{"--policy", simPolicy, "extra"}, command.ExitUsage, "unknown command"},
		{"policy file missing", []string{"--policy", "/nonexistent/p.yaml"}, command.ExitFailed, "reading canary policy"},
		{"policy invalid", []string{"--policy", bad}, command.ExitFailed, "bad.yaml:6: spec.analysis.alpha"},
		{"percent rates", []string{"--policy", simPolicy, "--canary-error", "1%", "--baseline-error", "0.5%", "--runs", "5"}, command.ExitOK, "simulated 5 rollouts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runSim(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", code, tt.code, stderr, tt.want)
			}
		})
	}
}

func TestSimulateOutput(t *testing.T) {
	args := []string{"--policy", simPolicy, "--rps", "50", "--canary-error", "0.005,0.05", "--canary-latency", "50ms,100ms", "--runs", "20", "--seed", "3"}
	code, out, stderr := runSim(t, append(args, "-o", "json")...)
	if code != command.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res sim.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	// 2 error rates × 2 latencies, 6 rules each.
	if len(res.Rows) != 24 || res.Settings.RPS != 50 || res.Settings.Seed != 3 || !res.Settings.Histograms {
		t.Errorf("settings %+v, %d rows", res.Settings, len(res.Rows))
	}
	_, again, _ := runSim(t, append(args, "-o", "json")...)
	if again != out {
		t.Error("the same seed printed a different table")
	}
	code, text, _ := runSim(t, args...)
	row := regexp.MustCompile(`\| errors 5% vs 0\.5%, latency 100ms vs 50ms +\| gitshift judge +\| 100\.0% `)
	if code != command.ExitOK || !row.MatchString(text) {
		t.Errorf("text table:\n%s", text)
	}
}

// TestSimulateUsesTheRolloutJudge: simulate builds its judge with the very
// function the rollout engine is wired with (rollout/adapt.NewJudge).
func TestSimulateUsesTheRolloutJudge(t *testing.T) {
	ptr := func(f any) uintptr { return reflect.ValueOf(f).Pointer() }
	if ptr(sim.NewJudge) != ptr(adapt.NewJudge) || ptr(adapt.NewJudge) != ptr(policy.NewJudge) {
		t.Error("sim.NewJudge and rollout/adapt.NewJudge are not the same constructor")
	}
}

// routedPolicy is the policy file with header and mirror steps first.
func routedPolicy(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(simPolicy)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i, j := strings.Index(text, "  steps:\n"), strings.Index(text, "  analysis:\n")
	if i < 0 || j < i {
		t.Fatalf("%s: no steps block before analysis", simPolicy)
	}
	out := text[:i] + "  steps: [{headerRoute: {name: x-canary, exact: \"1\"}}, {mirror: 20}, {weight: 5}, {weight: 100}]\n" + text[j:]
	p := filepath.Join(t.TempDir(), "routed.yaml")
	if err := os.WriteFile(p, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
