package meshsim

import (
	"fmt"
	"strconv"
	"strings"
)

// Flow is a stream of requests from one service to another, generated at a
// steady average rate in every namespace where the destination exists.
type Flow struct {
	// From is the calling service ("productpage", or "productpage.bookinfo"
	// to pin the namespace), or IngressGateway for traffic from outside.
	From string
	// To is the requested service, "name" or "name.namespace".
	To string
	// RPS is the mean request rate; 0 means Config.RPS.
	RPS float64
}

func (f Flow) String() string {
	s := f.From + "->" + f.To
	if f.RPS > 0 {
		s += "=" + strconv.FormatFloat(f.RPS, 'g', -1, 64)
	}
	return s
}

// DefaultFlows is Bookinfo's call graph.
var DefaultFlows = []Flow{
	{From: IngressGateway, To: "productpage"},
	{From: "productpage", To: "reviews"},
	{From: "productpage", To: "details"},
	{From: "reviews", To: "ratings"},
}

// ParseFlow reads "from->to" or "from->to=rps", e.g. "ingress->productpage"
// or "productpage->reviews=50". "ingress" is short for IngressGateway.
func ParseFlow(s string) (Flow, error) {
	spec, rate, hasRate := strings.Cut(strings.TrimSpace(s), "=")
	from, to, ok := strings.Cut(spec, "->")
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if !ok || from == "" || to == "" {
		return Flow{}, fmt.Errorf("flow %q: want FROM->TO or FROM->TO=RPS", s)
	}
	if from == "ingress" {
		from = IngressGateway
	}
	f := Flow{From: from, To: to}
	if hasRate {
		r, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
		if err != nil || r < 0 {
			return Flow{}, fmt.Errorf("flow %q: rate must be a non-negative number", s)
		}
		f.RPS = r
	}
	return f, nil
}

// splitName splits "name.namespace" into its parts; ns is "" when absent.
func splitName(s string) (name, ns string) {
	name, ns, _ = strings.Cut(s, ".")
	return name, ns
}
