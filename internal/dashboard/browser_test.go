//go:build e2e

package dashboard

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/dashboard/browsertest"
)

// TestBrowserE2E loads the pages in headless Chromium over fixed data: the
// overview's rows, a rollout page's step, commits and measured points as
// the browser shows them, and the page changing in place (no reload) when
// the rollout advances. The lab's version is in internal/rollout/e2e.
func TestBrowserE2E(t *testing.T) {
	f := newFake()
	src := &switching{fakeSource: f, next: make(chan struct{})}
	srv := httptest.NewServer(New(src, Options{Refresh: 100 * time.Millisecond, Location: time.UTC}))
	t.Cleanup(srv.Close) // after the browser's cleanup: its event stream holds a connection
	b := browsertest.Start(t)
	out := t.ArtifactDir() // kept with go test -artifacts (make e2e)

	if err := b.Open(srv.URL + "/"); err != nil {
		t.Fatal(err)
	}
	rows, err := b.Data("tr[data-rollout]")
	if err != nil || len(rows) != len(f.overview.Rollouts) {
		t.Fatalf("overview rows %v (%v), want %d", rows, err, len(f.overview.Rollouts))
	}
	if err := b.Screenshot(filepath.Join(out, "overview.png")); err != nil {
		t.Fatal(err)
	}

	d := f.details[Key{"bookinfo/reviews", "r-1"}]
	if err := b.Open(srv.URL + "/rollouts/bookinfo/reviews/r-1"); err != nil {
		t.Fatal(err)
	}
	if step, err := b.Text("#step"); err != nil || step != "2/4" {
		t.Errorf("step %q (%v), want 2/4", step, err)
	}
	commits, err := b.Data("#timeline tr[data-sha]")
	if err != nil || len(commits) != len(d.State.Timeline) {
		t.Fatalf("timeline rows %v (%v), want %d", commits, err, len(d.State.Timeline))
	}
	for i, e := range d.State.Timeline {
		if commits[len(commits)-1-i]["sha"] != e.SHA && commits[i]["sha"] != e.SHA {
			t.Errorf("timeline lacks %s at either end of %v", e.SHA, commits)
		}
	}
	pts, err := b.Data(`svg#split g.series.measured g.pt`)
	if err != nil || len(pts) != len(d.Traffic) {
		t.Fatalf("%d measured points (%v), want %d", len(pts), err, len(d.Traffic))
	}
	if w := d.Traffic[len(d.Traffic)-1]; pts[len(pts)-1]["canary"] != itoa64(w.ByVersion["v3"].Requests) {
		t.Errorf("last point %v, want %d canary requests", pts[len(pts)-1], w.ByVersion["v3"].Requests)
	}
	if err := b.Screenshot(filepath.Join(out, "rollout-step2.png")); err != nil {
		t.Fatal(err)
	}

	// The rollout advances: the page changes without a reload (a reload
	// would drop the mark).
	if err := b.Eval(`window.gitshiftMark = 1`, nil); err != nil {
		t.Fatal(err)
	}
	close(src.next)
	if err := b.WaitFor(`document.getElementById("step").innerText.trim() === "3/4"`, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	var mark int
	if err := b.Eval(`window.gitshiftMark || 0`, &mark); err != nil || mark != 1 {
		t.Errorf("the page was reloaded (mark %d, %v): want an in-place update", mark, err)
	}
	if live, _ := b.Text("#live"); !strings.HasPrefix(live, "updated") {
		t.Errorf("live badge %q", live)
	}
	if err := b.Screenshot(filepath.Join(out, "rollout-step3.png")); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", out)
}
