package check

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gitshift/gitshift/internal/check"
	"github.com/gitshift/gitshift/internal/source"
	// Helm sources render through Helm's engine, which links client-go; the
	// CLI plugs it in so that source and check stay offline-clean.
	"github.com/gitshift/gitshift/internal/errkind"
	_ "github.com/gitshift/gitshift/internal/source/helmengine"
)

// appSelection is how check and render pick Applications and map their
// repoURLs to the local checkout.
type appSelection struct {
	appFile       string   // --app: an Application manifest kept elsewhere
	repoURL       string   // --repo-url: DIR is a checkout of this URL
	name          string   // --name: only this Application
	argocdVersion string   // --argocd-version
	repoMap       []string // --repo-map URL=DIR
	kubeVersion   string   // --kube-version
	apiVersions   []string // --api-versions
	kustomizeOpts string   // --kustomize-build-options
}

func (s *appSelection) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.appFile, "app", "", "check an Application manifest kept elsewhere (e.g. an app-of-apps repo) against DIR")
	fs.StringVar(&s.repoURL, "repo-url", "", "treat DIR as a checkout of this repository URL (default: DIR's git remote origin)")
	fs.StringVar(&s.name, "name", "", "only the Application with this name")
	fs.StringVar(&s.argocdVersion, "argocd-version", "", "Argo CD version whose behaviour to reproduce, e.g. 2.14 or 3.1 (default: newest, 3.x)")
	fs.StringArrayVar(&s.repoMap, "repo-map", nil, "read repository URL from local directory DIR (URL=DIR, repeatable): other sources of multi-source Applications, $ref value files, a Helm repository's chart (DIR/<chart>)")
	fs.StringVar(&s.kubeVersion, "kube-version", "", "Kubernetes version of the destination cluster, for Helm sources that set no kubeVersion (Argo CD asks the cluster)")
	fs.StringArrayVar(&s.apiVersions, "api-versions", nil, "API versions of the destination cluster (group/version/kind, repeatable), for Helm sources that set no apiVersions")
	fs.StringVar(&s.kustomizeOpts, "kustomize-build-options", "", "argocd-cm's kustomize.buildOptions (default none), e.g. \"--load-restrictor LoadRestrictionsNone\"")
}

// repoMapFlag parses --repo-map values.
func repoMapFlag(vals []string) (map[string]string, error) {
	m := map[string]string{}
	for _, v := range vals {
		url, dir, ok := strings.Cut(v, "=")
		if !ok || url == "" || dir == "" {
			return nil, errkind.Errorf(errkind.Usage, "--repo-map %q: want URL=DIR", v)
		}
		m[url] = dir
	}
	return m, nil
}

// loaded is check.Load's outcome with the flags that explain its skips.
type loaded struct {
	*check.Loaded
	sel appSelection
}

// loadTargets finds the Applications in dir, maps them to the checkout and
// renders them like Argo CD (check.Load).
func loadTargets(ctx context.Context, dir string, sel appSelection) (*loaded, error) {
	version, err := source.NormalizeArgoCDVersion(sel.argocdVersion)
	if err != nil {
		return nil, errkind.Wrap(errkind.Usage, fmt.Errorf("--argocd-version %q: want e.g. 2.14, 3.1 or 3.x", sel.argocdVersion))
	}
	repos, err := repoMapFlag(sel.repoMap)
	if err != nil {
		return nil, err
	}
	l, err := check.Load(ctx, dir, check.Selection{AppFile: sel.appFile, RepoURL: sel.repoURL, Name: sel.name, RepoMap: repos,
		Source: source.Options{ArgoCDVersion: version, KubeVersion: sel.kubeVersion, APIVersions: sel.apiVersions,
			KustomizeBuildOptions: sel.kustomizeOpts}, Logger: slog.Default()})
	var none *check.NoApplicationError
	if errors.As(err, &none) {
		return nil, fmt.Errorf("%w (use --app FILE for an Application kept elsewhere)", err)
	}
	if err != nil {
		var rm *check.RepoMapError
		if errors.As(err, &rm) {
			return nil, fmt.Errorf("--repo-map: %w", err)
		}
		return nil, err
	}
	return &loaded{Loaded: l, sel: sel}, nil
}

// skipReason says why an Application was skipped, naming the flag that
// changes the mapping.
func (l *loaded) skipReason(sk check.Skipped) string {
	switch sk.Cause {
	case check.SkipOtherRepository:
		return fmt.Sprintf("repoURL %s is not --repo-url %s", check.RepoURLs(&sk.App), l.sel.repoURL)
	case check.SkipNotThisCheckout:
		return sk.Reason + "; use --repo-url to override"
	}
	return sk.Reason
}
