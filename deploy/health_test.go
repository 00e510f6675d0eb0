package deploy

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/rollout"
)

const healthScript = "argocd/health-canarypolicy.lua"

// policyObject is a CanaryPolicy as Argo CD's cache holds it (integers as
// int64), with the given status YAML.
func policyObject(t *testing.T, generation int, status string) map[string]any {
	t.Helper()
	doc := "apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: reviews, namespace: bookinfo, generation: " +
		strconv.Itoa(generation) + "}\nspec: {target: {application: bookinfo, virtualService: {name: reviews}}, stableSubset: v1, canarySubset: v3}\n"
	if status != "" {
		doc += "status:\n" + indent(status)
	}
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatalf("fixture: %v\n%s", err, doc)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return u.Object
}

func indent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func readScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(healthScript)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	readyTrue = `{type: Ready, status: "True", reason: Valid, message: policy valid, lastTransitionTime: "2025-01-01T00:00:00Z"}`
	decision  = `lastDecision: {decision: advance, reason: "canary 0.4% errors (2/512) vs baseline 0.5% (49/9731), log BF -3.1 < 3.0", step: 2/4, time: "2025-01-01T00:10:00Z", sha: 3f2a9c1}`
)

// healthCases are statuses for every situation the controller reports.
var healthCases = []struct {
	name       string
	generation int
	status     string
	want       string
	inMessage  []string
}{
	{name: "no status yet", generation: 1, want: "Progressing", inMessage: []string{"waiting for gitshift controller"}},
	{name: "spec changed, not observed", generation: 3, status: "observedGeneration: 2\nphase: Idle",
		want: "Progressing", inMessage: []string{"generation 3", "for 2"}},
	{name: "idle, never rolled out", generation: 1, status: "observedGeneration: 1\nphase: Idle\nmessage: no rollout in Git\nconditions: [" + readyTrue + "]",
		want: "Healthy", inMessage: []string{"Idle", "no rollout in Git"}},
	{name: "analysing", generation: 1, status: "observedGeneration: 1\nphase: Analysing\nstep: 2/4\ncanaryWeight: 25\nmessage: analysing step 2/4 (512/200 canary requests)\n" + decision,
		want: "Progressing", inMessage: []string{"Analysing step 2/4, canary 25%", "512/200", "last decision advance: canary 0.4% errors"}},
	{name: "shifting", generation: 1, status: "observedGeneration: 1\nphase: Shifting\nstep: 1/4\ncanaryWeight: 5", want: "Progressing", inMessage: []string{"Shifting step 1/4, canary 5%"}},
	{name: "waiting for a CLI run's lease", generation: 1, status: "observedGeneration: 1\nphase: Waiting\nleaseHolder: alice@laptop/4242\nmessage: lease gitshift-reviews held by alice@laptop/4242",
		want: "Progressing", inMessage: []string{"held by alice@laptop/4242"}},
	{name: "manual gate", generation: 1, status: "observedGeneration: 1\nphase: AwaitingGate\nstep: 3/4\ncanaryWeight: 50\nmessage: step 3/4 passed; gitshift rollout resume to go on",
		want: "Suspended", inMessage: []string{"AwaitingGate step 3/4", "rollout resume"}},
	{name: "paused", generation: 1, status: "observedGeneration: 1\nphase: Paused\nstep: 2/4\ncanaryWeight: 25\nmessage: paused by a signal commit", want: "Suspended"},
	{name: "promoted", generation: 1, status: "observedGeneration: 1\nphase: Promoted\nstep: 4/4\ncanaryWeight: 100\nlastDecision: {decision: promote, time: \"2025-01-01T00:30:00Z\"}",
		want: "Healthy", inMessage: []string{"Promoted step 4/4, canary 100%", "last decision promote"}},
	{name: "idle after promotion", generation: 1, status: "observedGeneration: 1\nphase: Idle\ncanaryWeight: 100\nconditions: [" + readyTrue +
		`, {type: Promoted, status: "True", reason: Promoted, message: promoted, lastTransitionTime: "2025-01-01T00:30:00Z"}]`, want: "Healthy"},
	{name: "rolling back", generation: 1, status: "observedGeneration: 1\nphase: RollingBack\nstep: 2/4\ncanaryWeight: 25\nlastDecision: {decision: rollback, reason: \"canary 9.8% errors (50/510) vs baseline 0.5% (48/9700), log BF 7.2 > 3.0\", time: \"2025-01-01T00:12:00Z\"}",
		want: "Degraded", inMessage: []string{"last decision rollback: canary 9.8% errors (50/510)"}},
	{name: "rolled back", generation: 1, status: "observedGeneration: 1\nphase: RolledBack\ncanaryWeight: 0\nlastDecision: {decision: rollback, reason: \"canary 9.8% errors (50/510)\", time: \"2025-01-01T00:12:00Z\"}",
		want: "Degraded", inMessage: []string{"RolledBack", "canary 0%", "9.8%"}},
	{name: "idle after a rollback", generation: 1, status: "observedGeneration: 1\nphase: Idle\ncanaryWeight: 0\nconditions: [" + readyTrue +
		`, {type: RolledBack, status: "True", reason: CanaryWorse, message: "rolled back at step 2/4: canary 9.8% errors", lastTransitionTime: "2025-01-01T00:13:00Z"}]`,
		want: "Degraded", inMessage: []string{"rolled back at step 2/4"}},
	{name: "idle, an old rollback superseded", generation: 1, status: "observedGeneration: 1\nphase: Idle\nconditions: [" + readyTrue +
		`, {type: RolledBack, status: "False", reason: Promoted, message: "", lastTransitionTime: "2025-01-02T00:00:00Z"}]`, want: "Healthy"},
	{name: "aborted", generation: 1, status: "observedGeneration: 1\nphase: Aborted\nmessage: a foreign commit changed the weights", want: "Degraded", inMessage: []string{"foreign commit"}},
	{name: "failed", generation: 1, status: "observedGeneration: 1\nphase: Failed\nmessage: push rejected 5 times", want: "Degraded"},
	{name: "not ready", generation: 2, status: "observedGeneration: 2\nphase: Idle\nconditions: " +
		`[{type: Ready, status: "False", reason: SecretNotFound, message: "secret bookinfo/git-creds not found", lastTransitionTime: "2025-01-01T00:00:00Z"}]`,
		want: "Degraded", inMessage: []string{"not ready: secret bookinfo/git-creds not found"}},
	{name: "a phase from a newer controller", generation: 1, status: "observedGeneration: 1\nphase: Teleporting", want: "Unknown", inMessage: []string{"unknown phase Teleporting"}},
}

