package verify

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
)

var namespaceKind = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}

func checkSubsets(ctx context.Context, s *State) Result {
	if r, ok := s.needs("virtualservice"); !ok {
		return r
	}
	if len(s.targets) == 0 {
		return skipped("no in-cluster destination to check")
	}
	var namespaces []string
	for _, t := range s.targets {
		_, ns, _ := mesh.ServiceName(t.Host)
		namespaces = append(namespaces, ns, t.VS.Namespace)
	}
	var err error
	if s.liveModel, err = kube.LiveModel(ctx, s.Cluster, namespaces...); err != nil {
		return errorResult("reading the live DestinationRules, Services and workloads", err)
	}
	r := Result{Status: Pass}
	var ok []string
	var evidence []SubsetEvidence
	for ti := range s.targets {
		t := &s.targets[ti]
		for si := range t.Subsets {
			sub := &t.Subsets[si]
			if sub.Name == "" {
				continue // a destination without subset: the whole Service
			}
			dr, info, found := s.liveModel.Subset(t.Host, sub.Name)
			_, gitInfo, inGit := s.gitModel.Subset(t.Host, sub.Name)
			switch {
			case !found && dr == nil:
				r.Status = Fail
				r.Details = append(r.Details, fmt.Sprintf("%s: no live DestinationRule for %s", subsetKey(t.Host, sub.Name), t.Host))
			case !found:
				r.Status = Fail
				r.Details = append(r.Details, fmt.Sprintf("%s: live DestinationRule %s has no subset %q", subsetKey(t.Host, sub.Name), dr.Ref(), sub.Name))
			case inGit && !maps.Equal(info.Labels, gitInfo.Labels):
				r.Status = Fail
				r.Details = append(r.Details, fmt.Sprintf("%s: live labels %v, Git %v", subsetKey(t.Host, sub.Name), info.Labels, gitInfo.Labels))
			default:
				ok = append(ok, fmt.Sprintf("%s %v", subsetKey(t.Host, sub.Name), info.Labels))
			}
			sub.Labels = info.Labels
			if !found && inGit {
				sub.Labels = gitInfo.Labels
			}
			sv := s.liveModel.SubsetVersion(t.Host, sub.Name, sub.Labels)
			sub.Version = sv.Version
			evidence = append(evidence, SubsetEvidence{Host: t.Host, Labels: sub.Labels, SubsetVersion: sv})
			r.Details = append(r.Details, versionNote(subsetKey(t.Host, sub.Name), sv)...)
		}
	}
	r.Evidence = map[string]any{"subsets": evidence}
	if r.Status == Pass {
		r.Summary = strings.Join(ok, ", ")
		return r
	}
	r.Summary = "the VirtualService routes to subsets that no live DestinationRule defines as Git does"
	r.Cause = "Envoy answers requests for an undefined subset with 503 (no healthy upstream / NR): the DestinationRule is missing, not applied, or drifted"
	r.Fix = "apply the DestinationRule from Git (check the objects-live and files-applied checks); apply DestinationRules before VirtualServices that use their subsets"
	return r
}

// SubsetEvidence is how verify measures one subset's traffic: the series
// destination_version=Version, and how that version was found.
type SubsetEvidence struct {
	Host   string            `json:"host"`
	Labels map[string]string `json:"labels,omitempty"`
	mesh.SubsetVersion
}

// versionNote explains a version that is a guess or not the only one.
func versionNote(key string, sv mesh.SubsetVersion) []string {
	switch {
	case sv.Source == mesh.VersionAssumed:
		return []string{fmt.Sprintf("%s: no live workload matches the subset's labels; its traffic is assumed to be reported as destination_version=%q", key, sv.Version)}
	case len(sv.Others) > 0:
		return []string{fmt.Sprintf("%s: the subset's workloads report several versions (%s); the split is measured on %s",
			key, strings.Join(append([]string{sv.Version}, sv.Others...), ", "), sv.Version)}
	}
	return nil
}

