package verify

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/source"
)

// missingObject is a Git object not found live, with where it comes from.
type missingObject struct {
	Ref    string `json:"ref"`
	File   string `json:"file"`
	Reason string `json:"reason,omitempty"`
}

func (m missingObject) String() string {
	s := m.Ref + " (" + m.File + ")"
	if m.Reason != "" {
		s += ": " + m.Reason
	}
	return s
}

// lookupAll finds each object live; it stops at the first error that means
// the API server cannot be asked.
func (s *State) lookupAll(ctx context.Context, objs []source.Object) (found int, missing []missingObject, err error) {
	for _, o := range objs {
		if o.Unstructured == nil {
			missing = append(missing, missingObject{Ref: "(objects not parsed)", File: o.Source.File})
			continue
		}
		l, lerr := s.Cluster.LiveFor(ctx, o.Unstructured, s.DestNS)
		var nk *kube.NoKindError
		switch {
		case errors.As(lerr, &nk):
			missing = append(missing, missingObject{Ref: l.Ref.String(), File: o.Source.String(), Reason: "kind not served by the API server (CRD not installed?)"})
		case lerr != nil:
			return found, missing, lerr
		case !l.Exists():
			missing = append(missing, missingObject{Ref: l.Ref.String(), File: o.Source.String()})
		default:
			found++
		}
	}
	return found, missing, nil
}

func checkObjectsLive(ctx context.Context, s *State) Result {
	if r, ok := s.needs("git"); !ok {
		return r
	}
	if len(s.Objects) == 0 {
		return skipped("Git renders no objects")
	}
	found, missing, err := s.lookupAll(ctx, s.Objects)
	if err != nil {
		return errorResult("looking up live objects", err)
	}
	ev := map[string]any{"rendered": len(s.Objects), "live": found, "missing": missing}
	if len(missing) == 0 {
		return Result{Status: Pass, Summary: fmt.Sprintf("all %d rendered objects exist live", found), Evidence: ev}
	}
	r := Result{Status: Fail, Summary: fmt.Sprintf("%d of %d objects from Git are not live", len(missing), len(s.Objects)), Evidence: ev}
	for _, m := range missing {
		r.Details = append(r.Details, m.String())
	}
	a := s.Assessment
	switch {
	case a.Live || a.Sync == argocd.SyncSynced:
		managed := map[string]bool{}
		for _, res := range s.Application.Status.Resources {
			managed[res.Kind+"/"+res.Name] = true
		}
		unknown := 0
		for _, o := range s.Objects {
			if o.Unstructured != nil && !managed[o.GetKind()+"/"+o.GetName()] {
				unknown++
			}
		}
		r.Cause = "Synced but never applied: Argo CD reports Synced while objects from Git are not in the cluster"
		if unknown > 0 {
			r.Cause += fmt.Sprintf("; %d of them are not among the Application's resources, so Argo CD renders this revision differently (other source settings, resource exclusions, a different revision)", unknown)
		}
		r.Fix = "compare `argocd app manifests " + s.App + "` with `gitshift render`; check the Application's source (path, directory.recurse/include/exclude) and resource.exclusions in argocd-cm"
	case !s.Application.Automated():
		r.Cause = "the Application uses manual sync and has not been synced since these objects were added"
		r.Fix = "argocd app sync " + s.App
	default:
		r.Cause = "Argo CD has not applied this revision yet (see the argocd check)"
		r.Fix = "run with --refresh or --wait"
	}
	return r
}

// checkFilesApplied is the reverse direction: manifests Git has in
// subdirectories that a non-recursive directory source silently skips.
// That is the seed project's pitfall: Synced, Healthy, and the canary
// manifests in base/ and canary/ never applied.
func checkFilesApplied(ctx context.Context, s *State) Result {
	if r, ok := s.needs("git"); !ok {
		return r
	}
	var notApplied []string
	for _, res := range s.Renders {
		for _, ig := range res.Ignored {
			switch ig.Reason {
			case source.IgnoredExcluded, source.IgnoredNotIncluded:
				notApplied = append(notApplied, ig.File+" ("+string(ig.Reason)+")")
			}
		}
	}
	if len(s.Unapplied) == 0 {
		sum := "every manifest under the source path is applied"
		if len(notApplied) > 0 {
			sum = fmt.Sprintf("no manifest skipped by recursion; %s excluded on purpose by include/exclude", plural(len(notApplied), "file"))
		}
		return Result{Status: Pass, Summary: sum, Details: notApplied}
	}
	files := map[string][]string{}
	var withObjects []source.Object
	for _, o := range s.Unapplied {
		if o.Unstructured == nil {
			files[o.Source.File] = append(files[o.Source.File], "")
			continue
		}
		files[o.Source.File] = append(files[o.Source.File], o.GetKind()+" "+o.GetName())
		withObjects = append(withObjects, o)
	}
	_, missing, err := s.lookupAll(ctx, withObjects)
	if err != nil {
		return errorResult("looking up live objects", err)
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	r := Result{Status: Fail, Evidence: map[string]any{"files": names, "missingLive": missing}}
	for _, f := range names {
		r.Details = append(r.Details, f+": "+strings.Trim(strings.Join(files[f], ", "), ", "))
	}
	path := "."
	if len(s.Renders) > 0 {
		path = s.Renders[0].Path
	}
	synced := ""
	if s.Assessment.Sync == argocd.SyncSynced {
		synced = "Synced but never applied: "
	}
	verb := "are"
	if len(names) == 1 {
		verb = "is"
	}
	r.Summary = fmt.Sprintf("%s%s in subdirectories of %s %s in Git but not applied: %s", synced, plural(len(names), "file"), path, verb, strings.Join(names, ", "))
	r.Cause = fmt.Sprintf("the Application's directory source (path %s) has recurse: false, and Argo CD skips subdirectories silently", path)
	if len(withObjects) > 0 && len(missing) == 0 {
		r.Cause += "; their objects exist live, but were applied by something else and Argo CD will never update them from Git"
	} else if len(missing) > 0 {
		r.Cause += fmt.Sprintf("; %d of their objects do not exist live", len(missing))
	}
	r.Fix = "set spec.source.directory.recurse: true in the Application (or point path/include at these files)"
	return r
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
