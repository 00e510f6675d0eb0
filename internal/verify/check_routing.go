package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
)

func checkVirtualServices(ctx context.Context, s *State) Result {
	if r, ok := s.needs("git"); !ok {
		return r
	}
	s.gitModel = mesh.Build(s.Objects, s.DestNS)
	var vss []*mesh.VirtualService
	for _, vs := range s.gitModel.VirtualServices {
		if s.VirtualService == "" || vs.Name == s.VirtualService {
			vss = append(vss, vs)
		}
	}
	if len(vss) == 0 {
		return s.noVirtualService()
	}
	r := Result{Status: Pass}
	var summaries []string
	s.weightsSince = map[string]time.Time{}
	for _, vs := range vss {
		live, u, err := kube.LiveVirtualService(ctx, s.Cluster, vs.Namespace, vs.Name)
		switch {
		case err != nil && u != nil:
			r.Status = Fail
			r.Details = append(r.Details, fmt.Sprintf("%s: live object does not parse: %v", vs.Ref(), err))
			continue
		case err != nil:
			return errorResult("reading VirtualService "+vs.Ref(), err)
		case live == nil:
			r.Status = Fail
			r.Details = append(r.Details, fmt.Sprintf("%s (%s): not live", vs.Ref(), vs.Source))
			continue
		}
		since := lastWrite(u)
		gitW, liveW := weights(vs), weights(live)
		for _, t := range targetsOf(vs, live) {
			s.targets = append(s.targets, t)
			s.weightsSince[t.Host] = since
		}
		diff := diffWeights(gitW, liveW)
		// istiod's view counts spec writes only (istiod.WantFor).
		s.liveVSs = append(s.liveVSs, liveVS{Ref: vs.Ref(), Namespace: vs.Namespace, Name: vs.Name,
			RV: u.GetResourceVersion(), WrittenAt: istiod.WantFor(u).WrittenAt, MatchesGit: len(diff) == 0})
		if len(diff) > 0 {
			r.Status = Fail
			for _, d := range diff {
				r.Details = append(r.Details, vs.Ref()+" "+d)
			}
			continue
		}
		summaries = append(summaries, fmt.Sprintf("%s %s", vs.Ref(), formatWeights(gitW)))
	}
	r.Evidence = map[string]any{"virtualServices": summaries}
	if r.Status == Pass {
		r.Summary = "live == Git: " + strings.Join(summaries, "; ")
		return r
	}
	r.Summary = "live VirtualService differs from Git"
	switch msg := syncFailure(s.Application, s.Checkout.SHA); {
	case msg != "":
		r.Cause = "Argo CD's last sync failed, so the previous VirtualService is still live: " + refusal(msg)
		r.Fix = "fix the manifest (gitshift check flags it before a push) and push a new commit"
	case !s.Application.Automated():
		r.Cause = "drift: the live weights are not Git's, and the Application uses manual sync"
		r.Fix = "argocd app sync " + s.App + " to restore Git's weights (change weights only by commit: gitshift shift)"
	case !s.Application.SelfHeal():
		r.Cause = "drift: the live VirtualService was edited (kubectl edit/apply) and selfHeal is off, so Argo CD leaves the edit in place"
		r.Fix = "argocd app sync " + s.App + " to restore Git's weights, and set syncPolicy.automated.selfHeal: true"
	default:
		r.Cause = "Argo CD has not applied Git's weights yet (stale sync) or something else writes the VirtualService (a controller fighting Argo CD)"
		r.Fix = "run with --refresh; check managedFields of the live VirtualService for another writer"
	}
	return r
}

// noVirtualService explains a VirtualService that Git has but Argo CD does
// not render, e.g. one in a skipped subdirectory.
func (s *State) noVirtualService() Result {
	var found []string
	for _, o := range s.Unapplied {
		if o.Unstructured != nil && o.GetKind() == mesh.KindVirtualService && (s.VirtualService == "" || o.GetName() == s.VirtualService) {
			found = append(found, fmt.Sprintf("%s (%s)", o.GetName(), o.Source))
		}
	}
	if len(found) > 0 {
		return Result{Status: Fail,
			Summary: fmt.Sprintf("VirtualService %s: in Git, but in files Argo CD does not apply", strings.Join(found, ", ")),
			Cause:   "the files are in subdirectories and the directory source does not recurse",
			Fix:     "set spec.source.directory.recurse: true in the Application"}
	}
	if s.VirtualService != "" {
		return Result{Status: Fail, Summary: fmt.Sprintf("no VirtualService %s in what Argo CD renders from Git", s.VirtualService),
			Fix: "check --virtualservice and the Application's source path"}
	}
	return skipped("Git renders no VirtualService")
}

