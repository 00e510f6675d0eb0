package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/redact"
	"github.com/gitshift/gitshift/internal/source"
)

// Checklist is the ordered table of checks: Git -> Argo CD -> cluster ->
// traffic, as a person would verify a canary by hand.
func Checklist() []Check {
	return []Check{
		{"application", "Argo CD Application", checkApplication},
		{"git", "Git revision rendered", checkGit},
		{"argocd", "Argo CD reconciled the revision", checkArgoCD},
		{"objects-live", "Objects from Git exist live", checkObjectsLive},
		{"files-applied", "Git manifests applied by Argo CD", checkFilesApplied},
		{"virtualservice", "Live VirtualService weights equal Git's", checkVirtualServices},
		{"control-plane", "istiod applied the live VirtualService", checkControlPlane},
		{"destinationrule", "DestinationRule subsets exist live", checkSubsets},
		{"pods", "Subset pods Running/Ready with sidecar", checkPods},
		{"traffic-split", "Observed split matches the weights", checkSplit},
		{"traffic-health", "Errors and latency per subset", checkTrafficHealth},
	}
}

func checkApplication(ctx context.Context, s *State) Result {
	app, err := s.Apps.Get(ctx, s.AppNamespace, s.App)
	if argocd.IsNotFound(err) {
		return Result{Status: Fail, Summary: fmt.Sprintf("no Application %s in namespace %s", s.App, s.AppNamespace),
			Cause: "the name or Argo CD's namespace is wrong, or the Application was deleted",
			Fix:   "check `kubectl get applications -A`; pass --argocd-namespace if Argo CD is not in argocd"}
	}
	if err != nil {
		return errorResult("reading the Application", err)
	}
	s.Application = app
	s.DestNS = app.DestinationNamespace()
	if s.DestNS == "" {
		s.DestNS = s.DefaultNamespace
	}
	sa, err := app.Application()
	if err != nil {
		return errorResult("decoding the Application spec", err)
	}
	s.SourceApp = sa
	s.resolveDestination()
	var srcs []string
	for _, src := range s.SourceApp.Sources {
		srcs = append(srcs, describeSource(src))
	}
	policy := "manual sync"
	if app.Automated() {
		policy = "automated sync, selfHeal " + onOff(app.SelfHeal())
	}
	return Result{Status: Pass,
		Summary:  fmt.Sprintf("%s/%s: %s -> namespace %s (%s)", app.Namespace, app.Name, strings.Join(srcs, " + "), s.DestNS, policy),
		Evidence: map[string]any{"sources": redactedSources(s.SourceApp.Sources), "destination": sa.Destination, "automated": app.Automated(), "selfHeal": app.SelfHeal()}}
}

func describeSource(src source.AppSource) string {
	rev := src.TargetRevision
	if rev == "" {
		rev = "HEAD"
	}
	switch {
	case src.Chart != "":
		return fmt.Sprintf("chart %s %s from %s", src.Chart, rev, redact.URL(src.RepoURL))
	case src.Path == "" && src.Ref != "":
		return fmt.Sprintf("$%s=%s@%s", src.Ref, redact.URL(src.RepoURL), rev)
	}
	d := fmt.Sprintf("%s@%s path %s", redact.URL(src.RepoURL), rev, orDot(src.Path))
	if src.Directory != nil && src.Directory.Recurse {
		d += " (recurse)"
	}
	return d
}

