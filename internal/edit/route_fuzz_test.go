package edit

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/mesh"
)

// genRoute writes a random VirtualService in one of the styles people use:
// block YAML (2 or 4 spaces, indented or indentless lists, comments), flow
// items in a block list, a one-line flow spec, pretty or compact JSON; CRLF
// or LF; a person's match route before the weighted one or not; ports or
// not; other documents around it.
func genRoute(seed uint64) (src, name string) {
	r := rand.New(rand.NewPCG(seed, seed^0x51ab))
	nl := "\n"
	if r.IntN(3) == 0 {
		nl = "\r\n"
	}
	subsets := []string{"v1", "v2", "v3"}[:1+r.IntN(3)]
	port := r.IntN(2) == 0
	testers := r.IntN(2) == 0
	routeName := []string{"", "main", "canary split"}[r.IntN(3)]
	dest := func(s string, js bool) string {
		q := func(x string) string {
			if js {
				return `"` + x + `"`
			}
			return x
		}
		out := q("host") + ": " + q("reviews")
		if port {
			out += ", " + q("port") + ": {" + q("number") + ": 9080}"
		}
		return "{" + out + ", " + q("subset") + ": " + q(s) + "}"
	}
	weight := func(i int) int {
		if i == 0 {
			return 100
		}
		return 0
	}
	switch style := r.IntN(5); style {
	case 0, 1: // block http list; destinations block or flow
		in := 2 + 2*r.IntN(2)
		seq := in * r.IntN(2)
		sp := func(n int) string { return strings.Repeat(" ", n) }
		c := func() string {
			if r.IntN(3) == 0 {
				return " # note: 'x' \"y\""
			}
			return ""
		}
		var b strings.Builder
		if r.IntN(2) == 0 {
			b.WriteString("apiVersion: v1" + nl + "kind: Service" + nl + "metadata: {name: reviews}" + nl + "---" + nl)
		}
		w := func(indent int, s string) { b.WriteString(sp(indent) + s + c() + nl) }
		w(0, "apiVersion: networking.istio.io/v1")
		w(0, "kind: VirtualService")
		w(0, "metadata:")
		w(in, "name: reviews")
		w(0, "spec:")
		w(in, "hosts: [reviews]")
		w(in, "http:")
		d := in + seq // dash column of http items
		if testers {
			w(d, "- name: testers")
			w(d+2, "match:")
			w(d+2+seq, "- headers: {end-user: {exact: jason}}")
			w(d+2, "route:")
			w(d+2+seq, "- destination: "+dest("v1", false))
		}
		if r.IntN(2) == 0 {
			w(d, "# the weighted route")
		}
		first := "- route:"
		if routeName != "" {
			w(d, "- name: "+routeName)
			first = "  route:"
		}
		w(d, first)
		for i, s := range subsets {
			if style == 1 {
				w(d+2+seq, fmt.Sprintf("- {destination: %s, weight: %d}", dest(s, false), weight(i)))
				continue
			}
			w(d+2+seq, "- destination:")
			w(d+4+seq+in, "host: reviews")
			if port {
				w(d+4+seq+in, "port:")
				w(d+4+seq+2*in, "number: 9080")
			}
			w(d+4+seq+in, "subset: "+s)
			w(d+4+seq, fmt.Sprintf("weight: %d", weight(i)))
		}
		if r.IntN(2) == 0 {
			w(d+2, "timeout: 5s")
		}
		if r.IntN(2) == 0 {
			b.WriteString("---" + nl + "kind: ConfigMap" + nl + "data: {a: b}" + nl)
		}
		return b.String(), "vs.yaml"
	case 2: // one flow line
		var ds []string
		for i, s := range subsets {
			ds = append(ds, fmt.Sprintf("{destination: %s, weight: %d}", dest(s, false), weight(i)))
		}
		items := ""
		if testers {
			items = "{name: testers, match: [{headers: {end-user: {exact: jason}}}], route: [{destination: " + dest("v1", false) + "}]}, "
		}
		rn := ""
		if routeName != "" {
			rn = "name: '" + routeName + "', "
		}
		return "apiVersion: networking.istio.io/v1" + nl + "kind: VirtualService" + nl + "metadata: {name: reviews}" + nl +
			"spec: {http: [" + items + "{" + rn + "route: [" + strings.Join(ds, ", ") + "]}]}" + nl, "vs.yaml"
	default: // JSON, pretty (2 or 4) or compact
		unit := []string{"", "  ", "    "}[r.IntN(3)]
		v := map[string]any{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": map[string]any{"name": "reviews"}}
		var http []any
		if testers {
			http = append(http, map[string]any{"name": "testers", "match": []any{map[string]any{"headers": map[string]any{"end-user": map[string]any{"exact": "jason"}}}},
				"route": []any{map[string]any{"destination": map[string]any{"host": "reviews", "subset": "v1"}}}})
		}
		var ds []any
		for i, s := range subsets {
			d := map[string]any{"host": "reviews", "subset": s}
			if port {
				d["port"] = map[string]any{"number": 9080}
			}
			ds = append(ds, map[string]any{"destination": d, "weight": weight(i)})
		}
		main := map[string]any{"route": ds}
		if routeName != "" {
			main["name"] = routeName
		}
		v["spec"] = map[string]any{"http": append(http, main)}
		var out []byte
		if unit == "" {
			out, _ = json.Marshal(v)
		} else {
			out, _ = json.MarshalIndent(v, "", unit)
		}
		return strings.ReplaceAll(string(out), "\n", nl) + nl, "vs.json"
	}
}

// genHeader draws a header route with awkward values: quotes, backslashes,
// "# ", ": ", unicode, numbers and booleans that must stay strings.
func genHeader(r *rand.Rand) *mesh.HeaderRoute {
	values := []string{"1", "true", "yes", "it's", `a"b`, `back\slash`, "a: b", "x #y", "ünï", "0x1F", "-", "[a]", "{b}"}
	h := &mesh.HeaderRoute{Header: []string{"x-canary", "end-user", "x_test-1"}[r.IntN(3)], Match: []string{mesh.MatchExact, mesh.MatchPrefix}[r.IntN(2)],
		Value: values[r.IntN(len(values))], Subset: "v3"}
	if r.IntN(4) == 0 {
		h.Match, h.Value = mesh.MatchRegex, `v[0-9]+(\.beta)?`
	}
	return h
}

func checkRouteRoundTrip(t *testing.T, seed uint64) {
	src, name := genRoute(seed)
	r := rand.New(rand.NewPCG(seed, 7))
	f, err := Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("seed %d: generator wrote invalid YAML: %v\n%s", seed, err, src)
	}
	h := genHeader(r)
	m := &mesh.Mirror{Subset: "v3", Percent: float64(1+r.IntN(1000)) / 10}
	ins, err := f.SetRoute(anyVS, RouteChange{Header: &HeaderChange{Set: h}, Mirror: &MirrorChange{Set: m}})
	if err != nil {
		t.Fatalf("seed %d: inserting: %v\n%s", seed, err, src)
	}
	if name == "vs.json" && !json.Valid(ins.Data) {
		t.Fatalf("seed %d: JSON no longer JSON:\n%s", seed, ins.Data)
	}
	g, err := Parse(name, ins.Data)
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	// A later step rewrites in place: another value and percentage.
	h2 := genHeader(r)
	m2 := &mesh.Mirror{Subset: "v3", Percent: float64(1+r.IntN(100)) / 2}
	chg, err := g.SetRoute(anyVS, RouteChange{Header: &HeaderChange{Set: h2}, Mirror: &MirrorChange{Set: m2}})
	if err != nil {
		t.Fatalf("seed %d: changing: %v\n%s", seed, err, ins.Data)
	}
	if len(chg.Data)-len(ins.Data) > 40 || len(ins.Data)-len(chg.Data) > 40 {
		t.Fatalf("seed %d: an in-place change rewrote more than scalars:\n%s\n---\n%s", seed, ins.Data, chg.Data)
	}
	h3, err := Parse(name, chg.Data)
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	back, err := h3.SetRoute(anyVS, RouteChange{Header: &HeaderChange{}, Mirror: &MirrorChange{Only: "v3"}})
	if err != nil {
		t.Fatalf("seed %d: removing: %v\n%s", seed, err, chg.Data)
	}
	if string(back.Data) != src {
		t.Fatalf("seed %d: insert, change, remove did not give the input back\n--- input\n%s\n--- edited\n%s\n--- removed\n%s", seed, src, chg.Data, back.Data)
	}
}

