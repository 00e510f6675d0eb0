package check

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/command"
)

// offlineRepo writes an Application whose Kustomize source names url, and
// one whose Helm source reads a value file from url.
func offlineRepo(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"apps/k.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: k, namespace: argocd}\nspec:\n" +
			"  source: {repoURL: https://example.com/r.git, path: k}\n  destination: {server: https://kubernetes.default.svc, namespace: k}\n",
		"k/kustomization.yaml": "resources:\n- cm.yaml\n- " + url + "/remote.yaml\n",
		"k/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
	}
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCheckAndRenderStayOffline: a source that names something on the
// network is "could not check" (exit 2), named on stderr or in the
// report, and nothing is fetched (issue 15, finding 6).
func TestCheckAndRenderStayOffline(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	dir := offlineRepo(t, srv.URL)
	tests := []struct {
		args []string
		want string // in stdout+stderr
	}{
		{[]string{"check", dir}, "GS1011"},
		{[]string{"check", "-o", "json", dir}, "GS1011"},
		{[]string{"render", dir}, srv.URL + "/remote.yaml"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:len(tt.args)-1], " "), func(t *testing.T) {
			hits.Store(0)
			code, out, errOut := runGitshift(t, tt.args...)
			if hits.Load() > 0 {
				t.Errorf("%d HTTP requests: an offline command went to the network", hits.Load())
			}
			if code != command.ExitUnavailable {
				t.Errorf("exit %d, want %d (could not check)\nstdout: %s\nstderr: %s", code, command.ExitUnavailable, out, errOut)
			}
			if !strings.Contains(out+errOut, tt.want) {
				t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", tt.want, out, errOut)
			}
		})
	}
}
