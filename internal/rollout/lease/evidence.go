package lease

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	coordv1 "k8s.io/api/coordination/v1"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/rollout"
)

// EvidenceAnnotation carries the judge's saved evidence of the rollout that
// holds (or last held) the lease, for the runner that resumes it
// (rollout.EvidenceStore). It is about 2 KB of JSON.
const EvidenceAnnotation = "gitshift.dev/evidence"

var _ rollout.EvidenceStore = (*Lease)(nil)

type savedEvidence struct {
	Rollout string      `json:"rollout"`
	SavedAt time.Time   `json:"savedAt"`
	Judge   judge.Saved `json:"judge"`
}

// SaveEvidence keeps s for the rollout. A runner's first save is written at
// once, so a runner killed early still leaves it; later ones are written
// with the lease's renewals (at most a third of its duration later) or its
// release, adding no API write. A runner killed in between leaves the
// previous save: the looks after it are not carried over.
func (l *Lease) SaveEvidence(ctx context.Context, rolloutID string, s judge.Saved) error {
	b, err := json.Marshal(savedEvidence{Rollout: rolloutID, SavedAt: l.now().UTC(), Judge: s})
	if err != nil {
		return fmt.Errorf("encoding the evidence of rollout %s: %w", rolloutID, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evidence = string(b)
	if l.evidenceWritten {
		return nil
	}
	return l.renew(ctx) // not yet due: renew writes unwritten evidence anyway
}

// LoadEvidence returns the evidence saved on the lease, as Acquire read it,
// for rolloutID; another rollout's is not returned (ok false).
func (l *Lease) LoadEvidence(rolloutID string) (judge.Saved, time.Time, bool, error) {
	l.mu.Lock()
	held := l.held
	l.mu.Unlock()
	if held == nil {
		return judge.Saved{}, time.Time{}, false, nil
	}
	v, ok := held.Annotations[EvidenceAnnotation]
	if !ok {
		return judge.Saved{}, time.Time{}, false, nil
	}
	var se savedEvidence
	if err := json.Unmarshal([]byte(v), &se); err != nil {
		return judge.Saved{}, time.Time{}, false, fmt.Errorf("lease %s annotation %s: %w", l.ref(), EvidenceAnnotation, err)
	}
	if se.Rollout != rolloutID {
		return judge.Saved{}, time.Time{}, false, nil
	}
	return se.Judge, se.SavedAt, true, nil
}

// withEvidence puts the latest saved evidence on le (under l.mu).
func (l *Lease) withEvidence(le *coordv1.Lease) {
	if l.evidence == "" {
		return
	}
	if le.Annotations == nil {
		le.Annotations = map[string]string{}
	}
	le.Annotations[EvidenceAnnotation] = l.evidence
}