func checkGit(ctx context.Context, s *State) Result {
	if r, ok := s.needs("application"); !ok {
		return r
	}
	repo, rev, srcs, err := s.gitSources()
	if err != nil {
		return Result{Status: Fail, Summary: err.Error(),
			Fix: "pass --repo with the Application's repoURL (or a local clone of it)"}
	}
	co, err := s.Git.Checkout(ctx, repo, rev)
	if err != nil {
		return errorResult("resolving "+rev+" in "+repo, err)
	}
	s.Checkout = co
	files := 0
	var notes []string
	for _, src := range srcs {
		res, err := source.Render(ctx, co.Dir, &s.SourceApp, src, source.Options{ArgoCDVersion: s.ArgoCDVersion})
		var me *source.ManifestError
		var ue *source.UnsupportedError
		switch {
		case errors.As(err, &me):
			return Result{Status: Fail, Summary: fmt.Sprintf("%s at %s does not render: %v", rev, short(co.SHA), err),
				Cause: "Argo CD's repo-server fails on the same file: the Application shows ComparisonError and applies nothing from this commit",
				Fix:   fmt.Sprintf("fix %s and push; `gitshift check` finds these before a merge", me.File)}
		case errors.As(err, &ue):
			notes = append(notes, "not rendered offline: "+ue.Error())
			continue
		case err != nil:
			return errorResult("rendering "+describeSource(src), err)
		}
		s.Renders = append(s.Renders, res)
		s.Objects = append(s.Objects, res.Objects...)
		files += len(res.Files)
		for _, w := range res.Warnings {
			notes = append(notes, fmt.Sprintf("%s: %s (%s)", w.Code, w.Message, w.Source))
		}
		s.Unapplied = append(s.Unapplied, s.unapplied(ctx, co.Dir, src, res)...)
	}
	if len(s.Renders) == 0 {
		return Result{Status: Error, Summary: "no source of the Application can be rendered offline", Details: notes}
	}
	sha := short(co.SHA)
	if co.SHA == "" {
		sha = "(not a git checkout)"
	}
	where := repo
	if co.Local {
		where += " (local)"
	}
	return Result{Status: Pass,
		Summary: fmt.Sprintf("%s = %s in %s: %d objects from %d files (%s)", rev, sha, where, len(s.Objects), files, s.Renders[0].Type),
		Details: notes,
		Evidence: map[string]any{"revision": rev, "sha": co.SHA, "repo": repo, "commitTime": co.Time,
			"objects": len(s.Objects), "files": files}}
}

// gitSources picks the repository to check out and the Application sources
// rendered from it: --repo, else the first source that is a Git path.
func (s *State) gitSources() (repo, rev string, srcs []source.AppSource, err error) {
	var appRepo string
	for _, src := range s.SourceApp.Sources {
		if src.Chart == "" && src.Path != "" {
			appRepo, rev = src.RepoURL, src.TargetRevision
			break
		}
	}
	repo = s.Repo
	local := repo != "" && isDir(repo)
	if repo == "" || local {
		if appRepo == "" {
			return "", "", nil, errors.New("the Application has no Git path source to render")
		}
		if repo == "" {
			repo = appRepo
		}
	} else {
		appRepo = repo
	}
	for _, src := range s.SourceApp.Sources {
		if src.Chart == "" && src.Path != "" && sameRepo(src.RepoURL, appRepo) {
			srcs = append(srcs, src)
		}
	}
	if len(srcs) == 0 {
		return "", "", nil, fmt.Errorf("%s is not a source of Application %s", repo, s.App)
	}
	if s.Revision != "" {
		rev = s.Revision
	}
	if rev == "" {
		rev = "HEAD"
	}
	return repo, rev, srcs, nil
}

// unapplied renders a non-recursive directory source again with recurse on
// and returns the objects of the files Argo CD skipped: what Git has that
// the cluster will never get from this Application.
func (s *State) unapplied(ctx context.Context, dir string, src source.AppSource, res *source.Result) []source.Object {
	skipped := map[string]bool{}
	for _, ig := range res.Ignored {
		if ig.Reason == source.IgnoredRecurseOff {
			skipped[ig.File] = true
		}
	}
	if len(skipped) == 0 {
		return nil
	}
	rec := src
	d := source.DirectorySource{}
	if src.Directory != nil {
		d = *src.Directory
	}
	d.Recurse = true
	rec.Directory = &d
	all, err := source.Render(ctx, dir, &s.SourceApp, rec, source.Options{ArgoCDVersion: s.ArgoCDVersion})
	if err != nil {
		// A subdirectory may hold files that only make sense elsewhere
		// (a chart's templates): name the files without their objects.
		var out []source.Object
		for f := range skipped {
			out = append(out, source.Object{Source: source.Provenance{File: f, Item: -1}})
		}
		return out
	}
	var out []source.Object
	for _, o := range all.Objects {
		if skipped[o.Source.File] {
			out = append(out, o)
		}
	}
	return out
}

func sameRepo(a, b string) bool { return normalizeRepo(a) == normalizeRepo(b) }

// normalizeRepo compares repo URLs as Argo CD does loosely: case, a
// trailing slash and .git do not matter.
func normalizeRepo(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.TrimSuffix(u, "/")
	return strings.TrimSuffix(u, ".git")
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func orDot(p string) string {
	if p == "" {
		return "."
	}
	return p
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// redactedSources are the sources as evidence: repoURLs without credentials.
func redactedSources(srcs []source.AppSource) []source.AppSource {
	out := append([]source.AppSource(nil), srcs...)
	for i := range out {
		out[i].RepoURL = redact.URL(out[i].RepoURL)
	}
	return out
}