// TestHealthLua runs the shipped script like Argo CD does, on a status for
// every situation the controller reports.
func TestHealthLua(t *testing.T) {
	script := readScript(t)
	for _, tt := range healthCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runHealthLua(script, policyObject(t, tt.generation, tt.status))
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want {
				t.Errorf("status %s (%q), want %s", got.Status, got.Message, tt.want)
			}
			if got.Message == "" {
				t.Error("empty message: Argo CD would show no reason")
			}
			for _, m := range tt.inMessage {
				if !strings.Contains(got.Message, m) {
					t.Errorf("message %q lacks %q", got.Message, m)
				}
			}
		})
	}
}

// TestHealthLuaKnowsEveryPhase: every phase the controller can write (the
// engine's phases, Idle, Waiting) has a health other than Unknown, so a
// phase added to the engine fails here until the script knows it.
func TestHealthLuaKnowsEveryPhase(t *testing.T) {
	script := readScript(t)
	phases := []string{"Idle", "Waiting"}
	for p := rollout.Phase(0); p.String() != "Unknown"; p++ {
		phases = append(phases, p.String())
	}
	if len(phases) < 14 {
		t.Fatalf("only %d phases: %v", len(phases), phases)
	}
	for _, p := range phases {
		got, err := runHealthLua(script, policyObject(t, 1, "observedGeneration: 1\nphase: "+p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got.Status == "Unknown" {
			t.Errorf("phase %s: Unknown (%s)", p, got.Message)
		}
	}
}

// TestHealthLuaHarnessIsArgoCDs: the harness lacks what Argo CD's VM lacks,
// so a script passing here cannot fail in Argo CD for using it.
func TestHealthLuaHarnessIsArgoCDs(t *testing.T) {
	tests := []struct {
		name, script string
		wantErr      bool
	}{
		{name: "string library", script: `return {status = string.format("%s", "Healthy")}`, wantErr: true},
		{name: "string methods", script: `local s = "Healthy"; return {status = s:sub(1)}`, wantErr: true},
		{name: "math library", script: `return {status = "Healthy", message = tostring(math.floor(1.5))}`, wantErr: true},
		{name: "io library", script: `io.write("x"); return {status = "Healthy"}`, wantErr: true},
		{name: "invalid status", script: `return {status = "Fine"}`, wantErr: true},
		{name: "not a table", script: `return "Healthy"`, wantErr: true},
		{name: "endless loop is cut", script: `while true do end`, wantErr: true},
		{name: "table and base", script: `return {status = "Healthy", message = table.concat({tostring(obj.metadata.generation), "x"}, " ")}`},
		{name: "os.time", script: `local os = require("os"); return {status = "Healthy", message = tostring(os.time() > 0)}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runHealthLua(tt.script, policyObject(t, 7, ""))
			if (err != nil) != tt.wantErr {
				t.Errorf("err %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
