package gittest

import (
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// HTTP serves the server's repositories over smart HTTP too (git
// http-backend behind httptest), answering 401 unless authorized accepts
// the request: a Git host with token authentication. It returns the base
// URL; a repository is at base + "/" + name.
func (s *Server) HTTP(t testing.TB, authorized func(r *http.Request) bool) string {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skip("git not installed")
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		// REMOTE_USER enables receive-pack (pushes) in http-backend.
		h := &cgi.Handler{Path: backend, Env: append([]string{"GIT_PROJECT_ROOT=" + s.Base, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=tester"}, Env...)}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
