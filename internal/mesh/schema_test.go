package mesh

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	networking "istio.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// TestFieldErrors: what the API server refuses under Istio's CRD although
// Istio's Go decoder reads it. The verdicts were taken from
// apiextensions-apiserver v0.37.2's ValidateCustomResource (the lab's
// kube-apiserver) with the CRDs of istio.io/api v1.32.0; "accepted" rows
// are accepted there too.
func TestFieldErrors(t *testing.T) {
	const vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  http:\n  - route:\n    - destination: {host: r, subset: v1%s}\n      weight: %s\n%s"
	tests := []struct {
		name      string
		yaml      string
		wantPath  string // "" when accepted
		wantInErr string
		wantHint  string
	}{
		{name: "integer", yaml: fmt.Sprintf(vs, "", "90", "")},
		{name: "YAML 1.1 hex, as Argo CD decodes it", yaml: fmt.Sprintf(vs, "", "0x5A", "")},
		{name: "YAML 1.1 octal", yaml: fmt.Sprintf(vs, "", "0132", "")},
		{name: "float without fraction", yaml: fmt.Sprintf(vs, "", "90.0", "")},
		{name: "exponent", yaml: fmt.Sprintf(vs, "", "9e1", "")},
		{name: "null is dropped", yaml: fmt.Sprintf(vs, "", "null", "")},
		{name: "negative is a range the CRD allows (Istio's validation refuses it)", yaml: fmt.Sprintf(vs, "", "-5", "")},
		{name: "double-quoted", yaml: fmt.Sprintf(vs, "", `"90"`, ""), wantPath: "spec.http[0].route[0].weight",
			wantInErr: `is the string "90", but Istio's CRD declares an integer`,
			wantHint:  "write weight: 90 without quotes; Istio's CRD declares an integer and the API server refuses a string"},
		{name: "single-quoted", yaml: fmt.Sprintf(vs, "", `'90'`, ""), wantPath: "spec.http[0].route[0].weight", wantHint: "write weight: 90 without quotes"},
		{name: "explicit string tag", yaml: fmt.Sprintf(vs, "", `!!str 90`, ""), wantPath: "spec.http[0].route[0].weight", wantHint: "write weight: 90 without quotes"},
		{name: "sexagesimal is a string in YAML 1.1 (go-yaml v2)", yaml: fmt.Sprintf(vs, "", `1:30`, ""), wantPath: "spec.http[0].route[0].weight",
			wantHint: "weight must be an integer; Istio's CRD declares an integer and the API server refuses a string"},
		{name: "quoted hex", yaml: fmt.Sprintf(vs, "", `"0x5A"`, ""), wantPath: "spec.http[0].route[0].weight", wantHint: "weight must be an integer"},
		{name: "fraction", yaml: fmt.Sprintf(vs, "", "90.5", ""), wantPath: "spec.http[0].route[0].weight", wantInErr: "is 90.5, not an integer"},
		{name: "over int32", yaml: fmt.Sprintf(vs, "", "3000000000", ""), wantPath: "spec.http[0].route[0].weight",
			wantInErr: "out of range for an int32", wantHint: "from -2147483648 to 2147483647"},
		{name: "YAML 1.1 boolean", yaml: fmt.Sprintf(vs, "", "yes", ""), wantPath: "spec.http[0].route[0].weight", wantInErr: "is the boolean true"},
		{name: "quoted port", yaml: fmt.Sprintf(vs, `, port: {number: "9080"}`, "90", ""), wantPath: "spec.http[0].route[0].destination.port.number",
			wantHint: "write number: 9080 without quotes"},
		{name: "port over uint32", yaml: fmt.Sprintf(vs, `, port: {number: 4294967296}`, "90", ""), wantPath: "spec.http[0].route[0].destination.port.number",
			wantInErr: "out of range for a uint32"},
		{name: "quoted double", yaml: fmt.Sprintf(vs, "", "90", "    mirrorPercentage: {value: \"50\"}\n"), wantPath: "spec.http[0].mirrorPercentage.value",
			wantHint: "write value: 50 without quotes; Istio's CRD declares a number"},
		{name: "NaN as a string", yaml: fmt.Sprintf(vs, "", "90", "    mirrorPercentage: {value: NaN}\n"), wantPath: "spec.http[0].mirrorPercentage.value",
			wantHint: "value must be a number"},
		{name: "double", yaml: fmt.Sprintf(vs, "", "90", "    mirrorPercentage: {value: 50.5}\n")},
		{name: "quoted wrapper", yaml: fmt.Sprintf(vs, "", "90", "    mirrorPercent: \"50\"\n"), wantPath: "spec.http[0].mirrorPercent"},
		{name: "quoted boolean", yaml: fmt.Sprintf(vs, "", "90", "    corsPolicy: {allowCredentials: \"true\"}\n"), wantPath: "spec.http[0].corsPolicy.allowCredentials",
			wantHint: "write allowCredentials: true without quotes; Istio's CRD declares a boolean"},
		{name: "number for a string", yaml: fmt.Sprintf(vs, "", "90", "    name: 1\n"), wantPath: "spec.http[0].name",
			wantHint: `write name: "1" in quotes`},
		{name: "proto field name", yaml: fmt.Sprintf(vs, "", "90", "    mirror_percentage: {value: 5}\n"), wantPath: "spec.http[0].mirror_percentage",
			wantHint: "write mirrorPercentage"},
		{name: "unknown field", yaml: fmt.Sprintf(vs, "", "90", "    wieght: 5\n"), wantPath: "spec.http[0].wieght", wantInErr: "not a field of HTTPRoute"},
		{name: "two members of a oneof", yaml: fmt.Sprintf(vs, "", "90", "    match: [{uri: {exact: /a, prefix: /b}}]\n"), wantPath: "spec.http[0].match[0].uri.prefix",
			wantInErr: "is set together with exact", wantHint: "keep one of exact, prefix, regex"},
		{name: "map of messages", yaml: fmt.Sprintf(vs, "", "90", "    match: [{headers: {x-a: {exact: 1}}}]\n"), wantPath: "spec.http[0].match[0].headers.x-a.exact"},
		{name: "enum by number", yaml: "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n  host: r\n  trafficPolicy: {tls: {mode: 1}}\n",
			wantPath: "spec.trafficPolicy.tls.mode", wantHint: "mode must be one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL, as a string"},
		{name: "unknown enum name", yaml: "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n  host: r\n  trafficPolicy: {tls: {mode: simple}}\n",
			wantPath: "spec.trafficPolicy.tls.mode", wantInErr: `is "simple", not one of DISABLE`},
		{name: "quoted gateway port", yaml: "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers: [{port: {number: \"80\", name: http, protocol: HTTP}, hosts: [\"*\"]}]\n",
			wantPath: "spec.servers[0].port.number"},
		{name: "quoted service entry port", yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s}\nspec:\n  hosts: [x.example]\n  ports: [{number: \"443\", name: https, protocol: TLS}]\n",
			wantPath: "spec.ports[0].number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Build(objects(t, "x.yaml", tt.yaml), "ns")
			var got []FieldError
			for _, o := range m.VirtualServices {
				got = append(got, o.Fields...)
			}
			for _, o := range m.DestinationRules {
				got = append(got, o.Fields...)
			}
			for _, o := range m.Gateways {
				got = append(got, o.Fields...)
			}
			for _, o := range m.ServiceEntries {
				got = append(got, o.Fields...)
			}
			for _, o := range m.Errors {
				got = append(got, o.Fields...)
			}
			if tt.wantPath == "" {
				if len(got) > 0 || len(m.Errors) > 0 {
					t.Fatalf("refused: %v (decode errors %v)", got, m.Errors)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("field errors = %v, want one at %s", got, tt.wantPath)
			}
			if got[0].Path != tt.wantPath || !strings.Contains(got[0].Error(), tt.wantInErr) || !strings.Contains(got[0].Hint(), tt.wantHint) {
				t.Errorf("got %q (hint %q), want %s %q (hint %q)", got[0].Error(), got[0].Hint(), tt.wantPath, tt.wantInErr, tt.wantHint)
			}
		})
	}
}

// TestSchemaMatchesCRD walks the CRD schema of every kind the model reads,
// from the istio.io/api module gitshift builds with, along the proto
// descriptors fieldErrors uses: the same fields, JSON types, integer
// formats and ranges, enum names and oneof groups.
func TestSchemaMatchesCRD(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api").Output()
	if err != nil {
		t.Fatalf("locating istio.io/api: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "kubernetes", "customresourcedefinitions.gen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]protoreflect.MessageDescriptor{
		KindVirtualService:  (&networking.VirtualService{}).ProtoReflect().Descriptor(),
		KindDestinationRule: (&networking.DestinationRule{}).ProtoReflect().Descriptor(),
		KindGateway:         (&networking.Gateway{}).ProtoReflect().Descriptor(),
		KindServiceEntry:    (&networking.ServiceEntry{}).ProtoReflect().Descriptor(),
	}
	seen := 0
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var crd struct {
			Spec struct {
				Group    string
				Names    struct{ Kind string }
				Versions []struct {
					Name   string
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					}
				}
			}
		}
		if err := yaml.Unmarshal([]byte(doc), &crd); err != nil {
			t.Fatal(err)
		}
		md, ok := kinds[crd.Spec.Names.Kind]
		if !ok || crd.Spec.Group != Group {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if !versions[v.Name] {
				t.Errorf("%s: CRD version %s is not served by the model", crd.Spec.Names.Kind, v.Name)
			}
			spec := obj(obj(v.Schema.OpenAPIV3Schema, "properties"), "spec")
			var diffs []string
			compareMessage(&diffs, crd.Spec.Names.Kind+"/"+v.Name+" spec", spec, md, 0)
			for _, d := range diffs {
				t.Error(d)
			}
			seen++
		}
	}
	t.Logf("CRD bounds tighter than the proto types, left to Istio's validation: %s", sortedKeys(tighter))
	if seen != 3*len(kinds) {
		t.Errorf("compared %d kind versions, want %d", seen, 3*len(kinds))
	}
}

