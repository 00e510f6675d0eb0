package edit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// genVS writes a random VirtualService file (comments, quoting, flow and
// block styles, indentation, CRLF, extra documents) and records the byte
// range of every weight scalar of the target route, so the test can check
// the edit independently of the editor's own bookkeeping.
type genVS struct {
	r       *rand.Rand
	b       strings.Builder
	nl      string
	subsets []string
	weights []span // byte ranges of the target's weight scalars, in order
	styles  [][2]string
}

// weightStyles are the ways to write an integer weight: plain, or quoted
// under an explicit !!int tag (a number to every YAML decoder). A quoted
// weight without the tag is a string, which the editor refuses.
var weightStyles = [][2]string{{"", ""}, {`!!int "`, `"`}, {`!!int '`, `'`}}

func (g *genVS) comment() string {
	if g.r.IntN(3) == 0 {
		return fmt.Sprintf("  # note %d: 'x' \"y\" #z", g.r.IntN(100))
	}
	return ""
}

func (g *genVS) line(indent int, s string) {
	g.b.WriteString(strings.Repeat(" ", indent) + s + g.comment() + g.nl)
}

func (g *genVS) extraDoc() {
	g.b.WriteString("---" + g.nl)
	switch g.r.IntN(3) {
	case 0:
		g.line(0, "apiVersion: v1")
		g.line(0, "kind: Service")
		g.line(0, "metadata: {name: reviews}")
	case 1:
		g.line(0, "# only a comment: weight: 50")
		g.line(0, "apiVersion: networking.istio.io/v1")
		g.line(0, "kind: VirtualService")
		g.line(0, "metadata: {name: other}")
		g.line(0, "spec: {http: [{route: [{destination: {host: other, subset: v1}, weight: 100}]}]}")
	default:
		g.line(0, "kind: ConfigMap")
		g.line(0, "data:")
		g.line(2, "weights: |")
		g.line(4, "v1: 90")
	}
}

func (g *genVS) weight(prefix string) {
	w := g.r.IntN(101)
	style := weightStyles[g.r.IntN(len(weightStyles))]
	g.b.WriteString(prefix)
	start := g.b.Len()
	fmt.Fprintf(&g.b, "%s%d%s", style[0], w, style[1])
	g.weights = append(g.weights, span{start, g.b.Len()})
	g.styles = append(g.styles, style)
}

func generateVS(seed uint64) *genVS {
	g := &genVS{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), nl: "\n"}
	if g.r.IntN(3) == 0 {
		g.nl = "\r\n"
	}
	before := g.r.IntN(2)
	for i := before; i > 0; i-- {
		g.extraDoc()
	}
	if before > 0 || g.r.IntN(2) == 0 {
		g.b.WriteString("---" + g.nl)
	}
	in := 2 + 2*g.r.IntN(2) // mapping indentation
	seqIn := in * g.r.IntN(2)
	g.line(0, "# generated")
	g.line(0, "apiVersion: networking.istio.io/v1beta1")
	g.line(0, "kind: VirtualService")
	g.line(0, "metadata:")
	g.line(in, "name: reviews")
	g.line(0, "spec:")
	g.line(in, "hosts: [reviews]")
	g.line(in, "http:")
	d := in + seqIn
	g.line(d, "- route:")
	n := 1 + g.r.IntN(4)
	for i := 0; i < n; i++ {
		sub := fmt.Sprintf("v%d", i+1)
		g.subsets = append(g.subsets, sub)
		item := d + 2 + seqIn + 2
		dash := strings.Repeat(" ", d+2+seqIn) + "- "
		if g.r.IntN(2) == 0 { // flow destination, weight first or last
			if g.r.IntN(2) == 0 {
				g.weight(dash + "weight: ")
				g.b.WriteString(g.comment() + g.nl)
				g.line(item, fmt.Sprintf("destination: {host: reviews, subset: %s}", sub))
			} else {
				g.line(0, dash+fmt.Sprintf("destination: {host: reviews, subset: %s}", sub))
				g.weight(strings.Repeat(" ", item) + "weight: ")
				g.b.WriteString(g.comment() + g.nl)
			}
			continue
		}
		g.line(0, dash+"destination:")
		g.line(item+in, "host: reviews")
		if g.r.IntN(3) == 0 {
			g.line(0, "# a full-line comment")
		}
		g.line(item+in, "subset: "+sub)
		g.weight(strings.Repeat(" ", item) + "weight: ")
		g.b.WriteString(g.comment() + g.nl)
	}
	for i := g.r.IntN(2); i > 0; i-- {
		g.extraDoc()
	}
	return g
}

