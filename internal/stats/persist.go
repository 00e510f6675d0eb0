package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// The evidence processes are saved between runner lifetimes (a restarted
// CLI, a controller failover) so that a resumed rollout continues the same
// process instead of starting a new one, which would spend α again. The
// JSON forms below are that saved state; decoding validates it, because it
// is read back from the cluster.

// Clone returns an independent copy (Observe adds to the sums in place).
func (p PooledEvidence) Clone() PooledEvidence {
	p.sums = append([]float64(nil), p.sums...)
	return p
}

type pooledJSON struct {
	Sums    []float64 `json:"sums,omitempty"`
	Windows int       `json:"windows,omitempty"`
}

// MarshalJSON encodes the process's per-grid log sums.
func (p PooledEvidence) MarshalJSON() ([]byte, error) {
	return json.Marshal(pooledJSON{Sums: p.sums, Windows: p.windows})
}

// UnmarshalJSON restores a process saved by MarshalJSON. The grid must be
// this build's (pooledPoints values, all finite).
func (p *PooledEvidence) UnmarshalJSON(b []byte) error {
	var v pooledJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Windows < 0 {
		return fmt.Errorf("pooled evidence: %d windows", v.Windows)
	}
	if len(v.Sums) == 0 {
		if v.Windows != 0 {
			return errors.New("pooled evidence: windows without sums")
		}
		*p = PooledEvidence{}
		return nil
	}
	if len(v.Sums) != pooledPoints {
		return fmt.Errorf("pooled evidence: %d grid points, this gitshift uses %d", len(v.Sums), pooledPoints)
	}
	for _, s := range v.Sums {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return errors.New("pooled evidence: a sum is not finite")
		}
	}
	*p = PooledEvidence{sums: v.Sums, windows: v.Windows, logM: logSumExp(pooledLogPrior, v.Sums)}
	return nil
}

type evidenceJSON struct {
	Closed  float64 `json:"closed"`
	Current float64 `json:"current"`
}

// MarshalJSON encodes the product of the closed steps and the running
// step's log BF.
func (e Evidence) MarshalJSON() ([]byte, error) {
	return json.Marshal(evidenceJSON{Closed: e.closed, Current: e.current})
}

// UnmarshalJSON restores evidence saved by MarshalJSON (finite values).
func (e *Evidence) UnmarshalJSON(b []byte) error {
	var v evidenceJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if math.IsNaN(v.Closed) || math.IsInf(v.Closed, 0) || math.IsNaN(v.Current) || math.IsInf(v.Current, 0) {
		return errors.New("evidence: a log BF is not finite")
	}
	*e = Evidence{closed: v.Closed, current: v.Current}
	return nil
}
