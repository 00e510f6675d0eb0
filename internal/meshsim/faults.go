package meshsim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Latency is a latency distribution given by two quantiles in milliseconds;
// the simulator draws from the log-normal distribution through them, the
// usual shape of service latencies (long right tail).
type Latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Profile is how a workload version behaves: its error rate, the HTTP code of
// its errors and its latency.
type Profile struct {
	ErrorRate float64 `json:"errorRate"`
	ErrorCode int     `json:"errorCode,omitempty"`
	LatencyMs Latency `json:"latencyMs"`
}

// DefaultProfile is used for every workload no ConfigMap key covers: a
// healthy service answering in about 10 ms.
var DefaultProfile = Profile{ErrorRate: 0, ErrorCode: 500, LatencyMs: Latency{P50: 10, P99: 50}}

// Misroute makes a share of a service's requests ignore the live weights,
// so tests can produce a traffic split that contradicts the VirtualService.
type Misroute struct {
	// Percent of requests (0–100) that ignore the weights.
	Percent float64 `json:"percent"`
	// Subset receives them (resolved through the DestinationRule even if the
	// route does not name it); when empty they spread evenly over the
	// route's destinations.
	Subset string `json:"subset,omitempty"`
}

// MisrouteKey is the ConfigMap key holding a JSON object of service name to
// Misroute, e.g. {"reviews":{"percent":20,"subset":"v3"}}.
const MisrouteKey = "misroute"

// DefaultKey is the ConfigMap key whose profile applies to every workload of
// the namespace without a more specific key ("*" is not a valid key).
const DefaultKey = "default"

// NamespaceFaults is the parsed fault ConfigMap of one namespace. Profile
// keys are "<app>.<version>" (e.g. "reviews.v3"), "<app>" or "default",
// matched against the destination pod's app and version labels.
type NamespaceFaults struct {
	Profiles map[string]Profile
	Misroute map[string]Misroute
	// Headers are shares of requests sent with a header (HeadersKey).
	Headers map[string]HeaderShare
}

// ParseFaults reads a fault ConfigMap's data. A bad key is reported and
// skipped, so one typo does not discard the rest of a running experiment.
func ParseFaults(data map[string]string) (NamespaceFaults, []error) {
	nf := NamespaceFaults{Profiles: map[string]Profile{}, Misroute: map[string]Misroute{}}
	var errs []error
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := data[k]
		if k == HeadersKey {
			h, err := parseHeaderShares(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("key %q: %w", k, err))
				continue
			}
			nf.Headers = h
			continue
		}
		if k == MisrouteKey {
			var m map[string]Misroute
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				errs = append(errs, fmt.Errorf("key %q: %w", k, err))
				continue
			}
			for svc, mr := range m {
				if mr.Percent < 0 || mr.Percent > 100 {
					errs = append(errs, fmt.Errorf("key %q: service %q: percent %v not in [0,100]", k, svc, mr.Percent))
					continue
				}
				nf.Misroute[svc] = mr
			}
			continue
		}
		p := DefaultProfile // absent fields keep their defaults
		if err := json.Unmarshal([]byte(v), &p); err != nil {
			errs = append(errs, fmt.Errorf("key %q: %w", k, err))
			continue
		}
		if err := p.validate(); err != nil {
			errs = append(errs, fmt.Errorf("key %q: %w", k, err))
			continue
		}
		nf.Profiles[k] = p
	}
	return nf, errs
}

func (p *Profile) validate() error {
	switch {
	case p.ErrorRate < 0 || p.ErrorRate > 1:
		return fmt.Errorf("errorRate %v not in [0,1]", p.ErrorRate)
	case p.ErrorCode < 100 || p.ErrorCode > 599:
		return fmt.Errorf("errorCode %d is not an HTTP status", p.ErrorCode)
	case p.LatencyMs.P50 <= 0 || p.LatencyMs.P99 <= 0:
		return fmt.Errorf("latencyMs p50 and p99 must be positive")
	case p.LatencyMs.P99 < p.LatencyMs.P50:
		return fmt.Errorf("latencyMs p99 %v below p50 %v", p.LatencyMs.P99, p.LatencyMs.P50)
	}
	return nil
}

// Faults holds every namespace's fault configuration. The zero value means
// defaults everywhere.
type Faults struct {
	byNS map[string]NamespaceFaults
}

// NewFaults builds Faults from parsed ConfigMaps keyed by namespace.
func NewFaults(byNS map[string]NamespaceFaults) *Faults { return &Faults{byNS: byNS} }

// Profile returns the profile for a destination workload: the most specific
// key of its namespace's ConfigMap, else DefaultProfile.
func (f *Faults) Profile(w Workload) Profile {
	if f != nil {
		nf := f.byNS[w.Namespace]
		for _, k := range []string{w.App + "." + w.Version, w.App, DefaultKey} {
			if p, ok := nf.Profiles[k]; ok {
				return p
			}
		}
	}
	return DefaultProfile
}

// Misroute returns the misroute knob for a service, or nil.
func (f *Faults) Misroute(svc ServiceRef) *Misroute {
	if f == nil {
		return nil
	}
	if m, ok := f.byNS[svc.Namespace].Misroute[svc.Name]; ok && m.Percent > 0 {
		return &m
	}
	return nil
}

// z99 is the standard normal 99th percentile: log-normal sigma is
// ln(p99/p50)/z99.
const z99 = 2.3263478740408408

// sample draws one response: the status code and the latency in ms.
func (p Profile) sample(rng *rand.Rand) (int, float64) {
	code := 200
	if p.ErrorRate > 0 && rng.Float64() < p.ErrorRate {
		code = p.ErrorCode
	}
	mu := math.Log(p.LatencyMs.P50)
	sigma := math.Log(p.LatencyMs.P99/p.LatencyMs.P50) / z99
	return code, math.Exp(mu + sigma*rng.NormFloat64())
}
