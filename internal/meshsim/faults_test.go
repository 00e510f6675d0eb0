package meshsim

import (
	"testing"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		name     string
		data     map[string]string
		wantErrs int
		check    func(t *testing.T, f *Faults)
	}{
		{
			name: "version, app and default keys, most specific first",
			data: map[string]string{
				"reviews.v3": `{"errorRate":0.05,"latencyMs":{"p50":30,"p99":200}}`,
				"reviews":    `{"errorRate":0.01}`,
				"default":    `{"latencyMs":{"p50":2,"p99":9}}`,
			},
			check: func(t *testing.T, f *Faults) {
				v3 := f.Profile(Workload{Namespace: ns, App: "reviews", Version: "v3"})
				if v3.ErrorRate != 0.05 || v3.ErrorCode != 500 || v3.LatencyMs.P50 != 30 {
					t.Errorf("reviews.v3 = %+v", v3)
				}
				v1 := f.Profile(Workload{Namespace: ns, App: "reviews", Version: "v1"})
				if v1.ErrorRate != 0.01 || v1.LatencyMs != DefaultProfile.LatencyMs {
					t.Errorf("reviews (v1) = %+v; absent fields must keep defaults", v1)
				}
				other := f.Profile(Workload{Namespace: ns, App: "ratings", Version: "v1"})
				if other.LatencyMs.P50 != 2 {
					t.Errorf("default = %+v", other)
				}
				if p := f.Profile(Workload{Namespace: "elsewhere", App: "reviews", Version: "v3"}); p != DefaultProfile {
					t.Errorf("another namespace got %+v", p)
				}
			},
		},
		{
			name: "misroute",
			data: map[string]string{MisrouteKey: `{"reviews":{"percent":20,"subset":"v3"},"details":{"percent":0}}`},
			check: func(t *testing.T, f *Faults) {
				m := f.Misroute(ServiceRef{Name: "reviews", Namespace: ns})
				if m == nil || m.Percent != 20 || m.Subset != "v3" {
					t.Errorf("misroute = %+v", m)
				}
				if m := f.Misroute(ServiceRef{Name: "details", Namespace: ns}); m != nil {
					t.Errorf("0%% misroute should be off, got %+v", m)
				}
			},
		},
		{
			name: "bad keys are skipped, good ones kept",
			data: map[string]string{
				"reviews.v3": `{"errorRate":2}`,
				"reviews.v2": `{"latencyMs":{"p50":50,"p99":10}}`,
				"reviews.v4": `not json`,
				"ratings.v1": `{"errorCode":42}`,
				MisrouteKey:  `{"reviews":{"percent":150}}`,
				"details":    `{"errorRate":1}`,
			},
			wantErrs: 5,
			check: func(t *testing.T, f *Faults) {
				if p := f.Profile(Workload{Namespace: ns, App: "details"}); p.ErrorRate != 1 {
					t.Errorf("details = %+v", p)
				}
				if p := f.Profile(Workload{Namespace: ns, App: "reviews", Version: "v3"}); p != DefaultProfile {
					t.Errorf("invalid reviews.v3 applied: %+v", p)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nf, errs := ParseFaults(tt.data)
			if len(errs) != tt.wantErrs {
				t.Fatalf("errors = %v, want %d", errs, tt.wantErrs)
			}
			tt.check(t, NewFaults(map[string]NamespaceFaults{ns: nf}))
		})
	}
}

func TestNilFaults(t *testing.T) {
	var f *Faults
	if p := f.Profile(Workload{App: "x"}); p != DefaultProfile {
		t.Errorf("nil Faults profile = %+v", p)
	}
	if m := f.Misroute(ServiceRef{Name: "x"}); m != nil {
		t.Errorf("nil Faults misroute = %+v", m)
	}
}

func TestParseFlow(t *testing.T) {
	tests := []struct {
		in      string
		want    Flow
		wantErr bool
	}{
		{in: "ingress->productpage", want: Flow{From: IngressGateway, To: "productpage"}},
		{in: " productpage -> reviews = 50 ", want: Flow{From: "productpage", To: "reviews", RPS: 50}},
		{in: "productpage.bookinfo->reviews.bookinfo", want: Flow{From: "productpage.bookinfo", To: "reviews.bookinfo"}},
		{in: "productpage", wantErr: true},
		{in: "->reviews", wantErr: true},
		{in: "a->b=fast", wantErr: true},
		{in: "a->b=-1", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseFlow(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFlow(%q) = %+v, %v; want %+v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if back, _ := ParseFlow(got.String()); back != got {
				t.Errorf("String round trip of %q: %+v", tt.in, back)
			}
		}
	}
}