// weights maps "route host/subset" to the written weight and the share of
// the route's traffic it means.
func weights(vs *mesh.VirtualService) map[string]weight {
	out := map[string]weight{}
	for _, row := range mesh.TrafficTable(vs) {
		out[row.Route+" "+subsetKey(row.Host, row.Subset)] = weight{row.Weight, row.Percent}
	}
	return out
}

type weight struct {
	Written int32
	Percent float64
}

func subsetKey(host, subset string) string {
	name, _, ok := mesh.ServiceName(host)
	if !ok {
		name = host
	}
	if subset == "" {
		return name
	}
	return name + "/" + subset
}

func diffWeights(git, live map[string]weight) []string {
	var out []string
	for k, g := range git {
		if l, ok := live[k]; !ok {
			out = append(out, fmt.Sprintf("%s: Git %d, live has no such destination", k, g.Written))
		} else if l.Written != g.Written {
			out = append(out, fmt.Sprintf("%s: Git %d, live %d", k, g.Written, l.Written))
		}
	}
	for k, l := range live {
		if _, ok := git[k]; !ok {
			out = append(out, fmt.Sprintf("%s: live %d, not in Git", k, l.Written))
		}
	}
	sort.Strings(out)
	return out
}

// formatWeights shows each destination's share ("http[0] reviews/v3 10%").
func formatWeights(w map[string]weight) string {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %g%%", k, w[k].Percent)
	}
	return strings.Join(parts, ", ")
}

// targetsOf picks, per in-cluster host, the route whose split verify can
// judge: the last HTTP route without match conditions (the catch-all that
// carries ordinary traffic), else the first route to the host.
func targetsOf(vs, live *mesh.VirtualService) []target {
	byHost := map[string]*target{}
	var order []string
	for _, rt := range vs.Routes() {
		if rt.Delegate != "" {
			continue
		}
		catchAll := rt.Protocol == mesh.HTTP && len(vs.Spec.GetHttp()[rt.Index].GetMatch()) == 0
		split := map[string]map[string]float64{}
		for _, d := range rt.Destinations {
			if _, _, ok := mesh.ServiceName(d.FQDN); !ok {
				continue
			}
			if split[d.FQDN] == nil {
				split[d.FQDN] = map[string]float64{}
			}
			split[d.FQDN][d.Subset] += d.Percent
		}
		for host, subsets := range split {
			t, seen := byHost[host]
			if seen {
				t.OtherRoutes = true
				if !catchAll {
					continue
				}
			} else {
				order = append(order, host)
				t = &target{}
				byHost[host] = t
			}
			t.VS, t.Live, t.Host, t.Route, t.Subsets, t.HTTPIndex = vs, live, host, rt.Label(), nil, -1
			if rt.Protocol == mesh.HTTP {
				t.HTTPIndex = rt.Index
			}
			for name, p := range subsets {
				t.Subsets = append(t.Subsets, subsetWeight{Name: name, Percent: p})
			}
			sort.Slice(t.Subsets, func(i, j int) bool { return t.Subsets[i].Name < t.Subsets[j].Name })
		}
	}
	sort.Strings(order)
	out := make([]target, 0, len(order))
	for _, h := range order {
		out = append(out, *byHost[h])
	}
	return out
}

// lastWrite is when the live object was last written, from managedFields:
// the moment the live weights took effect, whoever wrote them.
func lastWrite(u *unstructured.Unstructured) time.Time {
	var t time.Time
	for _, mf := range u.GetManagedFields() {
		if mf.Time != nil && mf.Time.After(t) {
			t = mf.Time.Time
		}
	}
	if t.IsZero() {
		t = u.GetCreationTimestamp().Time
	}
	return t
}
