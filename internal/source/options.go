package source

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Options tune Render to one Argo CD deployment.
type Options struct {
	// ArgoCDVersion selects version-dependent behaviour, e.g. "2.14" or
	// "3.1". Empty means the newest behaviour.
	ArgoCDVersion string
	// Helm renders chart templates. Nil uses the engine registered with
	// RegisterHelmEngine (package source/helmengine registers itself).
	Helm HelmEngine
	// MaxCombinedManifestSize mirrors the repo-server's
	// --max-combined-directory-manifests-size; 0 means the default 10M.
	MaxCombinedManifestSize int64
	// Revision is the commit the checkout is at: Argo CD offers it to
	// sources as $ARGOCD_APP_REVISION. Empty when unknown.
	Revision string
	// Repos maps other repositories (NormalizeRepoURL of their URL) to
	// local checkouts, for `$ref` value files of multi-source
	// Applications. Each is its own root: nothing outside it is read.
	Repos map[string]string
	// KubeVersion and APIVersions stand for the destination cluster's,
	// which Argo CD passes to Helm when the source sets none.
	KubeVersion string
	APIVersions []string
	// KustomizeBuildOptions is argocd-cm's kustomize.buildOptions
	// (default none), e.g. "--load-restrictor LoadRestrictionsNone".
	KustomizeBuildOptions string
	// Cache, when set, is shared by the renders of one run: files
	// FindApplicationsCached already read, the repository-wide symlink
	// check done once per root.
	Cache *Cache
}

// DefaultMaxCombinedManifestSize is Argo CD's default limit (10M) on the
// summed size of a directory source's manifest files.
const DefaultMaxCombinedManifestSize = 10 * 1024 * 1024

type version struct{ major, minor int }

// newest is used for an empty ArgoCDVersion: it enables every gated rule.
var newest = version{major: 1 << 20}

func parseVersion(s string) (version, error) {
	if s == "" {
		return newest, nil
	}
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.SplitN(t, ".", 3)
	if len(parts) < 2 {
		parts = append(parts, "0")
	}
	maj, err1 := strconv.Atoi(parts[0])
	min, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || maj < 0 || min < 0 {
		return version{}, fmt.Errorf("invalid Argo CD version %q (want e.g. 2.14 or 3.1)", s)
	}
	return version{maj, min}, nil
}

func (v version) atLeast(major, minor int) bool {
	return v.major > major || (v.major == major && v.minor >= minor)
}

func (o Options) maxSize() int64 {
	if o.MaxCombinedManifestSize > 0 {
		return o.MaxCombinedManifestSize
	}
	return DefaultMaxCombinedManifestSize
}

// NormalizeArgoCDVersion checks a user's Argo CD version ("2.14", "v3.1",
// "2.x", "3") and returns the value for Options.ArgoCDVersion: "" for the
// newest behaviour (3.x), "2.14" for any 2.x (the last 2.x minor).
func NormalizeArgoCDVersion(v string) (string, error) {
	if v == "" || v == "3.x" || v == "3" {
		return "", nil
	}
	if !versionRE.MatchString(v) {
		return "", fmt.Errorf("Argo CD version %q: want e.g. 2.14, 3.1 or 3.x", v)
	}
	if v == "2.x" || v == "2" {
		return "2.14", nil
	}
	return strings.TrimSuffix(v, ".x"), nil
}

var versionRE = regexp.MustCompile(`^v?\d+(\.(\d+|x))?(\.\d+)?$`)
