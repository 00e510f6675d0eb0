package verify

import (
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/source"
)

// TestSyncNotes: verify says when the way from commit to live objects is
// slow for a reason the Application's status shows.
func TestSyncNotes(t *testing.T) {
	commit := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	app := func(opts ...any) argocd.AppStatus {
		var a argocd.AppStatus
		a.Spec.SyncPolicy = map[string]any{"automated": map[string]any{}, "syncOptions": opts}
		return a
	}
	at := func(start, apply time.Duration) argocd.SyncTiming {
		return argocd.SyncTiming{Started: commit.Add(start), Finished: commit.Add(start + apply)}
	}
	tests := []struct {
		name string
		app  argocd.AppStatus
		t    argocd.SyncTiming
		want [][]string // per note, substrings it must contain
	}{
		{"fast apply, found at once", app(), at(time.Second, 1200*time.Millisecond), nil},
		{"slow apply without the option", app("CreateNamespace=true"), at(time.Second, 3600*time.Millisecond), [][]string{{"took 3.6s", "ApplyOutOfSyncOnly=true"}}},
		{"slow apply with the option", app(source.ApplyOutOfSyncOnly), at(time.Second, 3600*time.Millisecond), nil},
		{"found by polling", app(source.ApplyOutOfSyncOnly), at(2*time.Minute+10*time.Second, time.Second), [][]string{{"2m10s after the commit", "webhook"}}},
		{"both", app(), at(time.Minute, 5*time.Second), [][]string{{"ApplyOutOfSyncOnly"}, {"1m0s after"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := syncNotes(tt.app, tt.t, commit)
			if len(got) != len(tt.want) {
				t.Fatalf("notes %q, want %d", got, len(tt.want))
			}
			for i, subs := range tt.want {
				for _, w := range subs {
					if !strings.Contains(got[i], w) {
						t.Errorf("note %d = %q, want it to contain %q", i, got[i], w)
					}
				}
			}
		})
	}
	if got := syncNotes(app(), at(time.Hour, 5*time.Second), time.Time{}); len(got) != 1 {
		t.Errorf("no commit time (a plain directory): %q, want only the apply note", got)
	}
}