func obj(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

func compareMessage(diffs *[]string, path string, schema map[string]any, md protoreflect.MessageDescriptor, depth int) {
	if depth > 20 {
		*diffs = append(*diffs, path+": too deep")
		return
	}
	if schema["type"] != "object" {
		*diffs = append(*diffs, fmt.Sprintf("%s: CRD type %v, want object", path, schema["type"]))
	}
	props := obj(schema, "properties")
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		prop := obj(props, fd.JSONName())
		if prop == nil {
			*diffs = append(*diffs, fmt.Sprintf("%s.%s: in the proto, not in the CRD", path, fd.JSONName()))
			continue
		}
		compareField(diffs, path+"."+fd.JSONName(), prop, fd, depth)
	}
	for name := range props {
		if fieldByName(md, name) == nil {
			*diffs = append(*diffs, fmt.Sprintf("%s.%s: in the CRD, not in the proto", path, name))
		}
	}
	if got, want := crdOneofs(schema), protoOneofs(md); got != want {
		*diffs = append(*diffs, fmt.Sprintf("%s: CRD oneOf groups %s, proto oneofs %s", path, got, want))
	}
}

func compareField(diffs *[]string, path string, prop map[string]any, fd protoreflect.FieldDescriptor, depth int) {
	switch {
	case fd.IsMap():
		if prop["type"] != "object" {
			*diffs = append(*diffs, fmt.Sprintf("%s: map is CRD type %v", path, prop["type"]))
		}
		compareElement(diffs, path+"{}", obj(prop, "additionalProperties"), fd.MapValue(), depth)
	case fd.IsList():
		if prop["type"] != "array" {
			*diffs = append(*diffs, fmt.Sprintf("%s: list is CRD type %v", path, prop["type"]))
		}
		compareElement(diffs, path+"[]", obj(prop, "items"), fd, depth)
	default:
		compareElement(diffs, path, prop, fd, depth)
	}
}

