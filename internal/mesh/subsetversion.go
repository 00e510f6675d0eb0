package mesh

import (
	"maps"
	"slices"
)

// VersionSource says how the version of a subset's traffic was found.
type VersionSource string

const (
	// VersionFromSubset: the subset selects on the version label, so every
	// pod it routes to reports that value.
	VersionFromSubset VersionSource = "subset-label"
	// VersionFromWorkloads: the version label of the pod templates of the
	// workloads the subset selects.
	VersionFromWorkloads VersionSource = "workloads"
	// VersionAssumed: no workload matched (none running, none rendered, or
	// none readable), so the subset is assumed to be named like the version
	// it routes to: the convention of Istio's examples (subset v3 selects
	// version: v3). Callers say so when they report it.
	VersionAssumed VersionSource = "subset-name"
)

// SubsetVersion is the destination_version series that carries a subset's
// traffic.
type SubsetVersion struct {
	Subset  string        `json:"subset"`
	Version string        `json:"version"`
	Source  VersionSource `json:"source"`
	// Others are further versions when the selected workloads disagree: the
	// subset's traffic is then spread over several series, and Version is
	// the first of them in sort order.
	Others []string `json:"others,omitempty"`
}

// VersionOf says which destination_version series the traffic of a subset
// lands in. Istio routes the subset to the pods that carry both the
// Service's selector and the subset's labels, and reports each pod's
// ReportedVersion. podLabels are the pod-template labels of the candidate
// workloads (those of the Service's namespace will do: VersionOf selects).
// In order:
//  1. a subset that selects on the version label reports that value;
//  2. else the versions of the workloads the subset selects;
//  3. else, or when the subset has no labels (undefined, or the whole
//     Service, whose traffic no single version carries), the subset's name
//     (VersionAssumed).
func VersionOf(subset string, subsetLabels, serviceSelector map[string]string, podLabels []map[string]string) SubsetVersion {
	assumed := SubsetVersion{Subset: subset, Version: subset, Source: VersionAssumed}
	if v := subsetLabels[VersionLabel]; v != "" {
		return SubsetVersion{Subset: subset, Version: v, Source: VersionFromSubset}
	}
	if len(subsetLabels) == 0 {
		return assumed
	}
	sel := maps.Clone(serviceSelector)
	if sel == nil {
		sel = map[string]string{}
	}
	maps.Copy(sel, subsetLabels)
	seen := map[string]bool{}
	var versions []string
	for _, l := range podLabels {
		if v := ReportedVersion(l); Selects(sel, l) && !seen[v] {
			seen[v] = true
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return assumed
	}
	slices.Sort(versions)
	return SubsetVersion{Subset: subset, Version: versions[0], Source: VersionFromWorkloads, Others: versions[1:]}
}

// SubsetVersion is VersionOf for a subset of the host fqdn, with the
// subset's labels as given (the caller may hold them from another model)
// and the Service and workloads of this model: the Service's selector and
// its namespace's workloads, or, when the model has no such Service, the
// workloads of the namespace the host names.
func (m *Model) SubsetVersion(fqdn, subset string, subsetLabels map[string]string) SubsetVersion {
	var selector map[string]string
	_, ns, _ := ServiceName(fqdn)
	if svc := m.Service(fqdn); svc != nil {
		selector, ns = svc.Selector, svc.Namespace
	}
	ws := m.WorkloadsIn(ns)
	pods := make([]map[string]string, len(ws))
	for i, w := range ws {
		pods[i] = w.PodLabels
	}
	return VersionOf(subset, subsetLabels, selector, pods)
}
