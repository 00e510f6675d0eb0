package mesh

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gitshift/gitshift/internal/source"
)

// addChunk is how many objects one goroutine adds at a time: large enough
// that merging chunks costs nothing, small enough that a run of Istio
// objects (slow to parse) is shared between workers.
const addChunk = 256

// AddAll adds objs as calling Add on each in order would. Parsing Istio
// specs (a JSON round trip through jsonpb) and copying labels dominate
// building the model of a large repository, and objects are independent,
// so chunks are added on up to GOMAXPROCS goroutines into models of their
// own that are then merged in order: the slices keep object order.
func (m *Model) AddAll(objs []source.Object, defaultNS, owner string) {
	chunks := (len(objs) + addChunk - 1) / addChunk
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		for _, o := range objs {
			m.Add(o, defaultNS, owner)
		}
		return
	}
	parts := make([]Model, chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
				for _, o := range objs[c*addChunk : min(len(objs), (c+1)*addChunk)] {
					parts[c].Add(o, defaultNS, owner)
				}
			}
		})
	}
	wg.Wait()
	for i := range parts {
		m.Merge(&parts[i])
	}
}