func TestGeneratedRouteEdits(t *testing.T) {
	n := uint64(2000)
	if testing.Short() {
		n = 200
	}
	for seed := uint64(0); seed < n; seed++ {
		checkRouteRoundTrip(t, seed)
	}
}

// FuzzRouteEdits: inserting a header route and a mirror, changing them and
// removing them again gives back the input byte for byte, in every style.
func FuzzRouteEdits(f *testing.F) {
	for _, s := range []uint64{0, 1, 2, 3, 4, 42} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkRouteRoundTrip(t, seed) })
}

// FuzzParseAndEditRoute feeds arbitrary bytes: the editor may refuse, but
// must never panic nor write a file that does not parse or does not read
// back as asked (SetRoute re-reads its output).
func FuzzParseAndEditRoute(f *testing.F) {
	f.Add([]byte(vsBlock))
	f.Add([]byte(oneLineVS))
	f.Add([]byte(prettyJSONVS))
	f.Add([]byte(flowItemsVS))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("f.yaml", src)
		if err != nil {
			return
		}
		for _, c := range []RouteChange{
			{Header: &HeaderChange{Set: hdr}, Mirror: &MirrorChange{Set: mirr20}},
			{Header: &HeaderChange{}, Mirror: &MirrorChange{}},
		} {
			res, err := file.SetRoute(anyVS, c)
			if err != nil {
				continue
			}
			if _, err := Parse("out.yaml", res.Data); err != nil {
				t.Fatalf("edit produced invalid YAML: %v", err)
			}
		}
	})
}
