package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

func runRollout(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), append([]string{"rollout"}, args...), Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestRolloutBadPolicy(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: r}\nspec:\n  stableSubst: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runRollout(t, "status", "--policy", bad, "--repo", "/nonexistent")
	if code != ExitFailed || !strings.Contains(stderr, "policy.yaml:5: spec.stableSubst: unknown field") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr = runRollout(t, "start", "--steps", "5,x")
	if code != ExitUsage || !strings.Contains(stderr, "--steps") {
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
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	for _, kv := range gittest.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	srv := gittest.Start(t)
	files := map[string]string{}
	dir := "../../examples/bookinfo-gitops"
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(rel)] = string(b)
		}
		return err
	})
	srv.Create(t, "repo", files)
	// As in the help's examples: status and signals name the target only,
	// no subsets (issue 15 finding 9).
	flags := []string{"--repo", srv.URL("repo"), "--app", "bookinfo", "--virtualservice", "bookinfo/reviews"}
	code, out, stderr := runRollout(t, append([]string{"status"}, flags...)...)
	if code != 0 || !strings.Contains(out, "no rollout of bookinfo/reviews") {
		t.Fatalf("status exit %d: %s %s", code, out, stderr)
	}
	if code, _, stderr = runRollout(t, append([]string{"pause"}, flags...)...); code != ExitFailed || !strings.Contains(stderr, "no rollout of bookinfo/reviews in progress") {
		t.Fatalf("pause without rollout: exit %d %s", code, stderr)
	}
	w := srv.NewWriter(t, "repo")
	w.Commit(t, "rollout r1: step 1/4\n\nGitshift-Action: rollout-step\nGitshift-Rollout: r1\nGitshift-VirtualService: bookinfo/reviews\nGitshift-Step: 1/4\nGitshift-Weights: v1=95,v3=5\nGitshift-Decision: start",
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
