package mesh

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Istio's Go types decode with protojson, which is lenient where the
// Kubernetes API server is not: it reads "90" and "NaN" as numbers, 1 as an
// enum value, unknown enum names as unset, and proto field names
// (mirror_percentage) as their JSON names. The API server validates the
// object against Istio's CRD schema, generated from the same protos, and
// refuses all of those (and Argo CD's sync with it). fieldErrors walks a
// decoded spec along the proto descriptor and reports what the CRD schema
// refuses; schema_test.go checks the mapping against the CRD file of the
// istio.io/api module gitshift builds with.

// fieldErrors returns the fields of spec (the object's .spec, as decoded)
// that the API server refuses under the CRD schema of message md.
func fieldErrors(spec any, md protoreflect.MessageDescriptor) []FieldError {
	var out []FieldError
	walkMessage(&out, "spec", spec, md)
	return out
}

func walkMessage(out *[]FieldError, path string, v any, md protoreflect.MessageDescriptor) {
	obj, ok := v.(map[string]any)
	if !ok {
		*out = append(*out, typeError(path, v, "object"))
		return
	}
	keys := sortedMapKeys(obj)                          // a stable order for reports
	oneofs := map[protoreflect.OneofDescriptor]string{} // the member seen first
	for _, k := range keys {
		p := path + "." + k
		fd := fieldByName(md, k)
		if fd == nil {
			fe := FieldError{Path: p, Field: k, Value: obj[k], Unknown: true}
			if alt := md.Fields().ByName(protoreflect.Name(k)); alt != nil {
				fe.Known = alt.JSONName()
				fe.Problem = fmt.Sprintf("is the proto name of %s, not a field of Istio's CRD", alt.JSONName())
			} else {
				fe.Problem = fmt.Sprintf("is not a field of %s in Istio's CRD", md.Name())
			}
			*out = append(*out, fe)
			continue
		}
		if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() && obj[k] != nil {
			if first, ok := oneofs[o]; ok {
				*out = append(*out, FieldError{Path: p, Field: k, Value: obj[k], OneOf: oneofNames(o),
					Problem: fmt.Sprintf("is set together with %s; Istio's CRD allows only one of %s", first, strings.Join(oneofNames(o), ", "))})
			} else {
				oneofs[o] = k
			}
		}
		walkField(out, p, obj[k], fd)
	}
}

// crdProtoNames are the proto field names Istio's CRD declares beside
// their JSON names (deprecated spellings it keeps accepting).
var crdProtoNames = map[protoreflect.FullName]bool{
	"istio.networking.v1alpha3.HTTPRoute.mirror_percent": true,
}

// fieldByName returns the field of md that the CRD declares as key.
func fieldByName(md protoreflect.MessageDescriptor, key string) protoreflect.FieldDescriptor {
	if fd := md.Fields().ByJSONName(key); fd != nil {
		return fd
	}
	if fd := md.Fields().ByName(protoreflect.Name(key)); fd != nil && crdProtoNames[fd.FullName()] {
		return fd
	}
	return nil
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func oneofNames(o protoreflect.OneofDescriptor) []string {
	names := make([]string, o.Fields().Len())
	for i := range names {
		names[i] = o.Fields().Get(i).JSONName()
	}
	return names
}

func walkField(out *[]FieldError, path string, v any, fd protoreflect.FieldDescriptor) {
	if v == nil {
		return // the API server drops a null; protojson leaves the field unset
	}
	switch {
	case fd.IsMap():
		m, ok := v.(map[string]any)
		if !ok {
			*out = append(*out, typeError(path, v, "object"))
			return
		}
		for _, k := range sortedMapKeys(m) {
			walkValue(out, path+"."+k, m[k], fd.MapValue())
		}
	case fd.IsList():
		l, ok := v.([]any)
		if !ok {
			*out = append(*out, typeError(path, v, "array"))
			return
		}
		for i, x := range l {
			walkValue(out, fmt.Sprintf("%s[%d]", path, i), x, fd)
		}
	default:
		walkValue(out, path, v, fd)
	}
}

// walkValue checks one value of fd's element type (a list or map element,
// or a singular field).
func walkValue(out *[]FieldError, path string, v any, fd protoreflect.FieldDescriptor) {
	if v == nil {
		return
	}
	if k := fd.Kind(); k == protoreflect.MessageKind || k == protoreflect.GroupKind {
		md := fd.Message()
		if s, ok := wellKnown[md.FullName()]; ok {
			checkScalar(out, path, v, s)
			return
		}
		walkMessage(out, path, v, md)
		return
	}
	checkScalar(out, path, v, scalarOf(fd))
}

// scalar is what the CRD declares for a scalar field.
type scalar struct {
	typ  string // "integer", "number", "boolean", "string"; "" for any value
	rng  intRange
	enum protoreflect.EnumDescriptor
}

// intRange bounds an integer field: the CRD sets format int32 (which the
// API server checks) or a minimum and maximum.
type intRange struct {
	min, max float64
	name     string
}

var (
	int32Range  = intRange{math.MinInt32, math.MaxInt32, "an int32"}
	uint32Range = intRange{0, math.MaxUint32, "a uint32"}
	int64Range  = intRange{math.MinInt64, math.MaxInt64, "an int64"}
	uint64Range = intRange{0, math.MaxInt64, "a uint64"} // JSON numbers the API server keeps
)

// scalarOf is the CRD declaration of a scalar proto field.
func scalarOf(fd protoreflect.FieldDescriptor) scalar {
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return scalar{typ: "integer", rng: int32Range}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return scalar{typ: "integer", rng: uint32Range}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return scalar{typ: "integer", rng: int64Range}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return scalar{typ: "integer", rng: uint64Range}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return scalar{typ: "number"}
	case protoreflect.BoolKind:
		return scalar{typ: "boolean"}
	case protoreflect.EnumKind:
		return scalar{typ: "string", enum: fd.Enum()}
	}
	return scalar{typ: "string"} // string, bytes
}

