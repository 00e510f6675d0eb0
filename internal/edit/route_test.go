package edit

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/mesh"
)

var (
	hdr    = &mesh.HeaderRoute{Header: "x-canary", Match: mesh.MatchExact, Value: "1", Subset: "v3"}
	mirr20 = &mesh.Mirror{Subset: "v3", Percent: 20}
	anyVS  = Target{Doc: -1, Item: -1, Name: "reviews"}
)

const flowItemsVS = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews}
spec:
  http:
    # the canary split
    - name: main
      route:
        - {destination: {host: reviews, port: {number: 9080}, subset: v1}, weight: 100}
        - {destination: {host: reviews, port: {number: 9080}, subset: v3}, weight: 0}
`

const oneLineVS = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\n" +
	"spec: {http: [{route: [{destination: {host: reviews, subset: v1}, weight: 100}, {destination: {host: reviews, subset: v3}, weight: 0}]}]}\n"

const prettyJSONVS = `{
    "apiVersion": "networking.istio.io/v1",
    "kind": "VirtualService",
    "metadata": {"name": "reviews"},
    "spec": {
        "http": [
            {
                "route": [
                    {"destination": {"host": "reviews", "subset": "v1"}, "weight": 100},
                    {"destination": {"host": "reviews", "subset": "v3"}, "weight": 0}
                ]
            }
        ]
    }
}`

const compactJSONVS = `{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews"}, ` +
	`"spec": {"http": [{"route": [{"destination": {"host": "reviews", "subset": "v1"}, "weight": 100}]}]}}` + "\n"

// TestSetRouteInsertsInTheFilesStyle pins the inserted text for each style;
// removing both again must give back the input byte for byte. Removal only
// deletes ranges, so that round trip also proves the insertion changed no
// byte of the input.
func TestSetRouteInsertsInTheFilesStyle(t *testing.T) {
	tests := []struct {
		name, file, src string
		// pairs of (anchor, text inserted before it) in the expected output
		inserts [][2]string
	}{
		{name: "block, indented lists, comment above the route", file: "vs.yaml", src: flowItemsVS, inserts: [][2]string{
			{"    # the canary split", "    - name: gitshift-header\n      match:\n        - headers:\n            x-canary:\n              exact: \"1\"\n      route:\n        - destination:\n            host: reviews\n            port:\n              number: 9080\n            subset: v3\n"},
			{"", "      mirror:\n        host: reviews\n        port:\n          number: 9080\n        subset: v3\n      mirrorPercentage:\n        value: 20\n"},
		}},
		{name: "flow on one line", file: "vs.yaml", src: oneLineVS, inserts: [][2]string{
			{"{route:", `{name: gitshift-header, match: [{headers: {x-canary: {exact: "1"}}}], route: [{destination: {host: reviews, subset: v3}}]}, `},
			{"}]}\n", ", mirror: {host: reviews, subset: v3}, mirrorPercentage: {value: 20}"},
		}},
		{name: "compact JSON", file: "vs.json", src: compactJSONVS},
		{name: "pretty JSON with four spaces", file: "vs.json", src: prettyJSONVS, inserts: [][2]string{
			{"            {\n                \"route\"", "            {\n                \"name\": \"gitshift-header\",\n                \"match\": [\n                    {\n                        \"headers\": {\n                            \"x-canary\": {\n                                \"exact\": \"1\"\n                            }\n                        }\n                    }\n                ],\n                \"route\": [\n                    {\n                        \"destination\": {\n                            \"host\": \"reviews\",\n                            \"subset\": \"v3\"\n                        }\n                    }\n                ]\n            },\n"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.file, []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.SetRoute(anyVS, RouteChange{Header: &HeaderChange{Set: hdr}, Mirror: &MirrorChange{Set: mirr20}})
			if err != nil {
				t.Fatal(err)
			}
			out := string(res.Data)
			for _, in := range tt.inserts {
				if in[1] != "" && !strings.Contains(out, in[1]+strings.TrimPrefix(in[0], "\n")) {
					t.Errorf("want %q inserted before %q in\n%s", in[1], in[0], out)
				}
			}
			if strings.HasSuffix(tt.file, ".json") && !jsonValid(out) {
				t.Errorf("JSON file is no longer JSON:\n%s", out)
			}
			if len(res.Changes) != 2 || res.New.Header == nil || res.New.Mirror == nil {
				t.Errorf("changes %+v, new state %s", res.Changes, res.New)
			}
			g, err := Parse(tt.file, res.Data)
			if err != nil {
				t.Fatal(err)
			}
			back, err := g.SetRoute(anyVS, RouteChange{Header: &HeaderChange{}, Mirror: &MirrorChange{}})
			if err != nil {
				t.Fatal(err)
			}
			if string(back.Data) != tt.src {
				t.Errorf("removing gave\n%s\nwant the input back\n%s", back.Data, tt.src)
			}
		})
	}
}

// TestSetRouteChangesInPlace: a later step changes only the scalars that
// differ, in their own quoting.
func TestSetRouteChangesInPlace(t *testing.T) {
	src := strings.Replace(vsBlock, "  http:\n", "  http:\n  - name: gitshift-header\n    match:\n    - headers:\n        x-canary:\n          exact: '1'\n    route:\n    - destination:\n        host: reviews\n        subset: v3\n", 1) +
		"    mirror: {host: reviews, subset: v3}\n    mirrorPercentage: {value: 20.0}\n"
	f, err := Parse("vs.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.RouteState(anyVS)
	if err != nil || !mesh.SameHeaderRoute(st.Header, hdr) || !mesh.SameMirror(st.Mirror, mirr20) {
		t.Fatalf("state %s, %v", st, err)
	}
	res, err := f.SetRoute(anyVS, RouteChange{
		Header: &HeaderChange{Set: &mesh.HeaderRoute{Header: "x-canary", Match: mesh.MatchPrefix, Value: "it's", Subset: "v3"}},
		Mirror: &MirrorChange{Set: &mesh.Mirror{Subset: "v3", Percent: 12.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("exact: '1'", "prefix: 'it''s'", "value: 20.0", "value: 12.5").Replace(src)
	if string(res.Data) != want {
		t.Errorf("got\n%s\nwant\n%s", res.Data, want)
	}
	// Nothing to do: no change, no splice.
	g, _ := Parse("vs.yaml", res.Data)
	same, err := g.SetRoute(anyVS, RouteChange{Header: &HeaderChange{Set: res.New.Header}, Mirror: &MirrorChange{Set: res.New.Mirror}})
	if err != nil || len(same.Changes) != 0 || string(same.Data) != want {
		t.Errorf("a no-op edit changed %v (%v)", same.Changes, err)
	}
}

func TestSetRouteRefuses(t *testing.T) {
	mirrorOther := vsBlock + "    mirror:\n      host: recorder\n      subset: v1\n"
	tests := []struct {
		name, src string
		c         RouteChange
		want      string
	}{
		{"a person's mirror to another subset", mirrorOther, RouteChange{Mirror: &MirrorChange{Set: mirr20}}, "already mirrors to recorder v1"},
		{"deprecated mirrorPercent", vsBlock + "    mirror: {host: reviews, subset: v3}\n    mirrorPercent: 5\n", RouteChange{Mirror: &MirrorChange{}}, "deprecated mirrorPercent"},
		{"header route changed by hand", strings.Replace(vsBlock, "  http:\n", "  http:\n  - name: gitshift-header\n    match: [{headers: {x-canary: {exact: \"1\"}}, uri: {prefix: /a}}]\n    route: [{destination: {host: reviews, subset: v3}}]\n", 1),
			RouteChange{Header: &HeaderChange{}}, "matches more than one header"},
		{"invalid header name", vsBlock, RouteChange{Header: &HeaderChange{Set: &mesh.HeaderRoute{Header: "X-Canary", Match: "exact", Value: "1", Subset: "v3"}}}, "lowercase"},
		{"hop-by-hop header", vsBlock, RouteChange{Header: &HeaderChange{Set: &mesh.HeaderRoute{Header: "connection", Match: "exact", Value: "1", Subset: "v3"}}}, "connection-specific"},
		{"mirror percentage out of range", vsBlock, RouteChange{Mirror: &MirrorChange{Set: &mesh.Mirror{Subset: "v3", Percent: 0}}}, "more than 0"},
		{"aliased route list", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec:\n  http: &h\n  - route:\n    - destination: {host: reviews, subset: v1}\n      weight: 100\n    - destination: {host: reviews, subset: v3}\n      weight: 0\n  tcp: *h\n",
			RouteChange{Header: &HeaderChange{Set: hdr}}, "anchor &h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("vs.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.SetRoute(anyVS, tt.c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

// A removal of the rollout's own mirror leaves a person's mirror alone.
func TestMirrorRemovalOnlyOwn(t *testing.T) {
	src := vsBlock + "    mirror:\n      host: recorder\n      subset: v1\n"
	f, _ := Parse("vs.yaml", []byte(src))
	res, err := f.SetRoute(anyVS, RouteChange{Mirror: &MirrorChange{Only: "v3"}})
	if err != nil || string(res.Data) != src || len(res.Changes) != 0 {
		t.Fatalf("changed %v (%v)", res.Changes, err)
	}
	res, err = f.SetRoute(anyVS, RouteChange{Mirror: &MirrorChange{}})
	if err != nil || string(res.Data) != vsBlock {
		t.Fatalf("clearing any mirror gave\n%s (%v)", res.Data, err)
	}
}

func jsonValid(s string) bool { return json.Valid([]byte(s)) }