// randomSplit returns weights for subsets that sum to 100.
func randomSplit(r *rand.Rand, subsets []string) Weights {
	w := make(Weights, len(subsets))
	left := 100
	for i, s := range subsets {
		v := left
		if i < len(subsets)-1 {
			v = r.IntN(left + 1)
		}
		w[i] = Weight{Subset: s, Weight: v}
		left -= v
	}
	return w
}

func checkGenerated(t *testing.T, seed uint64) {
	g := generateVS(seed)
	src := g.b.String()
	f, err := Parse("gen.yaml", []byte(src))
	if err != nil {
		t.Fatalf("seed %d: generator wrote invalid YAML: %v\n%s", seed, err, src)
	}
	want := randomSplit(g.r, g.subsets)
	res, err := f.SetVirtualServiceWeights(Target{Doc: -1, Item: -1, Name: "reviews"}, want)
	if err != nil {
		t.Fatalf("seed %d: %v\n%s", seed, err, src)
	}
	// Expected bytes: the input with exactly the weight ranges rewritten.
	var exp strings.Builder
	pos := 0
	for i, s := range g.weights {
		exp.WriteString(src[pos:s.Start])
		fmt.Fprintf(&exp, "%s%d%s", g.styles[i][0], want[i].Weight, g.styles[i][1])
		pos = s.End
	}
	exp.WriteString(src[pos:])
	if string(res.Data) != exp.String() {
		t.Fatalf("seed %d: bytes outside the weight scalars changed\n--- input\n%s\n--- got\n%s\n--- want\n%s", seed, src, res.Data, exp.String())
	}
	if _, err := Parse("out.yaml", res.Data); err != nil {
		t.Fatalf("seed %d: output does not parse: %v", seed, err)
	}
	// Adding a destination copies a neighbour; SetVirtualServiceWeights
	// re-reads its output, so success means it parses with exactly these weights.
	grown := randomSplit(g.r, append(g.subsets, "v9"))
	ins, err := f.SetVirtualServiceWeights(Target{Doc: -1, Item: -1, Name: "reviews"}, grown)
	if err != nil {
		t.Fatalf("seed %d: inserting v9: %v\n%s", seed, err, src)
	}
	if !strings.HasPrefix(string(ins.Data), src[:g.weights[0].Start]) {
		t.Fatalf("seed %d: bytes before the route changed", seed)
	}
}

func TestGeneratedVirtualServices(t *testing.T) {
	n := uint64(3000)
	if testing.Short() {
		n = 300
	}
	for seed := uint64(0); seed < n; seed++ {
		checkGenerated(t, seed)
	}
}

func FuzzSetVirtualServiceWeights(f *testing.F) {
	for _, s := range []uint64{0, 1, 42, 1 << 40} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkGenerated(t, seed) })
}

// FuzzParseAndEdit feeds arbitrary bytes: the editor may refuse, but must
// never panic, never return output that does not parse, and what it writes
// must be the asked weights, as numbers, to Argo CD's decoder (YAML 1.1).
func FuzzParseAndEdit(f *testing.F) {
	f.Add([]byte(vsBlock))
	f.Add([]byte(appYAML))
	f.Add([]byte(strings.NewReplacer("weight: 90", "weight: 0x5A", "weight: 10", "weight: 1_0.0").Replace(vsBlock)))
	f.Add([]byte(strings.NewReplacer("weight: 90", `weight: !!int "90"`, "weight: 10", "weight: !!float 1e1").Replace(vsBlock)))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("f.yaml", src)
		if err != nil {
			return
		}
		want := Weights{{"v1", 40}, {"v3", 60}}
		res, err := file.SetVirtualServiceWeights(Target{Doc: -1, Item: -1, Name: "reviews"}, want)
		if err != nil {
			return
		}
		if _, err := Parse("out.yaml", res.Data); err != nil {
			t.Fatalf("edit produced invalid YAML: %v", err)
		}
		if !argoCDReadsWeights(res.Data, want) {
			t.Fatalf("Argo CD's decoder does not read %s as numbers in:\n%s", want, res.Data)
		}
	})
}

// argoCDReadsWeights reports whether some http route of a VirtualService
// "reviews" in data, decoded as Argo CD decodes manifests, has exactly the
// weights of want for those subsets, as JSON numbers.
func argoCDReadsWeights(data []byte, want Weights) bool {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return false
		}
		if obj["kind"] != "VirtualService" || dig(obj, "metadata", "name") != "reviews" {
			continue
		}
		http, _ := dig(obj, "spec", "http").([]any)
		for _, r := range http {
			route, _ := dig(r, "route").([]any)
			found := 0
			for _, d := range route {
				w, isNumber := dig(d, "weight").(float64)
				subset, _ := dig(d, "destination", "subset").(string)
				if x, ok := want.Get(subset); ok && isNumber && w == float64(x) {
					found++
				}
			}
			if found == len(want) {
				return true
			}
		}
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}
