package mesh

import (
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	networking "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/source"
)

// Group is the API group of Istio's networking objects.
const Group = "networking.istio.io"

// Kinds of Istio networking objects the model reads.
const (
	KindVirtualService  = "VirtualService"
	KindDestinationRule = "DestinationRule"
	KindGateway         = "Gateway"
	KindServiceEntry    = "ServiceEntry"
)

// versions are the served versions of networking.istio.io; all share one schema.
var versions = map[string]bool{"v1": true, "v1beta1": true, "v1alpha3": true}

// IsNetworking reports whether obj is any networking.istio.io object
// (including kinds the model does not read, such as Sidecar or EnvoyFilter).
func IsNetworking(obj *unstructured.Unstructured) bool {
	group, _, _ := strings.Cut(obj.GetAPIVersion(), "/")
	return group == Group
}

// istioKind returns the kind when obj is one of the networking kinds the model
// reads, at a version Istio serves.
func istioKind(obj *unstructured.Unstructured) (string, bool) {
	group, version, ok := strings.Cut(obj.GetAPIVersion(), "/")
	if !ok || group != Group || !versions[version] {
		return "", false
	}
	switch k := obj.GetKind(); k {
	case KindVirtualService, KindDestinationRule, KindGateway, KindServiceEntry:
		return k, true
	}
	return "", false
}

// Meta identifies a parsed object and where it came from.
type Meta struct {
	Kind      string
	Name      string
	Namespace string // metadata.namespace, or the default namespace when empty
	Source    source.Provenance
	// Owner names who applies the object (the Argo CD Application), if known.
	Owner string
	// Fields are the spec's fields that Istio's CRD schema refuses (a
	// quoted number, an unknown enum name or field) although Istio's Go
	// decoder may read them: the API server refuses the object.
	Fields []FieldError
}

// Ref is "namespace/name".
func (m Meta) Ref() string { return m.Namespace + "/" + m.Name }

func metaOf(obj source.Object, defaultNS string) Meta {
	ns := obj.GetNamespace()
	if ns == "" {
		ns = defaultNS
	}
	return Meta{Kind: obj.GetKind(), Name: obj.GetName(), Namespace: ns, Source: obj.Source}
}

// VirtualService is a parsed networking.istio.io VirtualService.
type VirtualService struct {
	Meta
	Spec *networking.VirtualService
}

// DestinationRule is a parsed networking.istio.io DestinationRule.
type DestinationRule struct {
	Meta
	Spec *networking.DestinationRule
}

// Gateway is a parsed networking.istio.io Gateway.
type Gateway struct {
	Meta
	Spec *networking.Gateway
}

// ServiceEntry is a parsed networking.istio.io ServiceEntry.
type ServiceEntry struct {
	Meta
	Spec *networking.ServiceEntry
}

// ParseError is an Istio object whose spec does not decode into the Istio
// schema (Istio's validation would reject it).
type ParseError struct {
	Meta
	Err error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: %s %s: %v", e.Source, e.Kind, e.Ref(), e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// decodeSpec converts obj's spec into an istio.io/api message through JSON,
// which is how the Istio types decode (jsonpb, unknown fields allowed), and
// records what the API server would refuse although jsonpb accepts it.
func decodeSpec(obj source.Object, defaultNS string, into protoreflect.ProtoMessage) (Meta, error) {
	m := metaOf(obj, defaultNS)
	spec, ok := obj.Object["spec"]
	if !ok || spec == nil {
		spec = map[string]any{}
	}
	m.Fields = fieldErrors(spec, into.ProtoReflect().Descriptor())
	b, err := json.Marshal(spec)
	if err != nil {
		return m, &ParseError{Meta: m, Err: fmt.Errorf("encoding spec: %w", err)}
	}
	if err := json.Unmarshal(b, into); err != nil {
		return m, &ParseError{Meta: m, Err: fmt.Errorf("decoding spec: %w", err)}
	}
	return m, nil
}

// ParseVirtualService parses obj (any served version) into a VirtualService.
// defaultNS is used when the object has no namespace (Argo CD applies it to
// the Application's destination namespace).
func ParseVirtualService(obj source.Object, defaultNS string) (*VirtualService, error) {
	if err := expect(obj, KindVirtualService); err != nil {
		return nil, err
	}
	vs := &VirtualService{Spec: &networking.VirtualService{}}
	m, err := decodeSpec(obj, defaultNS, vs.Spec)
	vs.Meta = m
	return vs, err
}

// ParseDestinationRule parses obj into a DestinationRule.
func ParseDestinationRule(obj source.Object, defaultNS string) (*DestinationRule, error) {
	if err := expect(obj, KindDestinationRule); err != nil {
		return nil, err
	}
	dr := &DestinationRule{Spec: &networking.DestinationRule{}}
	m, err := decodeSpec(obj, defaultNS, dr.Spec)
	dr.Meta = m
	return dr, err
}

// ParseGateway parses obj into a Gateway.
func ParseGateway(obj source.Object, defaultNS string) (*Gateway, error) {
	if err := expect(obj, KindGateway); err != nil {
		return nil, err
	}
	gw := &Gateway{Spec: &networking.Gateway{}}
	m, err := decodeSpec(obj, defaultNS, gw.Spec)
	gw.Meta = m
	return gw, err
}

// ParseServiceEntry parses obj into a ServiceEntry.
func ParseServiceEntry(obj source.Object, defaultNS string) (*ServiceEntry, error) {
	if err := expect(obj, KindServiceEntry); err != nil {
		return nil, err
	}
	se := &ServiceEntry{Spec: &networking.ServiceEntry{}}
	m, err := decodeSpec(obj, defaultNS, se.Spec)
	se.Meta = m
	return se, err
}

func expect(obj source.Object, kind string) error {
	if obj.Unstructured == nil {
		return fmt.Errorf("nil object, want %s", kind)
	}
	k, ok := istioKind(obj.Unstructured)
	if !ok || k != kind {
		return fmt.Errorf("%s: %s %s is not a %s.%s (v1, v1beta1 or v1alpha3)",
			obj.Source, obj.GetAPIVersion(), obj.GetKind(), kind, Group)
	}
	return nil
}
