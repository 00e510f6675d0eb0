package gittest

import (
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// HTTPServer serves a Server's repositories over smart HTTP (git
// http-backend behind net/http/cgi), so credentials in URLs go through
// git's and curl's real code paths.
type HTTPServer struct {
	URL string // base URL, e.g. http://127.0.0.1:PORT
	// Denied counts requests refused for lack of credentials.
	Denied atomic.Int64
}

// Repo is the HTTP URL of repository name with userinfo (e.g. "user:pw",
// percent-encoded as needed; "" for none).
func (h *HTTPServer) Repo(name, userinfo string) string {
	if userinfo == "" {
		return h.URL + "/" + name
	}
	return strings.Replace(h.URL, "://", "://"+userinfo+"@", 1) + "/" + name
}

// HTTP serves s's repositories over HTTP for the test's lifetime. When user
// is not empty, every request must carry Basic credentials user:password.
func (s *Server) HTTP(t testing.TB, user, password string) *HTTPServer {
	t.Helper()
	return s.HTTPAuth(t, func(r *http.Request) bool {
		if user == "" {
			return true
		}
		u, p, ok := r.BasicAuth()
		return ok && u == user && p == password
	})
}

// HTTPAuth serves s's repositories over HTTP, answering 401 unless
// authorized accepts the request: a Git host with its own token scheme
// (bearer headers, tokens as user names).
func (s *Server) HTTPAuth(t testing.TB, authorized func(r *http.Request) bool) *HTTPServer {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	h := &HTTPServer{}
	backend := &cgi.Handler{
		Path: gitPath, Args: []string{"http-backend"}, Dir: s.Base,
		Env: append(append([]string{}, Env...), "GIT_PROJECT_ROOT="+s.Base, "GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=true"),
		InheritEnv: []string{"PATH", "HOME"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r) {
			h.Denied.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// Hang listens on loopback, accepts every connection and never answers: a
// remote that is reachable but hung. It returns the address host:port.
func Hang(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // keep it open, read nothing, say nothing
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
