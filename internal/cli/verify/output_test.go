package verify

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/verify"
)

func TestVerifyChecklistText(t *testing.T) {
	var b bytes.Buffer
	w := newChecklistWriter(&b, "bookinfo", "argocd")
	rep := verify.Report{Outcome: verify.OutcomeFailed, Results: []verify.Result{
		{ID: "argocd", Title: "Argo CD reconciled the revision", Status: verify.Pass, Summary: "Synced, Healthy at 4b7e2d0"},
		{ID: "virtualservice", Title: "Live VirtualService weights equal Git's", Status: verify.Fail, Summary: "live VirtualService differs from Git",
			Details: []string{"bookinfo/reviews http[0] reviews/v1: Git 90, live 100"}, Cause: "drift", Fix: "argocd app sync bookinfo"},
	}, Links: map[string]string{"argocd": "https://argocd/applications/argocd/bookinfo"}}
	for _, r := range rep.Results {
		w.result(r)
	}
	w.finish(rep)
	out := b.String()
	for _, want := range []string{
		"gitshift verify argocd/bookinfo\n",
		"✓ Argo CD reconciled the revision ",
		"✗ Live VirtualService weights equal Git's  live VirtualService differs from Git\n    bookinfo/reviews http[0] reviews/v1: Git 90, live 100\n    cause: drift\n    fix:   argocd app sync bookinfo\n",
		"  argocd: https://argocd/applications/argocd/bookinfo\n",
		"FAILED: 1 pass, 1 fail",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVerifyOutcome(t *testing.T) {
	tests := []struct {
		outcome verify.Outcome
		results []verify.Result
		want    int
	}{
		{verify.OutcomePassed, nil, command.ExitOK},
		{verify.OutcomeFailed, nil, command.ExitFailed},
		{verify.OutcomeUnavailable, []verify.Result{{ID: "traffic-split", Status: verify.Error, Error: "cannot query Prometheus at http://127.0.0.1:9090: connection refused"}}, command.ExitUnavailable},
	}
	for _, tt := range tests {
		err := verifyOutcome(verify.Report{Outcome: tt.outcome, Results: tt.results})
		if got := command.ExitCode(err); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.outcome, got, tt.want)
		}
		if tt.want == command.ExitUnavailable && !strings.Contains(err.Error(), "cannot query Prometheus") {
			t.Errorf("message %q does not say what was unreachable", err)
		}
	}
}

// TestVerifyChecklistEscapesNames: details, causes and links carry names
// from Git and the cluster; the checklist shows them escaped (issue 15
// finding 12).
func TestVerifyChecklistEscapesNames(t *testing.T) {
	var b bytes.Buffer
	w := newChecklistWriter(&b, "book\x1b[2Jinfo", "argocd")
	rep := verify.Report{Outcome: verify.OutcomeFailed, Results: []verify.Result{
		{ID: "virtualservice", Title: "Live VirtualService weights equal Git's", Status: verify.Fail, Summary: "differs in " + clitest.Hostile,
			Details: []string{"bookinfo/" + clitest.Hostile + " http[0]: Git 90, live 100"}, Cause: clitest.Hostile, Fix: "edit " + clitest.Hostile},
		{ID: "traffic", Title: "Traffic observed", Status: verify.Error, Summary: "x", Error: "query " + clitest.Hostile},
	}, Links: map[string]string{"argocd": "https://argocd/" + clitest.Hostile}}
	for _, r := range rep.Results {
		w.result(r)
	}
	w.finish(rep)
	clitest.AssertTerminalSafe(t, "verify checklist", b.String())
	if !strings.Contains(b.String(), "bookinfo/"+clitest.HostileShown+" http[0]") {
		t.Errorf("details not shown escaped:\n%s", b.String())
	}
}
