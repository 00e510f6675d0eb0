package v1alpha1

import (
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

type oaSchema struct {
	Type                 string              `json:"type"`
	Required             []string            `json:"required"`
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
	Name         string `json:"name"`
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
			Group string `json:"group"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Versions []crdVersion `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	if crd.Spec.Group != policy.Group || crd.Spec.Names.Kind != policy.Kind || len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != policy.Version {
		t.Fatalf("CRD group/kind/versions %s %s %d", crd.Spec.Group, crd.Spec.Names.Kind, len(crd.Spec.Versions))
	}
	return crd.Spec.Versions[0]
}

// TestCRDMatchesTypes fails when the hand-written CRD and the Go types
// (policy.Spec, Status) disagree on a field name, a type or a required
// field, so the CRD cannot rot; and status must be a subresource (the
// controller writes only it).
func TestCRDMatchesTypes(t *testing.T) {
	v := readCRD(t)
	if v.Subresources.Status == nil {
		t.Error("the CRD has no status subresource")
	}
	root := v.Schema.OpenAPIV3Schema
	compare(t, "spec", reflect.TypeOf(policy.Spec{}), root.Properties["spec"])
	compare(t, "status", reflect.TypeOf(Status{}), root.Properties["status"])
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
	timeType     = reflect.TypeOf(metav1.Time{})
	durationType = reflect.TypeOf(policy.Duration{})
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
	case typ == timeType, typ == durationType:
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
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
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
			omit, required := strings.Contains(opts, "omitempty"), slices.Contains(s.Required, name)
			if !omit && f.Type.Kind() != reflect.Struct && !required {
				t.Errorf("%s.%s: Go field has no omitempty but the CRD does not require it", path, name)
			}
			if omit && required {
				t.Errorf("%s.%s: required in the CRD but omitempty in Go", path, name)
			}
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
	if t == timeType || t == durationType {
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

// TestSampleAsArgoCDReadsIt decodes the controller sample the way Argo CD
// and the API server do (sigs.k8s.io/yaml, YAML 1.1) into the object the
// controller gets, and checks the fields YAML 1.1 could mangle ("on").
func TestSampleAsArgoCDReadsIt(t *testing.T) {
	spec := decodeAsArgoCD(t, "../../../config/samples/canarypolicy-controller.yaml")
	n := spec.Notifications
	if spec.Trigger != policy.TriggerWorkload || len(n) != 2 || strings.Join(n[0].On, ",") != "rollback,abort,promote" || spec.Git.SecretRef.Name != "gitshift-git" {
		t.Errorf("decoded %+v", spec)
	}
}
