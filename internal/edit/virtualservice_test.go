package edit

import (
	"strings"
	"testing"
)

const vsBlock = `# reviews canary
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews   # the service
  namespace: bookinfo
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: 90 # stable
    - destination:
        host: reviews
        subset: v3
      weight: 10 # canary
`

// vsTwoRoutes is a VirtualService with a match-based route "canary" before
// the default route "main"; w1 and w2 are their v1 weight lines.
func vsTwoRoutes(w1, w2 string) string {
	return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  http:
  - name: canary
    match: [{headers: {x-canary: {exact: "1"}}}]
    route:
    - destination: {host: reviews, subset: v1}
` + w1 + `    - destination: {host: reviews, subset: v3}
      weight: 10
  - name: main
    route:
    - destination: {host: reviews, subset: v1}
` + w2 + `    - destination: {host: reviews, subset: v3}
      weight: 10
`
}

func TestSetVirtualServiceWeights(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		target  Target
		set     string
		want    string // expected output; "" means src with replacements below
		repl    [][2]string
		wantErr string
	}{
		{name: "block with trailing comments", src: vsBlock, set: "v1=75,v3=25",
			repl: [][2]string{{"weight: 90 # stable", "weight: 75 # stable"}, {"weight: 10 # canary", "weight: 25 # canary"}}},
		{name: "no change", src: vsBlock, set: "v3=10,v1=90"},
		{name: "unnamed existing subset goes to 0", src: vsBlock, set: "v3=100",
			repl: [][2]string{{"weight: 90 #", "weight: 0 #"}, {"weight: 10 #", "weight: 100 #"}}},
		// A quoted weight is a string to Argo CD's decoder: Istio's CRD
		// declares an integer and the API server refuses it, so a shift
		// must not write another one.
		{name: "double-quoted weight", src: strings.Replace(vsBlock, "weight: 90", `weight: "90"`, 1), set: "v1=50,v3=50",
			wantErr: `:15: weight of v1 is the string "90": write weight: 90 without quotes; Istio's CRD declares an integer and the API server refuses a string`},
		{name: "single-quoted weight", src: strings.Replace(vsBlock, "weight: 10", `weight: '10'`, 1), set: "v1=50,v3=50",
			wantErr: `:19: weight of v3 is the string "10": write weight: 10 without quotes`},
		{name: "string tag", src: strings.Replace(vsBlock, "weight: 10", `weight: !!str 10`, 1), set: "v1=50,v3=50",
			wantErr: `:19: weight of v3 is the string "10": write weight: 10 without quotes`},
		{name: "YAML 1.1 sexagesimal is a string", src: strings.Replace(vsBlock, "weight: 10", `weight: 1:30`, 1), set: "v1=50,v3=50",
			wantErr: `weight of v3 is the string "1:30": weight must be an integer`},
		{name: "YAML 1.1 boolean", src: strings.Replace(vsBlock, "weight: 10", `weight: yes`, 1), set: "v1=50,v3=50",
			wantErr: `weight of v3 is yes (the boolean true), not an integer`},
		{name: "fraction", src: strings.Replace(vsBlock, "weight: 10", `weight: 10.5`, 1), set: "v1=50,v3=50",
			wantErr: `weight of v3 is 10.5, not an integer`},
		// 90.0 and 9e1 decode to the number 90, which the API server takes.
		{name: "float without fraction", src: strings.NewReplacer("weight: 90", "weight: 90.0", "weight: 10", "weight: 1e1").Replace(vsBlock), set: "v1=75,v3=25",
			repl: [][2]string{{"weight: 90.0", "weight: 75"}, {"weight: 1e1", "weight: 25"}}},
		{name: "float without fraction unchanged", src: strings.Replace(vsBlock, "weight: 90", "weight: 90.0", 1), set: "v1=90,v3=10"},
		{name: "CRLF", src: strings.ReplaceAll(vsBlock, "\n", "\r\n"), set: "v1=0,v3=100",
			repl: [][2]string{{"weight: 90 #", "weight: 0 #"}, {"weight: 10 #", "weight: 100 #"}}},
		{name: "flow style destinations", src: `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews}
spec:
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 90}
    - {destination: {host: reviews, subset: v3}, weight: 10}
`, set: "v1=80,v3=20", repl: [][2]string{{"weight: 90}", "weight: 80}"}, {"weight: 10}", "weight: 20}"}}},
		{name: "insert destination block", src: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  http:
  - route:
    - destination:
        host: reviews # h
        port:
          number: 9080
        subset: "v1"
      # trailing comment line
    - destination:
        host: other
# end
`, target: Target{Route: "0"}, set: "v1=90,v3=10", wantErr: "routes by host"},
		{name: "insert destination where none had weights", src: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  http:
  - route:
    - destination:
        host: reviews # h
        port:
          number: 9080
        subset: "v1" # stable
# end
`, set: "v1=90,v3=10", want: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  http:
  - route:
    - destination:
        host: reviews # h
        port:
          number: 9080
        subset: "v1" # stable
      weight: 90
    - destination:
        host: reviews
        port:
          number: 9080
        subset: "v3"
      weight: 10
# end
`},
		{name: "insert destination flow", src: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  http:
  - route: [{destination: {host: reviews, subset: v1}}]
`, set: "v1=90,v3=10", want: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  http:
  - route: [{destination: {host: reviews, subset: v1}, weight: 90}, {destination: {host: reviews, subset: v3}, weight: 10}]
`},
		// Keys added to a JSON file must stay JSON (double-quoted).
		{name: "insert destination JSON", src: `{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews"},
 "spec": {"http": [{"route": [{"destination": {"host": "reviews", "subset": "v1"}}]}]}}
`, set: "v1=90,v3=10", want: `{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews"},
 "spec": {"http": [{"route": [{"destination": {"host": "reviews", "subset": "v1"}, "weight": 90}, {"destination": {"host": "reviews", "subset": "v3"}, "weight": 10}]}]}}
`},
		// Pretty-printed JSON: the new destination and weight go on lines of
		// their own, indented like their neighbours.
		{name: "insert destination pretty JSON", src: `{
  "apiVersion": "networking.istio.io/v1",
  "kind": "VirtualService",
  "metadata": {"name": "reviews"},
  "spec": {
    "http": [
      {
        "route": [
          {
            "destination": {
              "host": "reviews",
              "subset": "v1"
            }
          }
        ]
      }
    ]
  }
}
`, set: "v1=90,v3=10", repl: [][2]string{{`              "subset": "v1"
            }
          }
