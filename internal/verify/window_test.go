package verify

import (
	"context"
	"testing"
	"time"
)

// TestTrafficWindow: the split is measured only over traffic routed by the
// current live weights, a settle time after they changed.
func TestTrafficWindow(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	const host = "reviews.bookinfo.svc.cluster.local"
	tests := []struct {
		name        string
		changed     time.Duration // before now; 0: unknown
		settle      time.Duration
		wantStart   time.Duration // before now
		wantClipped bool
	}{
		{"change unknown: the full window", 0, 5 * time.Second, 60 * time.Second, false},
		{"change long ago: the full window", 10 * time.Minute, 5 * time.Second, 60 * time.Second, false},
		{"change 62s ago, settle 5s: clipped to 57s", 62 * time.Second, 5 * time.Second, 57 * time.Second, true},
		{"change 20s ago: starts settle after it", 20 * time.Second, 5 * time.Second, 15 * time.Second, true},
		{"change 20s ago, no settle", 20 * time.Second, 0, 20 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &State{Config: Config{Window: time.Minute, Settle: tt.settle, Now: func() time.Time { return now }, Progress: func(string) {}}}
			s.weightsSince = map[string]time.Time{}
			if tt.changed > 0 {
				s.weightsSince[host] = now.Add(-tt.changed)
			}
			start, end, clipped := s.window(context.Background(), host)
			if !end.Equal(now) || now.Sub(start) != tt.wantStart || clipped != tt.wantClipped {
				t.Errorf("window [now-%s, now-%s] clipped %v; want [now-%s, now] clipped %v",
					now.Sub(start), now.Sub(end), clipped, tt.wantStart, tt.wantClipped)
			}
		})
	}
}
