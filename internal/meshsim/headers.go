package meshsim

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// HeadersKey is the fault ConfigMap key that makes the traffic generator
// send a share of a service's requests with a header, e.g. testers of a
// header route: {"reviews":{"name":"x-canary","value":"1","percent":10}}.
// It changes while running, like the other keys.
const HeadersKey = "headers"

// HeaderShare is a header sent with Percent of a service's requests.
type HeaderShare struct {
	Name    string  `json:"name"`
	Value   string  `json:"value"`
	Percent float64 `json:"percent"`
}

// DefaultTagHeaders are the request headers whose values the simulated
// metrics carry as labels (mesh.MetricLabel: x-canary → x_canary), as an
// Istio Telemetry tagOverride would add them.
var DefaultTagHeaders = []string{"x-canary"}

var headerNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func parseHeaderShares(v string) (map[string]HeaderShare, error) {
	var m map[string]HeaderShare
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, err
	}
	for svc, h := range m {
		if !headerNameRE.MatchString(h.Name) || h.Percent < 0 || h.Percent > 100 {
			return nil, fmt.Errorf("service %q: want a lowercase header name and a percent in [0,100], got %+v", svc, h)
		}
	}
	return m, nil
}

// HeaderShare returns the header share for a service, or nil.
func (f *Faults) HeaderShare(svc ServiceRef) *HeaderShare {
	if f == nil {
		return nil
	}
	if h, ok := f.byNS[svc.Namespace].Headers[svc.Name]; ok && h.Percent > 0 {
		return &h
	}
	return nil
}
