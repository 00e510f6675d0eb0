package clitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// Kubeconfig writes a kubeconfig whose only context talks to server.
func Kubeconfig(t testing.TB, server string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users: [{name: u, user: {token: test}}]
current-context: c
`, server)
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// UnreachableKubeconfig points at a port nothing listens on.
func UnreachableKubeconfig(t testing.TB) string { return Kubeconfig(t, "https://127.0.0.1:1") }

// FakeAPIServer answers GETs of the given paths with their JSON and
// everything else with a Kubernetes 404 Status: an API server that has none
// of what gitshift looks for. It returns a kubeconfig for it.
func FakeAPIServer(t testing.TB, objects map[string]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if body, ok := objects[r.URL.Path]; ok && r.Method == http.MethodGet {
			fmt.Fprint(w, body)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"%s not found"}`, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return Kubeconfig(t, srv.URL)
}

// AppPath is where the API server serves an Application.
func AppPath(ns, name string) string {
	return "/apis/argoproj.io/v1alpha1/namespaces/" + ns + "/applications/" + name
}

// BookinfoApp is an in-cluster Application of the Bookinfo example.
const BookinfoApp = `{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"bookinfo","namespace":"argocd"},
"spec":{"project":"default","source":{"repoURL":"git://127.0.0.1:1/bookinfo.git","targetRevision":"main","path":"."},
"destination":{"server":"https://kubernetes.default.svc","namespace":"bookinfo"}}}`
