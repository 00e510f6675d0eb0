package mesh

import (
	"errors"
	"strings"
	"testing"
)

func TestSelectHTTPRoute(t *testing.T) {
	weighted := RouteChoice{Index: 1, Name: "canary", Destinations: 2, Weighted: true}
	header := RouteChoice{Index: 0, Name: "testers", Destinations: 1}
	pinned := RouteChoice{Index: 0, Destinations: 1, Weighted: true} // weight: 100 written
	second := RouteChoice{Index: 2, Name: "beta", Destinations: 2}
	tests := []struct {
		name    string
		routes  []RouteChoice
		want    string
		wantIdx int
		wantErr string
	}{
		{"no routes", nil, "", -1, "no http routes"},
		{"no routes, named", nil, "canary", -1, `no http route "canary"`},
		{"the only route, unweighted", []RouteChoice{header}, "", 0, ""},
		{"the only splitting route", []RouteChoice{header, weighted}, "", 1, ""},
		{"a written weight counts as splitting", []RouteChoice{pinned, {Index: 1, Destinations: 1}}, "", 0, ""},
		{"two splitting routes: ambiguous", []RouteChoice{header, weighted, second}, "", -1, `2 http routes split traffic ("canary" (index 1), "beta" (index 2))`},
		{"no splitting route among several", []RouteChoice{header, {Index: 1, Destinations: 1}}, "", -1, `2 http routes split traffic ("testers" (index 0), index 1)`},
		{"by name", []RouteChoice{header, weighted, second}, "beta", 2, ""},
		{"by name, not splitting", []RouteChoice{header, weighted}, "testers", 0, ""},
		{"by index", []RouteChoice{header, weighted, second}, "1", 1, ""},
		{"a name wins over an index", []RouteChoice{header, {Index: 1, Name: "0", Destinations: 2}}, "0", 1, ""},
		{"unknown name", []RouteChoice{header, weighted}, "nope", -1, `no http route "nope" (routes: "testers" (index 0), "canary" (index 1))`},
		{"index out of range", []RouteChoice{header, weighted}, "5", -1, `no http route "5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SelectHTTPRoute(tt.routes, tt.want)
			if tt.wantErr != "" {
				var se *RouteSelectionError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want *RouteSelectionError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.wantIdx {
				t.Fatalf("got %d, %v; want %d", got, err, tt.wantIdx)
			}
		})
	}
}

func TestVirtualServiceHTTPRoute(t *testing.T) {
	vs, err := ParseVirtualService(objects(t, "vs.yaml", `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - name: testers
    match: [{headers: {x-canary: {exact: "1"}}}]
    route:
    - destination: {host: reviews, subset: v3}
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 75
    - destination: {host: reviews, subset: v3}
      weight: 25
  tcp:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v3}
      weight: 50
`)[0], "bookinfo")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]map[string]int32{"": {"v1": 75, "v3": 25}, "1": {"v1": 75, "v3": 25}, "testers": {"v3": 100}} {
		r, err := vs.HTTPRoute(name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		got := r.SubsetWeights()
		if len(got) != len(want) || got["v1"] != want["v1"] || got["v3"] != want["v3"] {
			t.Errorf("%q: %v, want %v", name, got, want)
		}
	}
	if _, err := vs.HTTPRoute("2"); err == nil || !strings.Contains(err.Error(), "VirtualService bookinfo/reviews") {
		t.Errorf("tcp route selected as http, or error without the object: %v", err)
	}
}