func compareElement(diffs *[]string, path string, prop map[string]any, fd protoreflect.FieldDescriptor, depth int) {
	var s scalar
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		wk, ok := wellKnown[fd.Message().FullName()]
		if !ok {
			compareMessage(diffs, path, prop, fd.Message(), depth+1)
			return
		}
		if wk.typ == "" {
			if prop["x-kubernetes-preserve-unknown-fields"] != true {
				*diffs = append(*diffs, fmt.Sprintf("%s: %s is not free-form in the CRD", path, fd.Message().FullName()))
			}
			return
		}
		s = wk
	default:
		s = scalarOf(fd)
	}
	if prop["type"] != s.typ {
		*diffs = append(*diffs, fmt.Sprintf("%s: CRD type %v, walk expects %s", path, prop["type"], s.typ))
	}
	if s.typ == "integer" {
		compareRange(diffs, path, prop, s.rng)
	}
	if s.enum != nil {
		var got []string
		for _, v := range prop["enum"].([]any) {
			got = append(got, fmt.Sprint(v))
		}
		if g, w := strings.Join(got, ","), strings.Join(enumNames(s.enum), ","); g != w {
			*diffs = append(*diffs, fmt.Sprintf("%s: CRD enum %s, proto enum %s", path, g, w))
		}
	}
}

