package rollout

import (
	"strings"
	"testing"
)

func TestWriteReport(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(w *world)
		want  []string
	}{
		{"promoted", nil, []string{"# Rollout reviews-", ": Promoted", "| rollout-step | 1/4 | v1=95,v3=5 | start |", "| promote | 4/4 | v1=0,v3=100 | promote |",
			"| 1 | 5% | 0s | 1m0s | 300 |", "| advance |", "| 4 | 100% | 0s | – |"}},
		{"rolled back", func(w *world) { w.prom.canaryErr = 0.05 }, []string{": RolledBack", "| rollback | 1/4 | v1=100,v3=0 | rollback | canary failed at step 1: error rate"}},
		{"aborted", func(w *world) { w.git.conflictAt = "2/4" }, []string{": Aborted", "stopped without reaching a safe end state"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			res, err := w.run(Options{})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := WriteReport(&b, w.pol, res); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(b.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, b.String())
				}
			}
		})
	}
}
