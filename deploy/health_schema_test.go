package deploy

import (
	"fmt"
	"os"
	"sort"
	"testing"

	"sigs.k8s.io/yaml"
)

// propSchema is the part of an OpenAPI v3 schema the fixture check needs.
type propSchema struct {
	Type                 string                `json:"type"`
	Properties           map[string]propSchema `json:"properties"`
	Items                *propSchema           `json:"items"`
	AdditionalProperties *propSchema           `json:"additionalProperties"`
	Required             []string              `json:"required"`
	Enum                 []any                 `json:"enum"`
}

// statusSchema reads the status schema of config/crd (the controller's).
func statusSchema(t *testing.T) (propSchema, bool) {
	t.Helper()
	b, err := os.ReadFile(configCRD)
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema propSchema `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("%s: %d versions", configCRD, len(crd.Spec.Versions))
	}
	s, ok := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"]
	return s, ok
}

// conform lists where v breaks s: unknown fields, wrong types, missing
// required fields, values outside an enum.
func conform(path string, v any, s propSchema) []string {
	var errs []string
	switch x := v.(type) {
	case map[string]any:
		if s.Type != "object" {
			return []string{fmt.Sprintf("%s: object, schema says %s", path, s.Type)}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := s.Properties[k]
			if !ok && s.AdditionalProperties != nil {
				ps, ok = *s.AdditionalProperties, true
			}
			if !ok {
				errs = append(errs, fmt.Sprintf("%s.%s: not in the schema", path, k))
				continue
			}
			errs = append(errs, conform(path+"."+k, x[k], ps)...)
		}
		for _, r := range s.Required {
			if _, ok := x[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s.%s: required", path, r))
			}
		}
	case []any:
		if s.Type != "array" || s.Items == nil {
			return []string{fmt.Sprintf("%s: array, schema says %s", path, s.Type)}
		}
		for i, e := range x {
			errs = append(errs, conform(fmt.Sprintf("%s[%d]", path, i), e, *s.Items)...)
		}
	case string:
		if s.Type != "string" {
			errs = append(errs, fmt.Sprintf("%s: string, schema says %s", path, s.Type))
		}
	case bool:
		if s.Type != "boolean" {
			errs = append(errs, fmt.Sprintf("%s: boolean, schema says %s", path, s.Type))
		}
	case int64:
		if s.Type != "integer" && s.Type != "number" {
			errs = append(errs, fmt.Sprintf("%s: integer, schema says %s", path, s.Type))
		}
	case float64:
		if s.Type != "number" {
			errs = append(errs, fmt.Sprintf("%s: number, schema says %s", path, s.Type))
		}
	}
	if len(s.Enum) > 0 {
		found := false
		for _, e := range s.Enum {
			found = found || fmt.Sprint(e) == fmt.Sprint(v)
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", path, v, s.Enum))
		}
	}
	return errs
}

// TestHealthFixturesMatchCRD: the statuses the health check is tested on
// are ones the controller can write, per the CRD's status schema, so a
// renamed status field fails here instead of silently in Argo CD.
func TestHealthFixturesMatchCRD(t *testing.T) {
	s, ok := statusSchema(t)
	if !ok {
		t.Skipf("%s has no status schema yet (the controller branch adds it)", configCRD)
	}
	for _, tt := range healthCases {
		if tt.status == "" {
			continue
		}
		obj := policyObject(t, tt.generation, tt.status)
		for _, e := range conform("status", obj["status"], s) {
			t.Errorf("%s: %s", tt.name, e)
		}
	}
}
