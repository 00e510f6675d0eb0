package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/rollout"
)

// historySource derives the overview from commits on every request, as
// Live does after its Git read: the benchmark measures the derivation
// and the rendering.
type historySource struct {
	fakeSource
	commits []rollout.Commit
}

func (h *historySource) Overview(context.Context) (Overview, error) {
	rows, err := Summaries(h.commits, "bookinfo/reviews", nil)
	return Overview{Rollouts: rows}, err
}

// BenchmarkOverview100 renders the overview of 100 rollouts (400 commits)
// in history; issue 17 asks for ≤ 100 ms of server time.
func BenchmarkOverview100(b *testing.B) {
	commits, _ := manyRollouts(100)
	h := New(&historySource{commits: commits}, Options{Now: func() time.Time { return t0.Add(48 * time.Hour) }})
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkRolloutPage renders one rollout page with its three charts.
func BenchmarkRolloutPage(b *testing.B) {
	h := New(newFake(), Options{})
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/rollouts/bookinfo/reviews/r-1", nil)
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
	}
}