`, `              "subset": "v1"
            },
            "weight": 90
          },
          {
            "destination": {
              "host": "reviews",
              "subset": "v3"
            },
            "weight": 10
          }
`}}},
		{name: "insert destination flow list one item per line", src: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  http:
  - route: [
      {destination: {host: reviews, subset: v1}},  # stable
    ]
`, set: "v1=90,v3=10", repl: [][2]string{{"      {destination: {host: reviews, subset: v1}},  # stable\n",
			"      {destination: {host: reviews, subset: v1}, weight: 90},  # stable\n      {destination: {host: reviews, subset: v3}, weight: 10},\n"}}},
		{name: "multi-doc picks the right one", src: "kind: Service\napiVersion: v1\nmetadata: {name: reviews}\n---\n" + vsBlock + "---\n" + strings.ReplaceAll(vsBlock, "name: reviews ", "name: ratings "),
			target: Target{Name: "ratings"}, set: "v1=60,v3=40",
			want: "kind: Service\napiVersion: v1\nmetadata: {name: reviews}\n---\n" + vsBlock + "---\n" + strings.NewReplacer("name: reviews ", "name: ratings ", "weight: 90", "weight: 60", "weight: 10", "weight: 40").Replace(vsBlock)},
		{name: "sum not 100", src: vsBlock, set: "v1=60,v3=50", wantErr: "sum to 110"},
		{name: "negative", src: vsBlock, set: "v1=110,v3=-10", wantErr: "between 0 and 100"},
		{name: "unknown vs", src: vsBlock, target: Target{Name: "nope"}, set: "v1=100", wantErr: "no VirtualService nope"},
		{name: "namespace mismatch", src: vsBlock, target: Target{Name: "reviews", Namespace: "x"}, set: "v1=100", wantErr: "no VirtualService x/reviews"},
		// Plain integers mean what Argo CD's YAML 1.1 decoder (and so the
		// cluster) says: 010 is 8, 0x5A and 0132 are 90, 1_0 is 10.
		{name: "YAML integer forms", src: strings.NewReplacer("weight: 90", "weight: 0x5A", "weight: 10", "weight: 010").Replace(vsBlock), set: "v1=92,v3=8",
			repl: [][2]string{{"0x5A", "92"}}},
		{name: "YAML 1.1 octal and underscores", src: strings.NewReplacer("weight: 90", "weight: 0132", "weight: 10", "weight: 1_0").Replace(vsBlock), set: "v1=90,v3=10"},
		{name: "non-integer weight in file", src: strings.Replace(vsBlock, "weight: 90", "weight: ninety", 1), set: "v1=100", wantErr: ":15: weight of v1 is the string \"ninety\": weight must be an integer"},
		// mesh.SelectHTTPRoute: without --route, the only route that splits
		// traffic; a single unweighted destination (a mirror, a header
		// match) is not a candidate.
		{name: "the only splitting route needs no --route", src: strings.Replace(vsBlock, "  http:\n", "  http:\n  - name: mirror\n    route:\n    - destination: {host: x}\n", 1), set: "v1=70,v3=30",
			repl: [][2]string{{"weight: 90", "weight: 70"}, {"weight: 10", "weight: 30"}}},
		{name: "two splitting routes need --route", src: vsBlock + "  - name: beta\n    route:\n    - destination: {host: reviews, subset: v1}\n      weight: 50\n    - destination: {host: reviews, subset: v3}\n      weight: 50\n",
			set: "v1=100", wantErr: `2 http routes split traffic (index 0, "beta" (index 1)): name one`},
		{name: "unknown --route lists the routes", src: vsBlock, target: Target{Route: "nope"}, set: "v1=100", wantErr: `no http route "nope" (routes: index 0)`},
		// An anchor another route aliases: editing it would silently change
		// that route too (here: the default route to v1=20,v3=10).
		{name: "anchored weight used by another route", src: vsTwoRoutes("      weight: &w 90\n", "      weight: *w\n"),
			target: Target{Route: "canary"}, set: "v1=20,v3=80", wantErr: ":11: weight of v1 is anchor &w, which the alias *w on line 17 also uses"},
		{name: "aliased weight", src: vsTwoRoutes("      weight: &w 90\n", "      weight: *w\n"),
			target: Target{Route: "main"}, set: "v1=20,v3=80", wantErr: ":17: weight of v1 is an alias (*w)"},
		{name: "anchored route list used by another route", src: strings.Replace(vsBlock, "  http:\n  - route:", "  http:\n  - match: [{uri: {prefix: /x}}]\n    route: &r", 1) + "  - route: *r\n",
			target: Target{Route: "0"}, set: "v1=20,v3=80", wantErr: "weight of v1 is inside anchor &r, which the alias *r on line 21 also uses"},
		{name: "new destination in an anchored route list", src: strings.Replace(vsBlock, "  http:\n  - route:", "  http:\n  - match: [{uri: {prefix: /x}}]\n    route: &r", 1) + "  - route: *r\n",
			target: Target{Route: "0"}, set: "v1=90,v3=10,v4=0", wantErr: "route list of http route index 0 is anchor &r"},
		{name: "aliased route list", src: strings.Replace(vsBlock, "  http:\n  - route:", "  http:\n  - match: [{uri: {prefix: /x}}]\n    route: &r", 1) + "  - route: *r\n",
			target: Target{Route: "1"}, set: "v1=20,v3=80", wantErr: ":21: route of http route index 1 of VirtualService reviews is an alias (*r)"},
		{name: "unused anchor is fine", src: vsTwoRoutes("      weight: &w 90\n", "      weight: 90\n"),
			target: Target{Route: "canary"}, set: "v1=20,v3=80", repl: [][2]string{{"&w 90", "&w 20"}, {"weight: 10", "weight: 80"}}},
		{name: "route by name", src: strings.Replace(vsBlock, "  http:\n  - route:", "  http:\n  - name: mirror\n    route:\n    - destination: {host: x}\n  - name: main\n    route:", 1),
			target: Target{Route: "main"}, set: "v1=70,v3=30", repl: [][2]string{{"weight: 90", "weight: 70"}, {"weight: 10", "weight: 30"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("vs.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			w, err := ParseWeights(tt.set)
			if err != nil {
				t.Fatal(err)
			}
			tg := tt.target
			if tg.Name == "" {
				tg.Name = "reviews"
			}
			if tg.Doc == 0 && tg.Name != "" {
				tg.Doc = -1
			}
			tg.Item = -1
			got, err := f.SetVirtualServiceWeights(tg, w)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.New.Equal(w) {
				t.Errorf("new weights %s, want %s", got.New, w)
			}
			want := tt.want
			if want == "" {
				want = tt.src
				for _, r := range tt.repl {
					want = strings.Replace(want, r[0], r[1], 1)
				}
			}
			if string(got.Data) != want && len(tt.repl)+len(tt.want) > 0 {
				t.Errorf("got\n%s\nwant\n%s", got.Data, want)
			}
			if len(tt.repl) == 0 && tt.want == "" && tt.name == "no change" && len(got.Changes) != 0 {
				t.Errorf("changes %v, want none", got.Changes)
			}
		})
	}
}

// TestAnchorsAndTagsKept: anchors, aliases and explicit tags around the
// edited scalars stay byte-identical.
func TestAnchorsAndTagsKept(t *testing.T) {
	src := `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: &meta
  name: reviews
spec:
  http:
  - route:
    - destination: &d1 {host: reviews, subset: v1}
      weight: &w !!int 90 # stable
    - destination: {host: reviews, subset: v3}
      weight: !!int "10"
---
copy: *meta
`
	f, err := Parse("a.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.SetVirtualServiceWeights(Target{Doc: -1, Item: -1, Name: "reviews"}, Weights{{Subset: "v1", Weight: 33}, {Subset: "v3", Weight: 67}})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("&w !!int 90 #", "&w !!int 33 #", `!!int "10"`, `!!int "67"`).Replace(src)
	if string(res.Data) != want {
		t.Errorf("got\n%s\nwant\n%s", res.Data, want)
	}
}
