package source

import (
	"os"
	"strings"
)

// argoEnv is the build environment Argo CD's repo-server gives one source
// (reposerver newEnv): it is substituted into value file paths, Helm
// parameters, Jsonnet variables and Kustomize images and labels.
type argoEnv map[string]string

func newArgoEnv(app *Application, src AppSource, revision string) argoEnv {
	short := func(n int) string {
		if len(revision) > n {
			return revision[:n]
		}
		return revision
	}
	return argoEnv{
		"ARGOCD_APP_NAME":                   app.Name,
		"ARGOCD_APP_NAMESPACE":              app.Destination.Namespace,
		"ARGOCD_APP_REVISION":               revision,
		"ARGOCD_APP_REVISION_SHORT":         short(7),
		"ARGOCD_APP_REVISION_SHORT_8":       short(8),
		"ARGOCD_APP_SOURCE_REPO_URL":        src.RepoURL,
		"ARGOCD_APP_SOURCE_PATH":            src.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION": src.TargetRevision,
	}
}

// subst is Argo CD's Env.Envsubst: $VAR and ${VAR} are replaced, unknown
// variables become empty, and $$ is a literal $.
func (e argoEnv) subst(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return os.Expand(s, func(k string) string {
		if k == "$" {
			return "$"
		}
		return e[k]
	})
}

// NormalizeRepoURL reduces a Git URL to host/path: no scheme, user, ".git"
// or trailing slash, scp-like "git@host:org/repo" as "host/org/repo",
// lower case. Two URLs of one repository normalise to the same string.
func NormalizeRepoURL(u string) string {
	u = strings.TrimSpace(u)
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	} else if at := strings.Index(u, "@"); at >= 0 {
		if colon := strings.Index(u[at:], ":"); colon >= 0 {
			u = u[:at+colon] + "/" + u[at+colon+1:]
		}
	}
	if at := strings.LastIndex(u, "@"); at >= 0 && at < strings.Index(u+"/", "/") {
		u = u[at+1:]
	}
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	return strings.ToLower(u)
}
