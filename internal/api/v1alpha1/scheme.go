package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// GroupVersion is gitshift.dev/v1alpha1.
var GroupVersion = schema.GroupVersion{Group: policy.Group, Version: policy.Version}

// AddToScheme registers the types with a scheme.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &CanaryPolicy{}, &CanaryPolicyList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}

// Policy returns the engine's view of p: defaulted and validated
// (policy.Complete), with metadata and a name for messages.
func (p *CanaryPolicy) Policy() (*policy.CanaryPolicy, error) {
	cp := policy.CanaryPolicy{APIVersion: policy.APIVersion, Kind: policy.Kind,
		Metadata: policy.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: p.Labels, Annotations: p.Annotations},
		Spec:     deepCopySpec(p.Spec), File: "CanaryPolicy " + p.Namespace + "/" + p.Name}
	return policy.Complete(cp, policy.Overrides{})
}
