package controller

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
)

func TestControllerFlagsUsage(t *testing.T) {
	t.Setenv("GITSHIFT_PROMETHEUS_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"controller", "--selector", "a in (", "--prometheus", "http://p:9090"}, "--selector"},
		{[]string{"controller", "--leader-election-namespace", "x"}, "--prometheus"},
		{[]string{"controller", "--prometheus", "http://p:9090", "--leader-election-namespace", "x", "--log-format", "xml"}, "--log-format"},
		{[]string{"controller", "--prometheus", "http://p:9090", "--leader-election-namespace", "x", "--push-attempts", "0"}, "--push-attempts 0: want at least 1"},
		{[]string{"controller", "--prometheus", "http://p:9090", "--leader-election-namespace", "x", "--kube-api-qps", "0"}, "--kube-api-qps 0"},
		{[]string{"controller", "--prometheus", "http://p:9090", "--leader-election-namespace", "x", "--kube-api-burst", "0"}, "--kube-api-burst 0"},
		{[]string{"controller", "--prometheus", "http://p:9090", "--leader-election-namespace", "x", "--istiod-debug", "istiod:8080"}, "--istiod-debug: istiod debug URL"},
	} {
		code, _, stderr := clitest.Run(t, NewCommand, tc.args[1:]...)
		if code != command.ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}

// TestControllerKubeRateLimit: the flags reach the API client every
// rollout of the controller shares.
func TestControllerKubeRateLimit(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	const cfg = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	kc, err := controllerKube(&controllerOptions{kubeconfig: kubeconfig, qps: 250, burst: 500})
	if err != nil {
		t.Fatal(err)
	}
	if kc.Config.QPS != 250 || kc.Config.Burst != 500 {
		t.Errorf("QPS %g, Burst %d; want 250, 500", kc.Config.QPS, kc.Config.Burst)
	}
}
