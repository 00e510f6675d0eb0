package dashboard

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
)

func TestDashboardExitCodes(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	t.Setenv("GITSHIFT_PROMETHEUS_URL", "")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"address without port", []string{"--address", "127.0.0.1"}, command.ExitUsage, `--address "127.0.0.1": want HOST:PORT`},
		{"unknown reporter", []string{"--reporter", "both"}, command.ExitUsage, "want destination or source"},
		{"no history", []string{"--history", "0"}, command.ExitUsage, `"--history" flag: must be a number, at least 1`},
		{"refresh 0", []string{"--refresh", "0s"}, command.ExitUsage, `"--refresh" flag: must be a duration, at least 100ms`},
		{"an argument", []string{"extra"}, command.ExitUsage, "unknown command"},
		{"no cluster, no repository", []string{"--kubeconfig", "/nonexistent"}, command.ExitUnavailable, "pass --kubeconfig, or --policy with --repo"},
		{"missing policy file", []string{"--policy", "/nonexistent/policy.yaml", "--repo", "x"}, command.ExitFailed, "/nonexistent/policy.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := clitest.Run(t, NewCommand, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}

// TestServesRolloutsFromGit runs the command on a free loopback port over
// a repository with one rollout step commit and no cluster: the overview
// lists the rollout, a POST is refused, and the command ends with its
// context.
func TestServesRolloutsFromGit(t *testing.T) {
	example := clitest.Example("bookinfo-gitops")
	files := clitest.Files(t, example)
	vs := "canary/reviews-traffic-90-10.yaml"
	step := map[string]string{vs: strings.Replace(strings.Replace(files[vs], "weight: 90", "weight: 95", 1), "weight: 10", "weight: 5", 1)}
	repo := clitest.LocalRepo(t, files, step)
	t.Setenv("KUBECONFIG", "/nonexistent")

	var errOut clitest.SyncBuffer
	s := command.Streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- command.Execute(ctx, NewCommand(s), []string{"--address", "127.0.0.1:0", "--repo", repo,
			"--policy", filepath.Join(example, "argocd", "canary-policy.yaml")}, s)
	}()
	serving := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+/) \(read-only`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := serving.FindStringSubmatch(errOut.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("not serving: %s", errOut.String())
	}
	resp, err := http.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-rollout="r1"`) {
		t.Errorf("overview: %d\n%s", resp.StatusCode, body)
	}
	resp, err = http.Post(base, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != command.ExitOK {
			t.Errorf("exit %d after the context ended: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still serving after the context ended")
	}
}
