package mesh

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gitshift/gitshift/internal/source"
)

// mixedObjects returns n objects cycling through every kind the model
// reads, an Istio object that fails to parse, a kind it ignores and a nil
// object, so that chunk borders fall on all of them.
func mixedObjects(t *testing.T, n int) []source.Object {
	t.Helper()
	var out []source.Object
	for i := 0; len(out) < n; i++ {
		var doc string
		switch i % 8 {
		case 0:
			doc = "apiVersion: v1\nkind: Service\nmetadata: {name: s%[1]d}\nspec: {selector: {app: a%[1]d}, ports: [{port: 80}]}\n"
		case 1:
			doc = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%[1]d, namespace: other}\nspec: {template: {metadata: {labels: {app: a%[1]d}}}}\n"
		case 2:
			doc = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v%[1]d}\nspec: {hosts: [s%[1]d], http: [{route: [{destination: {host: s%[1]d, subset: v1}}]}]}\n"
		case 3:
			doc = "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata: {name: r%[1]d}\nspec: {host: s%[1]d, subsets: [{name: v1, labels: {version: v1}}]}\n"
		case 4:
			doc = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad%[1]d}\nspec: {hosts: 7}\n"
		case 5:
			doc = "apiVersion: v1\nkind: Namespace\nmetadata: {name: n%[1]d, labels: {istio-injection: enabled}}\n"
		case 6:
			doc = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g%[1]d}\nspec: {servers: [{hosts: ['*']}]}\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: e%[1]d}\nspec: {hosts: [e%[1]d.example.com]}\n"
		case 7:
			doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%[1]d}\n"
			out = append(out, source.Object{})
		}
		out = append(out, objects(t, fmt.Sprintf("f%d.yaml", i), fmt.Sprintf(doc, i))...)
	}
	return out[:n]
}

// describe lists a model's content in order; Istio specs are compared
// with proto.Equal separately.
func describe(m *Model) []string {
	var out []string
	for _, v := range m.VirtualServices {
		out = append(out, fmt.Sprintf("vs %+v", v.Meta))
	}
	for _, d := range m.DestinationRules {
		out = append(out, fmt.Sprintf("dr %+v", d.Meta))
	}
	for _, g := range m.Gateways {
		out = append(out, fmt.Sprintf("gw %+v", g.Meta))
	}
	for _, s := range m.ServiceEntries {
		out = append(out, fmt.Sprintf("se %+v", s.Meta))
	}
	for _, s := range m.Services {
		out = append(out, fmt.Sprintf("svc %+v %v %v %v", s.Meta, s.Selector, s.Ports, s.External))
	}
	for _, w := range m.Workloads {
		out = append(out, fmt.Sprintf("wl %+v %v", w.Meta, w.PodLabels))
	}
	for _, n := range m.Namespaces {
		out = append(out, fmt.Sprintf("ns %+v %v", n.Meta, n.Labels))
	}
	for _, e := range m.Errors {
		out = append(out, fmt.Sprintf("err %+v %v", e.Meta, e.Err))
	}
	return out
}

func specs(m *Model) []proto.Message {
	var out []proto.Message
	for _, v := range m.VirtualServices {
		out = append(out, v.Spec)
	}
	for _, d := range m.DestinationRules {
		out = append(out, d.Spec)
	}
	for _, g := range m.Gateways {
		out = append(out, g.Spec)
	}
	for _, s := range m.ServiceEntries {
		out = append(out, s.Spec)
	}
	return out
}

func TestAddAllMatchesAdd(t *testing.T) {
	all := mixedObjects(t, 3*addChunk+7)
	for _, n := range []int{0, 1, addChunk - 1, addChunk, addChunk + 1, len(all)} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			objs := all[:n]
			want := &Model{}
			for _, o := range objs {
				want.Add(o, "apps", "owner")
			}
			got := &Model{}
			got.AddAll(objs, "apps", "owner")
			if w, g := describe(want), describe(got); !reflect.DeepEqual(w, g) {
				t.Fatalf("AddAll differs from Add:\nwant %s\n got %s", strings.Join(w, "\n"), strings.Join(g, "\n"))
			}
			ws, gs := specs(want), specs(got)
			for i := range ws {
				if !proto.Equal(ws[i], gs[i]) {
					t.Errorf("spec %d: got %v, want %v", i, gs[i], ws[i])
				}
			}
			if n == len(all) && (len(got.Errors) == 0 || len(got.ServiceEntries) == 0 || len(got.Namespaces) == 0) {
				t.Errorf("test objects do not cover every kind: %d errors, %d entries, %d namespaces",
					len(got.Errors), len(got.ServiceEntries), len(got.Namespaces))
			}
		})
	}
}
