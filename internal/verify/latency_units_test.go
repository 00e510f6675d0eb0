package verify

import (
	"math"
	"strings"
	"testing"
)

// TestTrafficHealthLatencyInMilliseconds: metrics hands out histogram bounds
// in seconds; verify reports milliseconds (summary and p50Ms/p99Ms evidence).
// The fake's v1 histogram holds 50% of requests at ≤ 10 ms, 98% at ≤ 100 ms.
func TestTrafficHealthLatencyInMilliseconds(t *testing.T) {
	rep := healthy(t).run(t)
	for _, r := range rep.Results {
		if r.ID != "traffic-health" {
			continue
		}
		if !strings.Contains(r.Summary, "v1: 0.11% errors (2/1797), p50 10ms p99 100ms") {
			t.Errorf("summary %q", r.Summary)
		}
		v1, _ := r.Evidence["reviews.bookinfo/v1"].(map[string]any)
		p50, _ := v1["p50Ms"].(float64)
		p99, _ := v1["p99Ms"].(float64)
		if math.Abs(p50-10*898.5/899) > 1e-9 || math.Abs(p99-100) > 1e-9 {
			t.Errorf("evidence %v", v1)
		}
		return
	}
	t.Fatal("no traffic-health result")
}
