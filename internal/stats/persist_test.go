package stats

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestPooledEvidenceJSONRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var p PooledEvidence
	for range 40 {
		p.Observe(rng.Int64N(50)+1, rng.Int64N(3), rng.Int64N(900)+1, rng.Int64N(5))
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q PooledEvidence
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	if q.LogE() != p.LogE() || q.windows != p.windows {
		t.Fatalf("restored log M %v (%d windows), want %v (%d)", q.LogE(), q.windows, p.LogE(), p.windows)
	}
	// The restored process goes on exactly like the original.
	p.Observe(20, 3, 400, 1)
	q.Observe(20, 3, 400, 1)
	if q.LogE() != p.LogE() {
		t.Fatalf("after one more window: %v, want %v", q.LogE(), p.LogE())
	}
	var zero PooledEvidence
	b, _ = json.Marshal(zero)
	if err := json.Unmarshal(b, &q); err != nil || q.LogE() != 0 {
		t.Fatalf("zero value: %v, log M %v", err, q.LogE())
	}
}

func TestPooledEvidenceJSONRejectsForeignState(t *testing.T) {
	finite := strings.TrimSuffix(strings.Repeat("0.5,", pooledPoints), ",")
	for name, in := range map[string]string{
		"other grid":         `{"sums":[0.1,0.2],"windows":2}`,
		"negative windows":   `{"windows":-1}`,
		"windows, no sums":   `{"windows":3}`,
		"not JSON numbers":   `{"sums":"x"}`,
		"not finite (1e999)": `{"sums":[` + strings.Replace(finite, "0.5", "1e999", 1) + `],"windows":1}`,
	} {
		var p PooledEvidence
		if err := json.Unmarshal([]byte(in), &p); err == nil {
			t.Errorf("%s: %s accepted", name, in)
		}
	}
	var p PooledEvidence
	if err := json.Unmarshal([]byte(`{"sums":[`+finite+`],"windows":1}`), &p); err != nil || p.LogE() <= 0 {
		t.Errorf("a valid grid: %v, log M %v", err, p.LogE())
	}
}

func TestEvidenceJSONRoundTrip(t *testing.T) {
	var e Evidence
	e.Update(1.25)
	e.NextStep()
	e.Update(-0.5)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var f Evidence
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f != e {
		t.Fatalf("restored %+v, want %+v", f, e)
	}
	if err := json.Unmarshal([]byte(`{"closed":1e999,"current":0}`), &f); err == nil {
		t.Error("an infinite log BF was accepted")
	}
}
