package source

import (
	"fmt"
	"strings"
)

// clusterScoped lists common cluster-scoped kinds by API group. Without a
// cluster to ask, this is how gitshift decides that an object without a
// namespace stays without one (Argo CD's controller asks discovery).
var clusterScoped = map[string]map[string]bool{
	"":                             {"Namespace": true, "Node": true, "PersistentVolume": true},
	"rbac.authorization.k8s.io":    {"ClusterRole": true, "ClusterRoleBinding": true},
	"apiextensions.k8s.io":         {"CustomResourceDefinition": true},
	"storage.k8s.io":               {"StorageClass": true, "CSIDriver": true, "VolumeAttachment": true},
	"admissionregistration.k8s.io": {"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true, "ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true},
	"scheduling.k8s.io":            {"PriorityClass": true},
	"networking.k8s.io":            {"IngressClass": true},
	"apiregistration.k8s.io":       {"APIService": true},
}

// IsClusterScoped reports whether apiVersion/kind is a known cluster-scoped
// kind (built-in list; unknown kinds count as namespaced).
func IsClusterScoped(apiVersion, kind string) bool {
	group := ""
	if i := strings.LastIndex(apiVersion, "/"); i >= 0 {
		group = apiVersion[:i]
	}
	return clusterScoped[group][kind]
}

// EffectiveNamespace is the namespace Argo CD's controller applies the
// object in: its own, else destNS for namespaced kinds, else none.
func (o Object) EffectiveNamespace(destNS string) string {
	if ns := o.GetNamespace(); ns != "" {
		return ns
	}
	if IsClusterScoped(o.GetAPIVersion(), o.GetKind()) {
		return ""
	}
	return destNS
}

// Key identifies an object the way Argo CD does when it looks for repeated
// resources: group/kind/namespace/name.
func (o Object) Key(destNS string) string {
	// Concatenation, not Sprintf: dedupe builds a key for every object.
	return o.GroupVersionKind().Group + "/" + o.GetKind() + "/" + o.EffectiveNamespace(destNS) + "/" + o.GetName()
}

// dedupe keeps the last of repeated objects (Argo CD applies the last one)
// and returns a RepeatedResourceWarning for each dropped one.
func dedupe(objs []Object, destNS string) ([]Object, []Warning) {
	last := make(map[string]int, len(objs))
	for i, o := range objs {
		last[o.Key(destNS)] = i
	}
	if len(last) == len(objs) {
		return objs, nil
	}
	out := make([]Object, 0, len(last))
	var warns []Warning
	for i, o := range objs {
		k := o.Key(destNS)
		if j := last[k]; j != i {
			winner := objs[j].Source
			dropped := o.Source
			warns = append(warns, Warning{
				Code:    WarnDuplicate,
				Message: fmt.Sprintf("resource %s appeared multiple times; %s overrides %s", k, winner, dropped),
				Source:  winner,
				Other:   &dropped,
			})
			continue
		}
		out = append(out, o)
	}
	return out, warns
}