// wellKnown are the protobuf message types the CRD declares as scalars:
// wrappers are nullable scalars; Struct, Value and Any hold anything.
var wellKnown = map[protoreflect.FullName]scalar{
	"google.protobuf.Duration":    {typ: "string"},
	"google.protobuf.Timestamp":   {typ: "string"},
	"google.protobuf.StringValue": {typ: "string"},
	"google.protobuf.BytesValue":  {typ: "string"},
	"google.protobuf.BoolValue":   {typ: "boolean"},
	"google.protobuf.DoubleValue": {typ: "number"},
	"google.protobuf.FloatValue":  {typ: "number"},
	"google.protobuf.Int32Value":  {typ: "integer", rng: int32Range},
	"google.protobuf.UInt32Value": {typ: "integer", rng: uint32Range},
	"google.protobuf.Int64Value":  {typ: "integer", rng: int64Range},
	"google.protobuf.UInt64Value": {typ: "integer", rng: uint64Range},
	"google.protobuf.Struct":      {},
	"google.protobuf.Value":       {},
	"google.protobuf.ListValue":   {},
	"google.protobuf.Any":         {},
	"google.protobuf.Empty":       {},
}

func checkScalar(out *[]FieldError, path string, v any, s scalar) {
	bad := func(problem string) {
		*out = append(*out, FieldError{Path: path, Field: lastKey(path), Value: v, Want: s.typ, Problem: problem})
	}
	switch s.typ {
	case "":
		return
	case "integer":
		var f float64
		switch x := v.(type) {
		case int64:
			f = float64(x)
		case float64:
			if x != math.Trunc(x) || math.IsInf(x, 0) {
				bad(fmt.Sprintf("is %v, not an integer", x))
				return
			}
			f = x // 90.0: the API server takes a number without a fraction
		default:
			bad(mismatch(v, s.typ))
			return
		}
		if f < s.rng.min || f > s.rng.max {
			rng := fmt.Sprintf("%.0f to %.0f", s.rng.min, s.rng.max)
			*out = append(*out, FieldError{Path: path, Field: lastKey(path), Value: v, Want: s.typ, Range: rng,
				Problem: fmt.Sprintf("is %v, out of range for %s (%s)", v, s.rng.name, rng)})
		}
	case "number":
		switch v.(type) {
		case int64, float64:
		default:
			bad(mismatch(v, s.typ))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad(mismatch(v, s.typ))
		}
	case "string":
		str, ok := v.(string)
		switch {
		case s.enum != nil && (!ok || s.enum.Values().ByName(protoreflect.Name(str)) == nil):
			names := enumNames(s.enum)
			problem := fmt.Sprintf("is %q, not one of %s", str, strings.Join(names, ", "))
			if !ok {
				problem = mismatch(v, s.typ) + " (an enum name)"
			}
			*out = append(*out, FieldError{Path: path, Field: lastKey(path), Value: v, Want: s.typ, Allowed: names, Problem: problem})
		case !ok:
			bad(mismatch(v, s.typ))
		}
	}
}

func enumNames(e protoreflect.EnumDescriptor) []string {
	vals := e.Values()
	names := make([]string, vals.Len())
	for i := range names {
		names[i] = string(vals.Get(i).Name())
	}
	return names
}

func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

func typeError(path string, v any, want string) FieldError {
	return FieldError{Path: path, Field: lastKey(path), Value: v, Want: want, Problem: mismatch(v, want)}
}
