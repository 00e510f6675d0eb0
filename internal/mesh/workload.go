package mesh

import (
	"github.com/gitshift/gitshift/internal/source"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Service is a Kubernetes Service (core/v1).
type Service struct {
	Meta
	Selector map[string]string
	Ports    []int64
	External bool // type ExternalName
}

// Workload is an object that creates pods, with its pod-template labels.
type Workload struct {
	Meta
	PodLabels map[string]string
}

// Namespace is a rendered core/v1 Namespace.
type Namespace struct {
	Meta
	Labels map[string]string
}

// podLabelPaths says where each workload kind keeps its pod-template labels.
var podLabelPaths = map[string][]string{
	"Deployment":  {"spec", "template", "metadata", "labels"},
	"StatefulSet": {"spec", "template", "metadata", "labels"},
	"DaemonSet":   {"spec", "template", "metadata", "labels"},
	"ReplicaSet":  {"spec", "template", "metadata", "labels"},
	"Job":         {"spec", "template", "metadata", "labels"},
	"CronJob":     {"spec", "jobTemplate", "spec", "template", "metadata", "labels"},
	"Rollout":     {"spec", "template", "metadata", "labels"}, // argoproj.io Rollout
	"Pod":         {"metadata", "labels"},
}

func (m *Model) addKube(obj source.Object, defaultNS, owner string) {
	u := obj.Unstructured
	// Each getter walks the object's maps, and Add runs for every object
	// of a repository: look kind up once, meta only for kept objects.
	kind := u.GetKind()
	path, workload := podLabelPaths[kind]
	core := (kind == "Namespace" || kind == "Service") && u.GetAPIVersion() == "v1"
	if !core && !workload {
		return
	}
	meta := metaOf(obj, defaultNS)
	meta.Owner = owner
	switch {
	case core && kind == "Namespace":
		meta.Namespace = ""
		m.Namespaces = append(m.Namespaces, &Namespace{Meta: meta, Labels: u.GetLabels()})
	case core:
		m.Services = append(m.Services, serviceOf(meta, u))
	default:
		labels, _, _ := unstructured.NestedStringMap(u.Object, path...)
		m.Workloads = append(m.Workloads, &Workload{Meta: meta, PodLabels: labels})
	}
}

func serviceOf(meta Meta, u *unstructured.Unstructured) *Service {
	s := &Service{Meta: meta}
	s.Selector, _, _ = unstructured.NestedStringMap(u.Object, "spec", "selector")
	t, _, _ := unstructured.NestedString(u.Object, "spec", "type")
	s.External = t == "ExternalName"
	ports, _, _ := unstructured.NestedSlice(u.Object, "spec", "ports")
	for _, p := range ports {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if n, ok, _ := unstructured.NestedInt64(pm, "port"); ok {
			s.Ports = append(s.Ports, n)
		}
	}
	return s
}

// Selects reports whether every key=value of selector is in labels. An empty
// selector selects nothing (a Service without selector has no endpoints
// from pods).
func Selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// WorkloadsIn returns the workloads in namespace.
func (m *Model) WorkloadsIn(namespace string) []*Workload { return m.idx().workloads[namespace] }

// WorkloadsFor returns the workloads in namespace whose pod labels carry
// every label of the union of the given selectors.
func (m *Model) WorkloadsFor(namespace string, selectors ...map[string]string) []*Workload {
	want := map[string]string{}
	for _, s := range selectors {
		for k, v := range s {
			want[k] = v
		}
	}
	if len(want) == 0 {
		return nil
	}
	// Start from the rarest label pair, then check the whole selector.
	var candidates []*Workload
	first := true
	for k, v := range want {
		ws := m.idx().byLabel[namespace][k+"="+v]
		if first || len(ws) < len(candidates) {
			candidates, first = ws, false
		}
	}
	var out []*Workload
	for _, w := range candidates {
		if Selects(want, w.PodLabels) {
			out = append(out, w)
		}
	}
	return out
}

// Subset returns the subset called name of the most specific DestinationRule
// for fqdn that defines it, with that rule. When no rule defines it, ok is
// false and the rule returned is the most specific one for the host (nil when
// the host has no DestinationRule at all).
func (m *Model) Subset(fqdn, name string) (*DestinationRule, SubsetInfo, bool) {
	drs := m.DestinationRulesFor(fqdn)
	if len(drs) == 0 {
		return nil, SubsetInfo{}, false
	}
	// Istio merges rules for the same host, so any of them may hold the subset.
	for _, dr := range drs {
		if dr.Host() != drs[0].Host() {
			break
		}
		for i, s := range dr.Spec.GetSubsets() {
			if s.GetName() == name {
				return dr, SubsetInfo{Index: i, Name: name, Labels: s.GetLabels()}, true
			}
		}
	}
	return drs[0], SubsetInfo{}, false
}

// SubsetInfo is one subset of a DestinationRule.
type SubsetInfo struct {
	Index  int // position in spec.subsets
	Name   string
	Labels map[string]string
}

// SubsetWorkloads returns the workloads behind subset labels of the Service
// fqdn: same namespace, pod labels a superset of selector + subset labels.
// ok is false when fqdn is not a rendered Kubernetes Service.
func (m *Model) SubsetWorkloads(fqdn string, subsetLabels map[string]string) (ws []*Workload, ok bool) {
	svc := m.Service(fqdn)
	if svc == nil || svc.External || len(svc.Selector) == 0 {
		return nil, false
	}
	return m.WorkloadsFor(svc.Namespace, svc.Selector, subsetLabels), true
}
