package mesh

import (
	"errors"
	"fmt"
	"testing"
)

const vsTemplate = `apiVersion: networking.istio.io/%s
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  gateways: [bookinfo-gateway, mesh]
  http:
    - name: canary
      route:
        - destination: {host: reviews, subset: v1, port: {number: 9080}}
          weight: 75
        - destination: {host: reviews, subset: v3}
          weight: 25
`

func TestParseVirtualServiceVersions(t *testing.T) {
	for _, version := range []string{"v1", "v1beta1", "v1alpha3"} {
		t.Run(version, func(t *testing.T) {
			objs := objects(t, "vs.yaml", fmt.Sprintf(vsTemplate, version))
			vs, err := ParseVirtualService(objs[0], "bookinfo")
			if err != nil {
				t.Fatal(err)
			}
			if vs.Namespace != "bookinfo" || vs.Name != "reviews" {
				t.Errorf("meta = %s, want bookinfo/reviews", vs.Ref())
			}
			routes := vs.Routes()
			if len(routes) != 1 || len(routes[0].Destinations) != 2 {
				t.Fatalf("routes = %+v", routes)
			}
			d := routes[0].Destinations[0]
			if d.FQDN != "reviews.bookinfo.svc.cluster.local" || d.Subset != "v1" || d.Port != 9080 || d.Weight != 75 || d.Percent != 75 {
				t.Errorf("destination 0 = %+v", d)
			}
			if got := vs.Gateways(); len(got) != 2 || got[0].Key() != "bookinfo/bookinfo-gateway" || !got[1].Mesh {
				t.Errorf("gateways = %+v", got)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, yaml string
		parseErr   bool // a *ParseError (bad spec) rather than a wrong kind
	}{
		{"unserved version", "apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata: {name: x}\n", false},
		{"other group", "apiVersion: gateway.networking.k8s.io/v1\nkind: VirtualService\nmetadata: {name: x}\n", false},
		{"other kind", "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: x}\n", false},
		{"weight not a number", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  http:\n  - route:\n    - destination: {host: a}\n      weight: lots\n", true},
		{"hosts not a list", "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  hosts: 3\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseVirtualService(objects(t, "x.yaml", tt.yaml)[0], "ns")
			if err == nil {
				t.Fatal("no error")
			}
			var pe *ParseError
			if got := errors.As(err, &pe); got != tt.parseErr {
				t.Errorf("ParseError = %v, want %v (%v)", got, tt.parseErr, err)
			}
		})
	}
}

func TestParseOtherKinds(t *testing.T) {
	m := bookinfo(t)
	if len(m.VirtualServices) != 2 || len(m.DestinationRules) != 4 || len(m.Gateways) != 1 {
		t.Fatalf("model: %d VS, %d DR, %d GW", len(m.VirtualServices), len(m.DestinationRules), len(m.Gateways))
	}
	if len(m.Services) != 4 || len(m.Workloads) != 6 || len(m.Namespaces) != 1 || len(m.Errors) != 0 {
		t.Fatalf("model: %d services, %d workloads, %d namespaces, errors %v", len(m.Services), len(m.Workloads), len(m.Namespaces), m.Errors)
	}
	if g := m.Gateway("bookinfo", "bookinfo-gateway"); g == nil || g.Spec.GetSelector()["istio"] != "ingressgateway" {
		t.Errorf("gateway = %+v", g)
	}
	se := objects(t, "se.yaml", `apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: {name: ext, namespace: bookinfo}
spec:
  hosts: ["*.googleapis.com"]
  ports: [{number: 443, name: https, protocol: TLS}]
  resolution: DNS
`)
	m.Add(se[0], "", "app")
	if got := m.ServiceEntryFor("storage.googleapis.com"); got == nil || got.Owner != "app" {
		t.Errorf("ServiceEntryFor = %+v", got)
	}
	if got := m.ServiceEntryFor("example.com"); got != nil {
		t.Errorf("ServiceEntryFor(example.com) = %+v", got)
	}
}