func checkPods(ctx context.Context, s *State) Result {
	if r, ok := s.needs("destinationrule"); !ok {
		return r
	}
	r := Result{Status: Pass}
	var ok []string
	noSidecar := map[string]bool{}
	for _, t := range s.targets {
		name, ns, _ := mesh.ServiceName(t.Host)
		sel, err := s.Cluster.ServiceSelector(ctx, ns, name)
		if err != nil {
			return errorResult("reading Service "+ns+"/"+name, err)
		}
		if sel == nil {
			r.Status = Fail
			r.Details = append(r.Details, fmt.Sprintf("Service %s/%s does not exist", ns, name))
			continue
		}
		for _, sub := range t.Subsets {
			pods, err := s.Cluster.SubsetPods(ctx, ns, sel, sub.Labels)
			if err != nil {
				return errorResult("listing pods of "+subsetKey(t.Host, sub.Name), err)
			}
			key := subsetKey(t.Host, sub.Name)
			good, bad := 0, []string{}
			for _, p := range pods {
				switch {
				case p.OK():
					good++
				case !p.Sidecar:
					noSidecar[ns] = true
					bad = append(bad, fmt.Sprintf("%s %s %s without istio-proxy", p.Name, p.Phase, p.ReadyContainers))
				default:
					bad = append(bad, fmt.Sprintf("%s %s %s%s", p.Name, p.Phase, p.ReadyContainers, deleting(p)))
				}
			}
			switch {
			case len(pods) == 0 && sub.Percent > 0:
				r.Status = Fail
				r.Details = append(r.Details, fmt.Sprintf("%s (%.0f%%): no pods match %v", key, sub.Percent, merged(sel, sub.Labels)))
			case len(bad) > 0:
				r.Status = Fail
				r.Details = append(r.Details, fmt.Sprintf("%s: %d/%d ok; %s", key, good, len(pods), strings.Join(bad, "; ")))
			default:
				ok = append(ok, fmt.Sprintf("%s %d/%d", key, good, len(pods)))
			}
		}
	}
	if r.Status == Pass {
		r.Summary = "Running, Ready, sidecar injected: " + strings.Join(ok, ", ")
		return r
	}
	r.Summary = "subset pods are missing, not ready, or without sidecar"
	if len(noSidecar) > 0 {
		r.Cause, r.Fix = s.explainSidecars(ctx, noSidecar)
	} else {
		r.Cause = "the workload of a subset is not running or not ready: the subset receives its weight of traffic and fails it"
		r.Fix = "kubectl describe the pods named; check the Deployment's labels against the DestinationRule subset labels"
	}
	return r
}

// explainSidecars reads the namespaces' injection labels: the usual cause
// of pods without istio-proxy.
func (s *State) explainSidecars(ctx context.Context, nss map[string]bool) (cause, fix string) {
	var unlabeled []string
	for ns := range nss {
		u, err := s.Cluster.Get(ctx, namespaceKind, "", ns)
		if err != nil || u == nil {
			continue
		}
		l := u.GetLabels()
		if l[mesh.InjectionLabel] != "enabled" && l[mesh.RevisionLabel] == "" {
			unlabeled = append(unlabeled, ns)
		}
	}
	sort.Strings(unlabeled)
	if len(unlabeled) > 0 {
		return fmt.Sprintf("namespace %s has no istio-injection=enabled label, so pods start without the sidecar: traffic to them bypasses the mesh (no routing by weight, no metrics)", strings.Join(unlabeled, ", ")),
			fmt.Sprintf("kubectl label namespace %s istio-injection=enabled (better: in Git), then kubectl rollout restart the Deployments", strings.Join(unlabeled, " "))
	}
	return "the pods were created before injection was enabled, or opt out (sidecar.istio.io/inject: \"false\")",
		"kubectl rollout restart the Deployments; remove any sidecar.istio.io/inject=false"
}

func merged(a, b map[string]string) map[string]string {
	m := maps.Clone(a)
	if m == nil {
		m = map[string]string{}
	}
	maps.Copy(m, b)
	return m
}

func deleting(p kube.Pod) string {
	if p.Deleting {
		return " (terminating)"
	}
	return ""
}
