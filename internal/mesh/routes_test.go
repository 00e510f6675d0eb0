package mesh

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

func vsWithWeights(t *testing.T, weights ...string) *VirtualService {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: ns}\nspec:\n  hosts: [r]\n  http:\n  - route:\n")
	for i, w := range weights {
		fmt.Fprintf(&b, "    - destination: {host: r, subset: s%d}\n", i)
		if w != "" {
			fmt.Fprintf(&b, "      weight: %s\n", w)
		}
	}
	vs, err := ParseVirtualService(objects(t, "vs.yaml", b.String())[0], "")
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestRoutePercentages(t *testing.T) {
	tests := []struct {
		name    string
		weights []string
		want    []float64
		total   int32
	}{
		{"single destination without weight", []string{""}, []float64{100}, 0},
		{"single destination with weight", []string{"30"}, []float64{100}, 30},
		{"90/10", []string{"90", "10"}, []float64{90, 10}, 100},
		{"100/0", []string{"100", "0"}, []float64{100, 0}, 100},
		{"unset counts as 0", []string{"100", ""}, []float64{100, 0}, 100},
		{"normalised when not 100", []string{"1", "2"}, []float64{100.0 / 3, 200.0 / 3}, 3},
		{"all zero", []string{"0", "0"}, []float64{0, 0}, 0},
		{"negative", []string{"-10", "110"}, []float64{0, 110}, 100},
		{"three ways", []string{"50", "25", "25"}, []float64{50, 25, 25}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := vsWithWeights(t, tt.weights...).Routes()[0]
			if r.TotalWeight != tt.total {
				t.Errorf("total = %d, want %d", r.TotalWeight, tt.total)
			}
			for i, d := range r.Destinations {
				if math.Abs(d.Percent-tt.want[i]) > 1e-9 {
					t.Errorf("destination %d: %v%%, want %v%%", i, d.Percent, tt.want[i])
				}
			}
		})
	}
}

func TestTrafficTable(t *testing.T) {
	m := bookinfo(t)
	var got []TrafficRow
	for _, vs := range m.VirtualServices {
		got = append(got, TrafficTable(vs)...)
	}
	want := []TrafficRow{
		{VirtualService: "bookinfo/bookinfo", Route: "http[0]", Host: "productpage.bookinfo.svc.cluster.local", Subset: "v1", Percent: 100},
		{VirtualService: "bookinfo/reviews", Route: "http[0]", Host: "reviews.bookinfo.svc.cluster.local", Subset: "v1", Weight: 90, Percent: 90},
		{VirtualService: "bookinfo/reviews", Route: "http[0]", Host: "reviews.bookinfo.svc.cluster.local", Subset: "v3", Weight: 10, Percent: 10},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("table:\n got %+v\nwant %+v", got, want)
	}
	split := Split(m.VirtualServices[1], "reviews.bookinfo.svc.cluster.local")
	if !reflect.DeepEqual(split, map[string]float64{"v1": 90, "v3": 10}) {
		t.Errorf("split = %v", split)
	}
}

func TestTrafficTableSumsDuplicates(t *testing.T) {
	vs := vsWithWeights(t, "20", "30", "50")
	vs.Spec.Http[0].Route[1].Destination.Subset = "s0"
	rows := TrafficTable(vs)
	if len(rows) != 2 || rows[0].Subset != "s0" || rows[0].Percent != 50 || rows[0].Weight != 50 {
		t.Errorf("rows = %+v", rows)
	}
}

func TestRouteLocation(t *testing.T) {
	objs := objects(t, "vs.yaml", fmt.Sprintf(vsTemplate, "v1")+`  tcp:
    - route:
        - destination: {host: db}
`)
	vs, err := ParseVirtualService(objs[0], "ns")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, l := range RouteLocation(vs) {
		paths = append(paths, fmt.Sprintf("%s=%d", l.Path, l.Weight))
	}
	want := []string{"spec.http[0].route[0].weight=75", "spec.http[0].route[1].weight=25", "spec.tcp[0].route[0].weight=0"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths = %v, want %v", paths, want)
	}
}

func TestSubsetWorkloads(t *testing.T) {
	m := bookinfo(t)
	const reviews = "reviews.bookinfo.svc.cluster.local"
	tests := []struct {
		subset    string
		found     bool
		workloads []string
	}{
		{"v1", true, []string{"reviews-v1"}},
		{"v3", true, []string{"reviews-v3"}},
		{"v9", false, nil},
	}
	for _, tt := range tests {
		dr, ss, ok := m.Subset(reviews, tt.subset)
		if ok != tt.found || dr == nil || dr.Name != "reviews" {
			t.Fatalf("Subset(%s) = %v, %+v, %v", tt.subset, dr, ss, ok)
		}
		if !ok {
			continue
		}
		ws, ok := m.SubsetWorkloads(reviews, ss.Labels)
		var names []string
		for _, w := range ws {
			names = append(names, w.Name)
		}
		if !ok || !reflect.DeepEqual(names, tt.workloads) {
			t.Errorf("SubsetWorkloads(%s) = %v, %v", tt.subset, names, ok)
		}
	}
	if _, ok := m.SubsetWorkloads("example.com", map[string]string{"version": "v1"}); ok {
		t.Error("external host resolved to workloads")
	}
	if dr, _, ok := m.Subset("nothing.bookinfo.svc.cluster.local", "v1"); dr != nil || ok {
		t.Error("subset for host without DestinationRule")
	}
}
