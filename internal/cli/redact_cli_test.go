package cli

import (
	"fmt"
	"strings"
	"testing"

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
		if code > ExitUnavailable || !strings.Contains(stdout+stderr, "***") {
			t.Errorf("%v: exit %d, no redacted URL in the output:\n%s\n%s", args, code, stdout, stderr)
		}
	}
}
