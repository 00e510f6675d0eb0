package adapt

import (
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/mesh"
)

func TestAffinityReason(t *testing.T) {
	if got := (Target{}).AffinityReason(); got != "" {
		t.Errorf("no affinity: %q", got)
	}
	tg := Target{Affinity: []mesh.Affinity{{Rule: "bookinfo/reviews", Key: "header x-user"}, {Rule: "bookinfo/reviews", Subset: "v3", Key: "source IP"}}}
	got := tg.AffinityReason()
	for _, want := range []string{"DestinationRule bookinfo/reviews hashes requests by header x-user", "subset v3 hashes requests by source IP", "not independent draws"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}