// compareRange: the CRD's bounds must lie within the range the walk
// checks, so that the walk never refuses what the API server accepts. Some
// fields have tighter bounds in the CRD (a percentage 0..100, HTTP codes
// 100..599); the walk leaves those to Istio's validation, like a negative
// weight.
func compareRange(diffs *[]string, path string, prop map[string]any, rng intRange) {
	lo, hasLo := prop["minimum"].(float64)
	hi, hasHi := prop["maximum"].(float64)
	if prop["format"] == "int32" {
		lo, hi = max(lo, math.MinInt32), min(hi, math.MaxInt32)
		if !hasLo {
			lo = math.MinInt32
		}
		if !hasHi {
			hi = math.MaxInt32
		}
		hasLo, hasHi = true, true
	}
	switch {
	case !hasLo && rng.min > math.MinInt64, !hasHi && rng.max < math.MaxInt64:
		*diffs = append(*diffs, fmt.Sprintf("%s: the CRD leaves the integer unbounded, the walk checks %s", path, rng.name))
	case hasLo && lo < rng.min, hasHi && hi > rng.max:
		*diffs = append(*diffs, fmt.Sprintf("%s: the CRD allows %v..%v, beyond %s", path, lo, hi, rng.name))
	case hasLo && lo != rng.min || hasHi && hi != rng.max:
		_, field, _ := strings.Cut(path, " ") // the same in every version
		tighter[fmt.Sprintf("%s %.0f..%.0f", field, lo, hi)] = true
	}
}

// tighter records the CRD bounds tighter than the proto type, for the log.
var tighter = map[string]bool{}

// crdOneofs lists the CRD's oneOf groups (each the names its alternatives
// require), sorted, as one string.
func crdOneofs(schema map[string]any) string {
	lists := [][]any{}
	if l, ok := schema["oneOf"].([]any); ok {
		lists = append(lists, l)
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, a := range all {
			if l, ok := a.(map[string]any)["oneOf"].([]any); ok {
				lists = append(lists, l)
			}
		}
	}
	var groups []string
	for _, l := range lists {
		names := map[string]bool{}
		var collect func(any)
		collect = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if r, ok := x["required"].([]any); ok {
					for _, n := range r {
						names[fmt.Sprint(n)] = true
					}
				}
				for _, c := range x {
					collect(c)
				}
			case []any:
				for _, c := range x {
					collect(c)
				}
			}
		}
		collect(l)
		groups = append(groups, sortedKeys(names))
	}
	sort.Strings(groups)
	return strings.Join(groups, " | ")
}

func protoOneofs(md protoreflect.MessageDescriptor) string {
	var groups []string
	for i := 0; i < md.Oneofs().Len(); i++ {
		o := md.Oneofs().Get(i)
		if o.IsSynthetic() {
			continue
		}
		names := map[string]bool{}
		for _, n := range oneofNames(o) {
			names[n] = true
		}
		groups = append(groups, sortedKeys(names))
	}
	sort.Strings(groups)
	return strings.Join(groups, " | ")
}

func sortedKeys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
