package edit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Weight is the traffic weight of one route destination. Subset names the
// destination by its subset, or by its host when it has no subset (host-based
// splits).
type Weight struct {
	Subset string `json:"subset"`
	Weight int    `json:"weight"`
}

// Weights is an ordered set of destination weights.
type Weights []Weight

var subsetName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)

// ParseWeights parses "v1=75,v3=25". It checks syntax only; see Validate.
func ParseWeights(s string) (Weights, error) {
	var w Weights
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("weight %q: want SUBSET=WEIGHT, e.g. v1=75", part)
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("weight %q: %q is not an integer", part, v)
		}
		w = append(w, Weight{Subset: k, Weight: n})
	}
	if len(w) == 0 {
		return nil, fmt.Errorf("no weights given (want e.g. v1=75,v3=25)")
	}
	return w, nil
}

// Validate checks what Istio and gitshift need: valid unique subset names,
// integer weights in 0..100 that sum to exactly 100.
func (w Weights) Validate() error {
	seen := map[string]bool{}
	sum := 0
	for _, x := range w {
		if !subsetName.MatchString(x.Subset) {
			return fmt.Errorf("subset %q is not a valid name", x.Subset)
		}
		if seen[x.Subset] {
			return fmt.Errorf("subset %q is given twice", x.Subset)
		}
		seen[x.Subset] = true
		if x.Weight < 0 || x.Weight > 100 {
			return fmt.Errorf("weight of %s is %d: must be between 0 and 100", x.Subset, x.Weight)
		}
		sum += x.Weight
	}
	if sum != 100 {
		return fmt.Errorf("weights %s sum to %d, not 100", w, sum)
	}
	return nil
}

// String renders "v1=75,v3=25" in order; it is also the commit trailer format.
func (w Weights) String() string {
	parts := make([]string, len(w))
	for i, x := range w {
		parts[i] = x.Subset + "=" + strconv.Itoa(x.Weight)
	}
	return strings.Join(parts, ",")
}

// Get returns the weight of subset.
func (w Weights) Get(subset string) (int, bool) {
	for _, x := range w {
		if x.Subset == subset {
			return x.Weight, true
		}
	}
	return 0, false
}

// Equal compares as sets, treating a missing subset as weight 0: a
// destination kept at 0 routes the same as no destination.
func (w Weights) Equal(o Weights) bool {
	for _, x := range w {
		if y, _ := o.Get(x.Subset); y != x.Weight {
			return false
		}
	}
	for _, y := range o {
		if x, _ := w.Get(y.Subset); x != y.Weight {
			return false
		}
	}
	return true
}

// Canary computes weights for "canary gets weight, stable gets the rest".
func Canary(canary string, weight int, stable string) Weights {
	return Weights{{Subset: stable, Weight: 100 - weight}, {Subset: canary, Weight: weight}}
}
