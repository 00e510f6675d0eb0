package dashboard

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gitshift/gitshift/internal/redact"
)

// Links are the base URLs of the UIs the pages link to. Every link is
// built from the URL with its credentials stripped (redact.Strip): a token
// in a configured URL never reaches a page.
type Links struct {
	ArgoCD, Kiali, Jaeger, Prometheus string
}

// base is u without credentials and without a trailing slash; "" when u
// is not an absolute http(s) URL.
func base(u string) string {
	if u == "" {
		return ""
	}
	clean, _ := redact.Strip(u)
	p, err := url.Parse(clean)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	p.User, p.RawQuery, p.Fragment = nil, "", ""
	return strings.TrimSuffix(p.String(), "/")
}

// CommitURL is the Git host's page of a commit, for GitHub-, GitLab- and
// Bitbucket-style hosts (recognised by name); "" for others and for local
// paths. scp-like and ssh:// addresses map to the host's https pages.
func CommitURL(repo, sha string) string {
	web, kind := repoWeb(repo)
	switch {
	case web == "" || sha == "":
		return ""
	case kind == "gitlab":
		return web + "/-/commit/" + url.PathEscape(sha)
	case kind == "bitbucket":
		return web + "/commits/" + url.PathEscape(sha)
	}
	return web + "/commit/" + url.PathEscape(sha)
}

// CompareURL is the Git host's diff between two commits ("" where
// CommitURL is).
func CompareURL(repo, from, to string) string {
	web, kind := repoWeb(repo)
	switch {
	case web == "" || from == "" || to == "":
		return ""
	case kind == "gitlab":
		return web + "/-/compare/" + url.PathEscape(from) + "..." + url.PathEscape(to)
	case kind == "bitbucket":
		return web + "/branches/compare/" + url.PathEscape(to) + "%0D" + url.PathEscape(from)
	}
	return web + "/compare/" + url.PathEscape(from) + "..." + url.PathEscape(to)
}

// repoWeb returns the https base of a repository's web pages and the
// host's kind (github, gitlab, bitbucket).
func repoWeb(repo string) (string, string) {
	clean, _ := redact.Strip(repo)
	var host, path string
	if i := strings.Index(clean, "://"); i >= 0 {
		u, err := url.Parse(clean)
		if err != nil {
			return "", ""
		}
		host, path = u.Hostname(), u.Path
	} else if at := strings.Index(clean, "@"); at >= 0 && strings.Contains(clean[at:], ":") {
		// scp-like: git@github.com:owner/repo.git
		h, p, _ := strings.Cut(clean[at+1:], ":")
		host, path = h, "/"+p
	} else {
		return "", ""
	}
	kind := ""
	for _, k := range []string{"github", "gitlab", "bitbucket"} {
		if strings.Contains(strings.ToLower(host), k) {
			kind = k
		}
	}
	path = strings.TrimSuffix(strings.TrimSuffix(path, "/"), ".git")
	if kind == "" || strings.Count(strings.Trim(path, "/"), "/") < 1 {
		return "", ""
	}
	return "https://" + host + path, kind
}

// ArgoApp is the Application's page in Argo CD's UI.
func (l Links) ArgoApp(a AppRef) string {
	b := base(l.ArgoCD)
	if b == "" || a.Name == "" {
		return ""
	}
	return fmt.Sprintf("%s/applications/%s/%s", b, url.PathEscape(a.Namespace), url.PathEscape(a.Name))
}

// ArgoHistory opens Argo CD's history and rollback panel of the
// Application at the deployment index (newest first, as the panel lists
// them), showing that revision's sync and its diff.
func (l Links) ArgoHistory(a AppRef, index int) string {
	app := l.ArgoApp(a)
	if app == "" {
		return ""
	}
	return fmt.Sprintf("%s?rollback=%d", app, max(0, index))
}

// Kiali is the versioned-app graph of a namespace.
func (l Links) KialiGraph(namespace string) string {
	b := base(l.Kiali)
	if b == "" {
		return ""
	}
	return fmt.Sprintf("%s/console/graph/namespaces/?namespaces=%s&graphType=versionedApp", b, url.QueryEscape(namespace))
}

// JaegerSearch is the trace search of a service (name.namespace).
func (l Links) JaegerSearch(service string) string {
	b := base(l.Jaeger)
	if b == "" {
		return ""
	}
	return fmt.Sprintf("%s/search?service=%s", b, url.QueryEscape(service))
}

// PrometheusGraph graphs promql over the last rangeSeconds.
func (l Links) PrometheusGraph(promql string, rangeSeconds int) string {
	b := base(l.Prometheus)
	if b == "" || promql == "" {
		return ""
	}
	return fmt.Sprintf("%s/graph?g0.expr=%s&g0.tab=0&g0.range_input=%ds", b, url.QueryEscape(promql), max(60, rangeSeconds))
}
