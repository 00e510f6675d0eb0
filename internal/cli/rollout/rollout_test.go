package rollout

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// runRollout runs `gitshift rollout ARGS...` as gitshift does.
func runRollout(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return clitest.Run(t, NewCommand, args...)
}

func TestRolloutBadPolicy(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: r}\nspec:\n  stableSubst: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runRollout(t, "status", "--policy", bad, "--repo", "/nonexistent")
	if code != command.ExitFailed || !strings.Contains(stderr, "policy.yaml:5: spec.stableSubst: unknown field") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr = runRollout(t, "start", "--steps", "5,x")
	if code != command.ExitUsage || !strings.Contains(stderr, "--steps") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestRolloutSignalsAgainstGit: status and the signal commands work with
// only a Git remote (no cluster): no rollout → an error; after a step
// commit, pause is an empty commit that status then reports.
func TestRolloutSignalsAgainstGit(t *testing.T) {
	if testing.Short() {
		t.Skip("git daemon")
	}
	clitest.GitEnv(t)
	srv := gittest.Start(t)
	files := clitest.Files(t, clitest.Example("bookinfo-gitops"))
	srv.Create(t, "repo", files)
	// As in the help's examples: status and signals name the target only,
	// no subsets (issue 15 finding 9).
	flags := []string{"--repo", srv.URL("repo"), "--app", "bookinfo", "--virtualservice", "bookinfo/reviews"}
	code, out, stderr := runRollout(t, append([]string{"status"}, flags...)...)
	if code != 0 || !strings.Contains(out, "no rollout of bookinfo/reviews") {
		t.Fatalf("status exit %d: %s %s", code, out, stderr)
	}
	if code, _, stderr = runRollout(t, append([]string{"pause"}, flags...)...); code != command.ExitFailed || !strings.Contains(stderr, "no rollout of bookinfo/reviews in progress") {
		t.Fatalf("pause without rollout: exit %d %s", code, stderr)
	}
	w := srv.NewWriter(t, "repo")
	w.Commit(t, clitest.StepCommit,
		map[string]string{"canary/reviews-traffic-90-10.yaml": strings.NewReplacer("weight: 90", "weight: 95", "weight: 10", "weight: 5").Replace(files["canary/reviews-traffic-90-10.yaml"])})
	if code, out, stderr = runRollout(t, append([]string{"pause", "--reason", "lunch"}, flags...)...); code != 0 || !strings.Contains(out, "pause recorded for rollout r1") {
		t.Fatalf("pause: exit %d %s %s", code, out, stderr)
	}
	code, out, stderr = runRollout(t, append([]string{"status", "-o", "json"}, flags...)...)
	if code != 0 {
		t.Fatalf("status: %d %s", code, stderr)
	}
	var st rolloutStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Phase != "Paused" || st.PauseReason != "lunch" || st.Step != 1 || len(st.Timeline) != 2 {
		t.Errorf("status %+v", st)
	}
}
