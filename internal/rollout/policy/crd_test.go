package policy

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// schema is the part of an OpenAPI v3 schema the agreement test needs.
type schema struct {
	Type       string            `json:"type"`
	Properties map[string]schema `json:"properties"`
	Items      *schema           `json:"items"`
	Required   []string          `json:"required"`
}

// TestCRDMatchesTypes fails when config/crd and types.go disagree on a field
// name, a type or a required field, so the hand-written CRD cannot rot.
func TestCRDMatchesTypes(t *testing.T) {
	b, err := os.ReadFile("../../../config/crd/gitshift.dev_canarypolicies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Group string `json:"group"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema schema `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(b, &crd); err != nil {
		// Strict would reject fields this test does not model; fall back.
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatal(err)
		}
	}
	if crd.Spec.Group != Group || crd.Spec.Names.Kind != Kind || len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != Version {
		t.Fatalf("CRD group/kind/version %s %s %+v", crd.Spec.Group, crd.Spec.Names.Kind, crd.Spec.Versions)
	}
	root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	compare(t, "spec", reflect.TypeOf(Spec{}), root.Properties["spec"])
}

var durationType = reflect.TypeOf(Duration{})

func compare(t *testing.T, path string, typ reflect.Type, s schema) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want := openAPIType(typ)
	if s.Type != want {
		t.Errorf("%s: CRD type %q, Go type %s wants %q", path, s.Type, typ, want)
		return
	}
	switch {
	case typ == durationType:
	case typ.Kind() == reflect.Struct:
		goFields := map[string]reflect.StructField{}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			goFields[name] = f
			ps, ok := s.Properties[name]
			if !ok {
				t.Errorf("%s.%s: in Go types, missing from the CRD", path, name)
				continue
			}
			compare(t, path+"."+name, f.Type, ps)
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Struct && !contains(s.Required, name) {
				t.Errorf("%s.%s: Go field has no omitempty but the CRD does not require it", path, name)
			}
		}
		var extra []string
		for name := range s.Properties {
			if _, ok := goFields[name]; !ok {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		for _, name := range extra {
			t.Errorf("%s.%s: in the CRD, missing from Go types", path, name)
		}
		for _, r := range s.Required {
			if f, ok := goFields[r]; ok && strings.Contains(f.Tag.Get("json"), "omitempty") {
				t.Errorf("%s.%s: required in the CRD but omitempty in Go", path, r)
			}
		}
	case typ.Kind() == reflect.Slice:
		if s.Items == nil {
			t.Errorf("%s: array without items", path)
			return
		}
		compare(t, path+"[]", typ.Elem(), *s.Items)
	}
}

func openAPIType(t reflect.Type) string {
	if t == durationType {
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "unknown:" + t.Kind().String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
