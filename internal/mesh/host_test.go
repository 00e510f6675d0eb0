package mesh

import "testing"

func TestResolveHost(t *testing.T) {
	tests := []struct{ host, ns, want string }{
		{"reviews", "bookinfo", "reviews.bookinfo.svc.cluster.local"},
		{"reviews.bookinfo", "other", "reviews.bookinfo"}, // Istio expands only dot-less names
		{"reviews.bookinfo.svc.cluster.local", "other", "reviews.bookinfo.svc.cluster.local"},
		{"*", "bookinfo", "*"},
		{"*.example.com", "bookinfo", "*.example.com"},
		{"10.0.0.1", "bookinfo", "10.0.0.1"},
		{"::1", "bookinfo", "::1"},
		{"reviews", "", "reviews"},
	}
	for _, tt := range tests {
		if got := ResolveHost(tt.host, tt.ns); got != tt.want {
			t.Errorf("ResolveHost(%q, %q) = %q, want %q", tt.host, tt.ns, got, tt.want)
		}
	}
}

func TestServiceName(t *testing.T) {
	tests := []struct {
		fqdn, name, ns string
		ok             bool
	}{
		{"reviews.bookinfo.svc.cluster.local", "reviews", "bookinfo", true},
		{"reviews.bookinfo", "", "", false},
		{"a.b.c.svc.cluster.local", "", "", false},
		{"example.com", "", "", false},
	}
	for _, tt := range tests {
		name, ns, ok := ServiceName(tt.fqdn)
		if name != tt.name || ns != tt.ns || ok != tt.ok {
			t.Errorf("ServiceName(%q) = %q %q %v", tt.fqdn, name, ns, ok)
		}
	}
}

func TestHostMatches(t *testing.T) {
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"*", "reviews.bookinfo.svc.cluster.local", true},
		{"*.bookinfo.svc.cluster.local", "reviews.bookinfo.svc.cluster.local", true},
		{"*.other.svc.cluster.local", "reviews.bookinfo.svc.cluster.local", false},
		{"reviews.bookinfo.svc.cluster.local", "reviews.bookinfo.svc.cluster.local", true},
		{"ratings.bookinfo.svc.cluster.local", "reviews.bookinfo.svc.cluster.local", false},
	}
	for _, tt := range tests {
		if got := HostMatches(tt.pattern, tt.host); got != tt.want {
			t.Errorf("HostMatches(%q, %q) = %v", tt.pattern, tt.host, got)
		}
	}
}

func TestResolveGateway(t *testing.T) {
	tests := []struct {
		ref, key  string
		qualified bool
	}{
		{"mesh", "mesh", false},
		{"bookinfo-gateway", "bookinfo/bookinfo-gateway", false},
		{"istio-system/ingress", "istio-system/ingress", true},
		{"ingress.istio-system.svc.cluster.local", "istio-system/ingress", true},
	}
	for _, tt := range tests {
		g := ResolveGateway(tt.ref, "bookinfo")
		if g.Key() != tt.key || g.Qualified != tt.qualified {
			t.Errorf("ResolveGateway(%q) = %+v, want %s", tt.ref, g, tt.key)
		}
	}
}
