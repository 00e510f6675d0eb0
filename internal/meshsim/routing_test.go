package meshsim

import (
	"fmt"
	"strings"
	"testing"

	apinet "istio.io/api/networking/v1alpha3"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
)

// backendView is a Backend reduced to what the tests compare.
func backendView(b Backend) string {
	var vers []string
	for _, e := range b.Endpoints {
		vers = append(vers, e.Version)
	}
	s := fmt.Sprintf("%s/%s=%d[%s]", b.Service.Name, b.Subset, b.Weight, strings.Join(vers, ","))
	if b.Flag != "" {
		s += b.Flag
	}
	return s
}

func routeView(r *Route) string {
	if r == nil {
		return "<nil>"
	}
	rule := r.match(Attrs{}) // a flow without path or headers
	if r.NoRoute || rule == nil {
		return "NR"
	}
	var parts []string
	for _, b := range rule.Backends {
		parts = append(parts, backendView(b))
	}
	return r.VirtualService + " " + strings.Join(parts, " ")
}

func TestBuildTable(t *testing.T) {
	reviews := "reviews.bookinfo.svc.cluster.local"
	productpage := "productpage.bookinfo.svc.cluster.local"
	tests := []struct {
		name string
		snap func() Snapshot
		ctx  Context
		host string
		want string
	}{
		{
			name: "weights and subsets",
			snap: func() Snapshot { return bookinfo(90, 10) },
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[v3]",
		},
		{
			name: "no VirtualService: every ready pod",
			snap: func() Snapshot { s := bookinfo(90, 10); s.VirtualServices = nil; return s },
			host: reviews,
			want: " reviews/=100[v1,v3]",
		},
		{
			name: "not ready and terminating pods are not endpoints",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.Pods = append(s.Pods, pod("reviews", "v1", "b", notReady), pod("reviews", "v3", "b", terminating))
				s.Pods[2].Status.Phase = corev1.PodPending // reviews-v3-a
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[]",
		},
		{
			name: "subset missing from the DestinationRule",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.DestinationRules[0] = destinationRule("reviews", ns, "reviews", "v1")
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[]NC",
		},
		{
			name: "no DestinationRule at all",
			snap: func() Snapshot { s := bookinfo(90, 10); s.DestinationRules = nil; return s },
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[]NC reviews/v3=10[]NC",
		},
		{
			name: "unknown destination host",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.VirtualServices[0].Spec.Http[0].Route[1].Destination.Host = "reviewz"
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[v1] reviewz/v3=10[]NC",
		},
		{
			name: "single destination without weight gets 100",
			snap: func() Snapshot {
				s := bookinfo(0, 0)
				s.VirtualServices[0].Spec.Http[0].Route = s.VirtualServices[0].Spec.Http[0].Route[1:]
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v3=100[v3]",
		},
		{
			name: "first route without match wins",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.VirtualServices[0].Spec.Http = append([]*apinet.HTTPRoute{matched(route(dest("reviews", "v1", 0)))}, s.VirtualServices[0].Spec.Http...)
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[v3]",
		},
		{
			name: "all routes have matches: the first",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.VirtualServices[0].Spec.Http = []*apinet.HTTPRoute{matched(route(dest("reviews", "v3", 0))), matched(route(dest("reviews", "v1", 0)))}
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v3=100[v3]",
		},
		{
			name: "FQDN host, exact beats an older wildcard",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.VirtualServices[0].Spec.Hosts = []string{reviews}
				s.VirtualServices = append(s.VirtualServices,
					virtualService("all", []string{"*.bookinfo.svc.cluster.local"}, nil, 9, route(dest("reviews", "v1", 100))))
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[v3]",
		},
		{
			name: "two VirtualServices for one host: the oldest",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.VirtualServices = append(s.VirtualServices,
					virtualService("older", []string{"reviews"}, nil, 5, route(dest("reviews", "v3", 100))))
				return s
			},
			host: reviews,
			want: "bookinfo/older reviews/v3=100[v3]",
		},
		{
			name: "gateway VirtualService does not apply to sidecars",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.VirtualServices[0].Spec.Gateways = []string{"bookinfo-gateway"}
				return s
			},
			host: reviews,
			want: " reviews/=100[v1,v3]",
		},
		{
			name: "gateway without VirtualService: no route",
			snap: func() Snapshot { return bookinfo(90, 10) },
			ctx:  Gateway,
			host: productpage,
			want: "NR",
		},
		{
			name: "gateway with the Bookinfo ingress VirtualService",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.DestinationRules = append(s.DestinationRules, destinationRule("productpage", ns, "productpage", "v1"))
				s.VirtualServices = append(s.VirtualServices, virtualService("bookinfo", []string{"*"}, []string{"bookinfo-gateway"}, 1,
					matched(route(dest("productpage", "v1", 0)))))
				return s
			},
			ctx:  Gateway,
			host: productpage,
			want: "bookinfo/bookinfo productpage/v1=100[v1]",
		},
		{
			name: "gateways listing mesh apply to sidecars too",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				s.VirtualServices[0].Spec.Gateways = []string{"bookinfo-gateway", "mesh"}
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[v3]",
		},
		{
			name: "DestinationRule in the service namespace beats an older one elsewhere",
			snap: func() Snapshot {
				s := bookinfo(90, 10)
				other := destinationRule("reviews", "other", "reviews.bookinfo.svc.cluster.local", "v1")
				other.CreationTimestamp.Time = epoch.Add(-100)
				s.DestinationRules = append([]*networkingv1.DestinationRule{other}, s.DestinationRules...)
				return s
			},
			host: reviews,
			want: "bookinfo/reviews reviews/v1=90[v1] reviews/v3=10[v3]",
		},
		{
			name: "unknown service",
			snap: func() Snapshot { return bookinfo(90, 10) },
			host: "ratings.bookinfo.svc.cluster.local",
			want: "<nil>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := routeView(BuildTable(tt.snap()).Route(tt.ctx, tt.host))
			if got != tt.want {
				t.Errorf("route\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestWorkloadIdentity(t *testing.T) {
	w := workloadOf(pod("reviews", "v3", "a"))
	want := Workload{
		Name: "reviews-v3", Namespace: ns, App: "reviews", Version: "v3",
		CanonicalService: "reviews", CanonicalRevision: "v3", ServiceAccount: "bookinfo-reviews", Sidecar: true,
	}
	if w != want {
		t.Errorf("workloadOf = %+v\nwant %+v", w, want)
	}
	if p := w.Principal(); p != "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews" {
		t.Errorf("principal = %s", p)
	}
	if workloadOf(pod("reviews", "v3", "a", noSidecar)).Sidecar {
		t.Error("pod without istio-proxy reported as injected")
	}
}

func TestResolveHost(t *testing.T) {
	tests := []struct{ host, want string }{
		{"reviews", "reviews.bookinfo.svc.cluster.local"},
		{"reviews.other", "reviews.other.svc.cluster.local"},
		{"reviews.other.svc", "reviews.other.svc.cluster.local"},
		{"reviews.other.svc.cluster.local", "reviews.other.svc.cluster.local"},
		{"*", "*"},
		{"bookinfo.example.com", "bookinfo.example.com"},
	}
	for _, tt := range tests {
		if got := resolveHost(tt.host, ns); got != tt.want {
			t.Errorf("resolveHost(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	got := BuildTable(bookinfo(90, 10)).Summary()
	want := "mesh reviews.bookinfo.svc.cluster.local via bookinfo/reviews: v1=90(1 ready) v3=10(1 ready)"
	if got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}
