package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/verify"
)

const repo = "https://github.com/example/bookinfo-gitops.git"

func newFake() *fakeSource {
	d := detail(repo)
	_, ov := manyRollouts(3)
	ov.Rollouts = append([]Summary{d.Summary}, ov.Rollouts...)
	return &fakeSource{overview: ov, details: map[Key]Detail{d.Key: d},
		report: verify.Report{App: "bookinfo", Namespace: "argocd", Outcome: verify.OutcomePassed, Git: verify.Checkout{Repo: repo, SHA: "abc123"},
			Results: []verify.Result{{ID: "git", Title: "Git head", Status: verify.Pass, Summary: "main at abc123"},
				{ID: "split", Title: "Measured split", Status: verify.Fail, Summary: "v3 got 40% [35, 45] of weight 25%", Cause: "proxies lag", Fix: "wait"}}}}
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+path, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func TestOverviewListsEveryRollout(t *testing.T) {
	f := newFake()
	h := New(f, Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	code, body := get(t, h, "/")
	if code != http.StatusOK {
		t.Fatalf("status %d\n%s", code, body)
	}
	for _, s := range f.overview.Rollouts {
		row := regexp.MustCompile(`<tr data-rollout="` + s.ID + `" data-phase="([^"]+)" data-step="([^"]+)">`).FindStringSubmatch(body)
		if row == nil {
			t.Fatalf("no row for %s in\n%s", s.ID, body)
		}
		if row[1] != s.Phase || row[2] != stepText(s.Step, s.Steps) {
			t.Errorf("%s: phase %s step %s, want %s %s", s.ID, row[1], row[2], s.Phase, stepText(s.Step, s.Steps))
		}
	}
	if !strings.Contains(body, "1 running · 4 in history") {
		t.Errorf("counts missing:\n%s", body)
	}
	if !strings.Contains(body, `href="/rollouts/bookinfo/reviews/r-1"`) || !strings.Contains(body, `href="/apps/argocd/bookinfo"`) {
		t.Errorf("links to the rollout and the checklist missing")
	}
}

func TestRolloutPageShowsStepCommitsAndChartData(t *testing.T) {
	f := newFake()
	d := f.details[Key{"bookinfo/reviews", "r-1"}]
	h := New(f, Options{Location: time.UTC, Links: Links{ArgoCD: "https://argocd.example.com/"}})
	code, body := get(t, h, "/rollouts/bookinfo/reviews/r-1")
	if code != http.StatusOK {
		t.Fatalf("status %d\n%s", code, body)
	}
	if !strings.Contains(body, `<p id="step">2/4</p>`) || !strings.Contains(body, `id="phase">InProgress<`) {
		t.Errorf("running step missing")
	}
	for _, e := range d.State.Timeline {
		if !strings.Contains(body, `data-sha="`+e.SHA+`"`) {
			t.Errorf("commit %s missing", e.SHA)
		}
		if !strings.Contains(body, `href="https://github.com/example/bookinfo-gitops/commit/`+e.SHA+`"`) {
			t.Errorf("commit link of %s missing", e.SHA)
		}
	}
	if !strings.Contains(body, `href="https://argocd.example.com/applications/argocd/bookinfo?rollback=0"`) {
		t.Errorf("Argo CD history link missing")
	}
	// Every bucket with traffic is a measured point whose counts are the
	// bucket's, and its share is the canary's fraction.
	pts := regexp.MustCompile(`<g class="pt" data-x="[^"]+" data-y="([^"]+)" data-lo="[^"]+" data-hi="[^"]+" data-start="(\d+)" data-end="(\d+)" data-canary="(\d+)" data-canary-errors="\d+" data-stable="(\d+)"`).FindAllStringSubmatch(body, -1)
	if len(pts) != len(d.Traffic) {
		t.Fatalf("%d measured points, want %d (one per bucket)", len(pts), len(d.Traffic))
	}
	last, w := pts[len(pts)-1], d.Traffic[len(d.Traffic)-1]
	if last[2] != itoa64(w.Start.UnixMilli()) || last[4] != itoa64(w.ByVersion["v3"].Requests) || last[5] != itoa64(w.ByVersion["v1"].Requests) || last[1] != "25" {
		t.Errorf("last point %v, want bucket %s..%s with %d/%d at 25%%", last[1:], w.Start, w.End, w.ByVersion["v3"].Requests, w.ByVersion["v1"].Requests)
	}
	if !strings.Contains(body, "guard max 5%") || !strings.Contains(body, "baseline + margin") {
		t.Errorf("thresholds missing from the error chart")
	}
	if !strings.Contains(body, "≈3s") {
		t.Errorf("push→live from Argo CD's history missing")
	}
}

func itoa64(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestErrorsAndRefusals(t *testing.T) {
	f := newFake()
	h := New(f, Options{})
	for _, tc := range []struct {
		method, host, path string
		want               int
	}{
		{"GET", "127.0.0.1:8090", "/rollouts/bookinfo/reviews/nope", http.StatusNotFound},
		{"POST", "127.0.0.1:8090", "/", http.StatusMethodNotAllowed},
		{"DELETE", "localhost", "/rollouts/bookinfo/reviews/r-1", http.StatusMethodNotAllowed},
		{"GET", "evil.example:8090", "/", http.StatusForbidden},
		{"GET", "[::1]:8090", "/", http.StatusOK},
		{"GET", "localhost:8090", "/static/style.css", http.StatusOK},
	} {
		r := httptest.NewRequest(tc.method, "http://"+tc.host+tc.path, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("%s %s%s: %d, want %d", tc.method, tc.host, tc.path, w.Code, tc.want)
		}
		if csp := w.Header().Get("Content-Security-Policy"); w.Code != http.StatusForbidden && w.Code != http.StatusMethodNotAllowed && !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", tc.path, csp)
		}
	}
	remote := New(f, Options{AllowRemote: true})
	r := httptest.NewRequest("GET", "http://dash.example.com/", nil)
	w := httptest.NewRecorder()
	remote.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("--allow-remote: %d for another host name", w.Code)
	}
}

func TestMountedUnderAPrefix(t *testing.T) {
	h := New(newFake(), Options{Prefix: "/dashboard/"})
	code, body := get(t, h, "/dashboard/")
	if code != http.StatusOK || !strings.Contains(body, `href="/dashboard/rollouts/bookinfo/reviews/r-1"`) || !strings.Contains(body, `href="/dashboard/static/style.css"`) ||
		!strings.Contains(body, `data-stream="/dashboard/events/"`) {
		t.Fatalf("status %d; links not under the prefix:\n%s", code, body)
	}
}

// TestStreamSendsChanges reads the server-sent events of a rollout page
// while the rollout advances: the first event is the page as it is, the
// next one arrives when the step changed.
func TestStreamSendsChanges(t *testing.T) {
	f := newFake()
	src := &switching{fakeSource: f, next: make(chan struct{})}
	srv := httptest.NewServer(New(src, Options{Refresh: 20 * time.Millisecond, AllowRemote: true}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events/rollouts/bookinfo/reviews/r-1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := readEvents(resp.Body)
	first := <-events
	if !strings.Contains(first, `id=\"step\"\u003e2/4`) && !strings.Contains(first, `\u003cp id=\"step\"\u003e2/4`) {
		t.Fatalf("first update does not show step 2/4: %.300s", first)
	}
	close(src.next) // the rollout advances
	for ev := range events {
		if strings.Contains(ev, `3/4`) {
			return
		}
	}
	t.Fatal("no update with step 3/4")
}

// switching serves the rollout at step 3 once next is closed.
type switching struct {
	*fakeSource
	next chan struct{}
}

func (s *switching) Rollout(ctx context.Context, k Key) (Detail, error) {
	select {
	case <-s.next:
		st, _ := rollout.Derive(commitsFor("bookinfo/reviews", "r-1", t0, 3), "bookinfo/reviews", "r-1")
		d := s.details[k]
		d.State, d.Summary.Step = st, st.Step
		return d, nil
	default:
		return s.fakeSource.Rollout(ctx, k)
	}
}

// readEvents yields the data of each "update" event.
func readEvents(r io.Reader) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "update":
				out <- strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

// TestStepSplitCountsFromLive: a step's measured split starts when Argo CD
// synced its commit, not at the commit: the seconds in between still run
// on the previous weights, and would make a correct split look wrong.
func TestStepSplitCountsFromLive(t *testing.T) {
	d := detail(repo)
	step2 := d.State.Timeline[1]
	d.Deployments[1].DeployedAt = step2.Time.Add(15 * time.Second)
	d.Traffic = append(buckets(t0.Add(-time.Minute), t0, 0), buckets(t0, step2.Time.Add(20*time.Second), 0.05)...)
	d.Traffic = append(d.Traffic, buckets(step2.Time.Add(20*time.Second), t0.Add(3*time.Minute-Settle), 0.25)...)
	h := &handler{loc: time.UTC}
	steps := h.steps(d)
	if len(steps) != 2 {
		t.Fatalf("%d steps", len(steps))
	}
	if got := steps[1]; got.Consistent != "✓" || !strings.HasPrefix(got.Share, "25.0%") || got.From != "10:01:15" {
		t.Errorf("step 2: from %s share %s consistent %s; want from 10:01:15 (live), 25.0%%, ✓", got.From, got.Share, got.Consistent)
	}
}
