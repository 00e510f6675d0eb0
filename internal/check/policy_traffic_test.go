package check

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/source"
)

// trafficPolicy's steps, worked out by hand (interval 10s, the judge's
// minimum 100 per arm): the 10% step (line 13) needs 200 canary requests in
// 5m, 6.67 rps (floor 3.33); the 20% step (line 14) 200 in 1m, 16.7 rps
// (floor 8.33).
const trafficPolicy = `apiVersion: gitshift.dev/v1alpha1
kind: CanaryPolicy
metadata: {name: reviews, namespace: bookinfo}
spec:
  target: {application: app, virtualService: {name: reviews}}
  stableSubset: v1
  canarySubset: v2
  stepDefaults:
    minDuration: 30s
    minCanaryRequests: 200
    maxDuration: 5m
  steps:
  - weight: 10
  - {weight: 20, maxDuration: 1m}
  - weight: 100
`

func TestPolicyTraffic(t *testing.T) {
	tests := []struct {
		name string
		rps  float64
		want []string // code severity line: message fragment
		fail bool     // Judge at --fail-on error
	}{
		{"no traffic stated: the need at the binding step", 0,
			[]string{`info 14: needs ≥ 16.7 rps (both versions together) at the 20% step (spec.steps[1]) to decide within 1m`}, false},
		{"enough traffic", 20,
			[]string{`info 14: at --rps 20 every step can`}, false},
		{"minCanaryRequests out of reach at the 20% step", 10,
			[]string{`warning 14: at --rps 10, the 20% step (spec.steps[1]) of CanaryPolicy "reviews" expects 120 of its 200 canary requests within 1m (it needs ≥ 16.7 rps)`}, false},
		{"below the judge's floor at 20%, minCanaryRequests out of reach at 10%", 5,
			[]string{`warning 13: expects 150 of its 200 canary requests within 5m`, `error 14: expects 60 of its 200 canary requests within 1m`}, true},
		{"both steps below the floor", 2,
			[]string{`error 13: below the judge's minimum of 100 per arm it cannot decide`, `error 14: expects 24 of its 200`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, map[string]string{
				"argocd/app.yaml":    appInDir,
				"app/deploy.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
				"argocd/policy.yaml": trafficPolicy,
			})
			diags := runWith(t, root, Options{Rules: []string{"GS3001"}, RPS: tt.rps})
			if len(diags) != len(tt.want) {
				t.Fatalf("%d diagnostics, want %d: %v", len(diags), len(tt.want), diags)
			}
			for i, d := range diags {
				sevLine, frag, _ := strings.Cut(tt.want[i], ": ")
				got := string(d.Severity) + " " + strconv.Itoa(d.Line)
				if d.Code != "GS3001" || d.File != "argocd/policy.yaml" || got != sevLine || !strings.Contains(d.Message, frag) {
					t.Errorf("diagnostic %d = %s %s, want %s at argocd/policy.yaml with %q", i, d.Code, d, sevLine, frag)
				}
				cmd := "gitshift simulate --policy argocd/policy.yaml --rps "
				if !strings.Contains(d.Hint, cmd) {
					t.Errorf("hint %q lacks %q", d.Hint, cmd)
				}
			}
			if got := Judge(diags, SeverityError) == Failed; got != tt.fail {
				t.Errorf("failed = %v, want %v", got, tt.fail)
			}
		})
	}
}

func runWith(t *testing.T, root string, opts Options) []Diagnostic {
	t.Helper()
	ctx := context.Background()
	apps, err := source.FindApplications(root)
	if err != nil {
		t.Fatal(err)
	}
	local := func(source.AppSource) (bool, string) { return true, "" }
	var targets []*Target
	for i := range apps {
		targets = append(targets, Render(ctx, root, &apps[i], local, source.Options{}))
	}
	diags, err := Run(ctx, targets, opts)
	if err != nil {
		t.Fatal(err)
	}
	return diags
}

func TestSimulateCommand(t *testing.T) {
	pol := func(file, name string) *policy.CanaryPolicy {
		return &policy.CanaryPolicy{File: file, Metadata: policy.ObjectMeta{Name: name}}
	}
	tests := []struct {
		fp   foundPolicy
		rps  float64
		want string
	}{
		{foundPolicy{pol: pol("argocd/p.yaml", "reviews")}, 200.0 / 45, "gitshift simulate --policy argocd/p.yaml --rps 4.45"},
		{foundPolicy{pol: pol("argocd/p.yaml", "reviews"), several: true}, 25, "gitshift simulate --policy argocd/p.yaml --policy-name reviews --rps 25"},
		{foundPolicy{pol: pol("my policies/it's.yaml", "r")}, 1000.0 / 3, `gitshift simulate --policy 'my policies/it'\''s.yaml' --rps 334`},
		{foundPolicy{pol: pol("p.yaml", "r")}, 0.8 / 0.9, "gitshift simulate --policy p.yaml --rps 0.889"},
	}
	for _, tt := range tests {
		if got := simulateCommand(tt.fp, tt.rps); got != tt.want {
			t.Errorf("simulateCommand(%s, %v) = %s, want %s", tt.fp.pol.File, tt.rps, got, tt.want)
		}
	}
}
