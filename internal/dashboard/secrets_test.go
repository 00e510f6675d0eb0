package dashboard

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/verify"
)

// TestNoSecretOnAnyPage renders every page, the error pages and the first
// streamed update with credentials in the repository URL, in every
// configured UI URL and in the errors a source reports: no byte of a
// credential may reach the browser.
func TestNoSecretOnAnyPage(t *testing.T) {
	const (
		gitToken   = "ghp_GITTOKEN1234567890"
		promToken  = "PROMSECRET-42"
		argoPass   = "argo-pass-9f8e"
		kialiToken = "kiali-tok-77"
	)
	secretRepo := "https://x-access-token:" + gitToken + "@github.com/example/bookinfo-gitops.git"
	f := newFake()
	k := Key{"bookinfo/reviews", "r-1"}
	d := f.details[k]
	d.Repo = secretRepo
	d.TrafficError = "cannot query Prometheus at https://prom.example.com/?token=" + promToken + ": refused"
	d.LiveError = "reading " + secretRepo + " failed"
	d.State.Timeline[0].Reason = "pushed to " + secretRepo
	f.details[k] = d
	f.overview.Problems = []string{"policy bookinfo/reviews: cloning " + secretRepo + ": exit 128"}
	f.report = verify.Report{App: "bookinfo", Namespace: "argocd", Git: verify.Checkout{Repo: secretRepo, SHA: "abc"},
		Results: []verify.Result{{Title: "Git", Status: verify.Error, Summary: "could not clone " + secretRepo, Error: "fatal: " + secretRepo, Details: []string{secretRepo}}}}
	links := Links{ArgoCD: "https://admin:" + argoPass + "@argocd.example.com", Prometheus: "https://prom.example.com/?token=" + promToken,
		Kiali: "https://kiali.example.com/kiali?access_token=" + kialiToken, Jaeger: "https://u:" + argoPass + "@jaeger.example.com"}
	h := New(f, Options{Links: links, Refresh: 10 * time.Millisecond})

	pages := map[string]string{}
	for _, p := range []string{"/", "/rollouts/bookinfo/reviews/r-1", "/apps/argocd/bookinfo", "/rollouts/bookinfo/reviews/missing", "/static/style.css", "/static/live.js"} {
		code, body := get(t, h, p)
		if code != http.StatusOK && code != http.StatusNotFound {
			t.Errorf("%s: status %d", p, code)
		}
		pages[p] = body
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/events/rollouts/bookinfo/reviews/r-1", nil)
	w := &streamRecorder{header: http.Header{}, got: make(chan string, 8)}
	go func() { New(f, Options{Links: links, Refresh: 10 * time.Millisecond}).ServeHTTP(w, r) }()
	pages["stream"] = <-w.got + <-w.got
	cancel()
	// A failing source's error page too.
	f.err = errors.New("listing at " + secretRepo)
	_, pages["error"] = get(t, h, "/")

	if !strings.Contains(pages["/rollouts/bookinfo/reviews/r-1"], "https://github.com/example/bookinfo-gitops/commit/") {
		t.Errorf("commit links missing: the test would not see a leak through them")
	}
	if !strings.Contains(pages["/rollouts/bookinfo/reviews/r-1"], "https://prom.example.com/graph?") {
		t.Errorf("Prometheus link missing: the test would not see a leak through it")
	}
	for name, body := range pages {
		for _, s := range []string{gitToken, promToken, argoPass, kialiToken, "x-access-token:"} {
			if strings.Contains(body, s) {
				i := strings.Index(body, s)
				t.Errorf("%s shows %q: …%s…", name, s, body[max(0, i-80):min(len(body), i+40)])
			}
		}
	}
}

// streamRecorder passes each flushed chunk of a stream to got.
type streamRecorder struct {
	header http.Header
	buf    strings.Builder
	got    chan string
}

func (s *streamRecorder) Header() http.Header         { return s.header }
func (s *streamRecorder) WriteHeader(int)             {}
func (s *streamRecorder) Write(p []byte) (int, error) { return s.buf.Write(p) }
func (s *streamRecorder) Flush() {
	select {
	case s.got <- s.buf.String():
	default:
	}
	s.buf.Reset()
}
