package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// Every credential below starts with "s3cr", so one search finds any of
// them, percent-encoded or not, whole or in part.
const secretMark = "s3cr"

func assertNoSecret(t *testing.T, what string, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, secretMark) {
			t.Errorf("%s printed a credential:\n%s", what, o)
		}
	}
}

func credApp(name, repoURL, path, extra string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
  namespace: argocd
spec:
  project: default
  source:
    repoURL: %s
    targetRevision: main
    path: %s
%s  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`, name, repoURL, path, extra)
}

// TestCheckHidesCredentials: repoURLs, --repo-url and remote value files
// with credentials in every form appear in check's and render's skipped
// lines and diagnostics without them, in every output format.
func TestCheckHidesCredentials(t *testing.T) {
	dir := t.TempDir()
	apps := strings.Join([]string{
		credApp("local", `https://user:s3crA'"x@git.example.com/org/mesh.git`, "mesh", ""),
		credApp("other", "https://s3crB@git.example.com/org/other.git?private_token=s3crQ", "nope", ""),
		credApp("helm", `https://user:s3crA'"x@git.example.com/org/mesh.git`, "chart",
			"    helm:\n      valueFiles:\n      - https://u:s3crC@values.example.com/v.yaml?sig=s3crS\n"),
	}, "---\n")
	gittest.WriteFiles(t, dir, map[string]string{
		"argocd/apps.yaml":      apps,
		"mesh/vs.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
		"chart/Chart.yaml":      "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"chart/templates/.keep": "",
	})
	for _, args := range [][]string{
		{"check", dir},
		{"check", "-o", "json", dir},
		{"check", "-o", "yaml", dir},
		{"check", "-o", "sarif", dir},
		{"check", "--repo-url", "https://x:s3crD@git.example.com/org/mesh.git", dir},
		{"check", "--repo-url", "https://x:s3crD@git.example.com/org/elsewhere.git", "-o", "json", dir},
		{"check", "-vv", "--repo-url", "https://git.example.com/org/elsewhere.git?access_token=s3crE", dir},
		{"render", dir},
		{"render", "--repo-url", "https://x:s3crD@git.example.com/org/elsewhere.git", dir},
	} {
		code, stdout, stderr := runGitshift(t, args...)
		assertNoSecret(t, strings.Join(args[:len(args)-1], " "), stdout, stderr)
		if code > command.ExitUnavailable || !strings.Contains(stdout+stderr, "***") {
			t.Errorf("%v: exit %d, no redacted URL in the output:\n%s\n%s", args, code, stdout, stderr)
		}
	}
}

// TestCommandsHideCredentials drives shift, rollout and verify through Main
// with a remote URL carrying a token (a real HTTP git server checks it) and
// other URLs with credentials: no credential appears on stdout, on stderr,
// in -o json/yaml, or in -vv logs, whether the command works or fails.
func TestCommandsHideCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("git servers")
	}
	srv := gittest.Start(t)
	srv.Create(t, "repo", clitest.Files(t, gitopsExample))
	h := srv.HTTP(t, "x-token", `s3crT'o"k@n`)
	remote := h.Repo("repo", `x-token:s3crT'o%22k%40n`)
	hang := gittest.Hang(t)
	target := []string{"--app", "bookinfo", "--virtualservice", "bookinfo/reviews"}
	with := func(args ...string) []string { return append(append([]string(nil), args...), target...) }
	tests := []struct {
		args []string
		code int
	}{
		{with("shift", "--repo", remote, "--set", "v1=75,v3=25", "-o", "json", "-vv"), command.ExitOK},
		{with("shift", "--repo", remote, "--set", "v1=60,v3=40", "--dry-run", "-vv"), command.ExitOK},
		{with("shift", "--repo", remote, "--set", "v1=75,v3=25", "-o", "yaml"), command.ExitOK},
		{with("shift", "--repo", remote, "--set", "v1=60,v3=50"), command.ExitFailed},
		{with("shift", "--repo", h.Repo("repo", "x-token:s3crWrong"), "--set", "v1=60,v3=40", "-vv"), command.ExitUnavailable},
		{with("shift", "--repo", "http://x:s3crU@127.0.0.1:1/r.git?private_token=s3crQ", "--set", "v1=60,v3=40", "-vv"), command.ExitUnavailable},
		{with("shift", "--repo", "http://x:s3crH@"+hang+"/r", "--set", "v1=60,v3=40", "--git-timeout", "300ms"), command.ExitUnavailable},
		{with("rollout", "status", "--repo", remote, "-o", "json", "-vv"), command.ExitOK},
		{with("rollout", "pause", "--repo", remote, "-vv"), command.ExitFailed},
		{with("rollout", "start", "--repo", remote, "--stable", "v1", "--canary", "v3", "--kubeconfig", "/nonexistent",
			"--prometheus", "http://p:s3crP@127.0.0.1:1/?token=s3crP2"), command.ExitUnavailable},
		{[]string{"verify", "--repo", remote, "--app", "bookinfo", "--kubeconfig", "/nonexistent", "-o", "json",
			"--prometheus", "http://p:s3crP@127.0.0.1:1/", "--argocd-url", "https://u:s3crA@argocd.example.com"}, -1},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		name := strings.Join(tt.args[:2], " ")
		if tt.code >= 0 && code != tt.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tt.args, code, tt.code, stdout, stderr)
		}
		assertNoSecret(t, name, stdout, stderr)
		t.Logf("%s: exit %d\n%.600s\n%.600s", name, code, stdout, stderr)
	}
}
