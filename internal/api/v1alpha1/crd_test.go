package v1alpha1

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

type oaSchema struct {
	Type                 string              `json:"type"`
	Properties           map[string]oaSchema `json:"properties"`
	Items                *oaSchema           `json:"items"`
	AdditionalProperties *oaSchema           `json:"additionalProperties"`
}

type column struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	JSONPath string `json:"jsonPath"`
	Priority int    `json:"priority"`
}

type crdVersion struct {
	Subresources struct {
		Status *struct{} `json:"status"`
	} `json:"subresources"`
	Columns []column `json:"additionalPrinterColumns"`
	Schema  struct {
		OpenAPIV3Schema oaSchema `json:"openAPIV3Schema"`
	} `json:"schema"`
}

func readCRD(t *testing.T) crdVersion {
	t.Helper()
	b, err := os.ReadFile("../../../config/crd/gitshift.dev_canarypolicies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []crdVersion `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("%d versions", len(crd.Spec.Versions))
	}
	return crd.Spec.Versions[0]
}

// TestCRDStatusMatchesTypes: the status schema and Status agree field by
// field (the spec is policy's TestCRDMatchesTypes), and status is a
// subresource (the controller writes only it).
func TestCRDStatusMatchesTypes(t *testing.T) {
	v := readCRD(t)
	if v.Subresources.Status == nil {
		t.Error("the CRD has no status subresource")
	}
	compare(t, "status", reflect.TypeOf(Status{}), v.Schema.OpenAPIV3Schema.Properties["status"])
}

// TestPrinterColumnsExist: every column's jsonPath names a field of the Go
// type (a typo would show an empty column forever), with the column's type,
// and the columns the issue asks for are there.
func TestPrinterColumnsExist(t *testing.T) {
	v := readCRD(t)
	root := reflect.TypeOf(CanaryPolicy{})
	var names []string
	for _, c := range v.Columns {
		if c.Priority == 0 {
			names = append(names, c.Name)
		}
		typ, ok := fieldAt(root, strings.Split(strings.TrimPrefix(c.JSONPath, "."), "."))
		if !ok {
			t.Errorf("column %s: %s is not a field of CanaryPolicy", c.Name, c.JSONPath)
			continue
		}
		if want := openAPIType(typ); c.Type != want && !(c.Type == "date" && want == "string") {
			t.Errorf("column %s: type %s, field %s is %s", c.Name, c.Type, c.JSONPath, want)
		}
	}
	if got := strings.Join(names, ","); got != "Phase,Step,Canary,Decision,Age" {
		t.Errorf("default columns %s", got)
	}
}

func fieldAt(t reflect.Type, path []string) (reflect.Type, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if len(path) == 0 {
		return t, true
	}
	if t == timeType {
		return nil, false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" && f.Anonymous { // inline (TypeMeta, ObjectMeta)
			if ft, ok := fieldAt(f.Type, path); ok {
				return ft, true
			}
			continue
		}
		if name == path[0] {
			return fieldAt(f.Type, path[1:])
		}
	}
	return nil, false
}

var (
	timeType      = reflect.TypeOf(metav1.Time{})
	conditionType = reflect.TypeOf(metav1.Condition{})
)

func compare(t *testing.T, path string, typ reflect.Type, s oaSchema) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if want := openAPIType(typ); s.Type != want {
		t.Errorf("%s: CRD type %q, Go type %s wants %q", path, s.Type, typ, want)
		return
	}
	switch {
	case typ == timeType:
	case typ.Kind() == reflect.Map:
		if s.AdditionalProperties == nil {
			t.Errorf("%s: map without additionalProperties", path)
			return
		}
		compare(t, path+"{}", typ.Elem(), *s.AdditionalProperties)
	case typ.Kind() == reflect.Slice:
		if s.Items == nil {
			t.Errorf("%s: array without items", path)
			return
		}
		compare(t, path+"[]", typ.Elem(), *s.Items)
	case typ.Kind() == reflect.Struct:
		seen := map[string]bool{}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			seen[name] = true
			ps, ok := s.Properties[name]
			if !ok {
				t.Errorf("%s.%s: in Go types, missing from the CRD", path, name)
				continue
			}
			compare(t, path+"."+name, f.Type, ps)
		}
		var extra []string
		for name := range s.Properties {
			if !seen[name] {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		for _, name := range extra {
			t.Errorf("%s.%s: in the CRD, missing from Go types", path, name)
		}
	}
}

func openAPIType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "unknown:" + t.Kind().String()
}
