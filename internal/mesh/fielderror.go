package mesh

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FieldError is one field of an Istio object that the API server refuses
// under Istio's CRD schema.
type FieldError struct {
	// Path is the field's YAML path from the object root, e.g.
	// spec.http[0].route[1].weight.
	Path string
	// Field is the last key of Path ("weight").
	Field string
	// Value is the value as Argo CD decodes it (string, int64, float64,
	// bool, map or list).
	Value any
	// Want is the type the CRD declares: "integer", "number", "boolean",
	// "string", "object" or "array"; "" for an unknown field.
	Want string
	// Problem says what is wrong, e.g. `is the string "90", but Istio's
	// CRD declares an integer`.
	Problem string
	// Unknown is set for a field the CRD does not declare; Known names the
	// field's JSON name when Field is its proto name.
	Unknown bool
	Known   string
	// Allowed are the names of an enum field; Range the bounds of an
	// integer that is out of them.
	Allowed []string
	Range   string
	// OneOf are the fields of which the CRD allows only one, when another
	// one is set too.
	OneOf []string
}

func (e FieldError) Error() string {
	return fmt.Sprintf("%s %s", e.Path, e.Problem)
}

// Hint says how to write the field so that the API server accepts it.
func (e FieldError) Hint() string {
	s, isString := e.Value.(string)
	switch {
	case e.Known != "":
		return fmt.Sprintf("write %s: Istio's CRD knows only the JSON field names, and the API server refuses (or with validation off, drops) %s", e.Known, e.Field)
	case e.Unknown:
		return fmt.Sprintf("check the spelling of %s against Istio's API reference: Argo CD's sync fails on an unknown field (strict validation), and with validation off the API server drops it", e.Field)
	case len(e.OneOf) > 0:
		return fmt.Sprintf("keep one of %s: Istio's CRD declares them as alternatives and the API server refuses two", strings.Join(e.OneOf, ", "))
	case len(e.Allowed) > 0:
		return fmt.Sprintf("%s must be one of %s, as a string; the API server refuses other values", e.Field, strings.Join(e.Allowed, ", "))
	case e.Range != "":
		return fmt.Sprintf("%s must be an integer from %s; Istio's CRD declares that range and the API server refuses other values", e.Field, e.Range)
	case isString && e.Want != "string":
		why := fmt.Sprintf("Istio's CRD declares %s and the API server refuses a string", article(e.Want))
		if unquotable(s, e.Want) {
			return fmt.Sprintf("write %s: %s without quotes; %s", e.Field, s, why)
		}
		return fmt.Sprintf("%s must be %s; %s", e.Field, article(e.Want), why)
	case e.Want == "string":
		return fmt.Sprintf("write %s: \"%v\" in quotes; Istio's CRD declares a string and the API server refuses %s", e.Field, e.Value, article(jsonType(e.Value)))
	}
	return fmt.Sprintf("%s must be %s; the API server refuses %s", e.Field, article(e.Want), article(jsonType(e.Value)))
}

// unquotable reports whether the string s, written without quotes, is a
// value of the wanted JSON type (YAML 1.1 reads it so too).
func unquotable(s, want string) bool {
	switch want {
	case "integer":
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	case "number":
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && strings.TrimLeft(s, "+-.0123456789eE") == ""
	case "boolean":
		return s == "true" || s == "false"
	}
	return false
}

func article(t string) string {
	switch t {
	case "integer", "object", "array":
		return "an " + t
	case "":
		return "a value"
	}
	return "a " + t
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, int32, int:
		return "integer"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// mismatch describes a value of the wrong JSON type.
func mismatch(v any, want string) string {
	var got string
	switch x := v.(type) {
	case string:
		got = fmt.Sprintf("the string %q", x)
	case map[string]any:
		got = "an object"
	case []any:
		got = "a list"
	default:
		got = fmt.Sprintf("the %s %v", jsonType(v), v)
	}
	return fmt.Sprintf("is %s, but Istio's CRD declares %s", got, article(want))
}
