package verify

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/redact"
)

var meshServiceName = mesh.ServiceName

// links builds UI links for the report from the base URLs given.
func links(cfg Config, s *State) map[string]string {
	out := map[string]string{}
	base := func(u string) string { return strings.TrimSuffix(redact.URL(u), "/") }
	if cfg.ArgoCDURL != "" {
		out["argocd"] = fmt.Sprintf("%s/applications/%s/%s", base(cfg.ArgoCDURL), url.PathEscape(cfg.AppNamespace), url.PathEscape(cfg.App))
	}
	if cfg.KialiURL != "" && s.DestNS != "" {
		out["kiali"] = fmt.Sprintf("%s/console/graph/namespaces/?namespaces=%s&graphType=versionedApp&duration=%d",
			base(cfg.KialiURL), url.QueryEscape(s.DestNS), int(cfg.Window.Seconds()))
	}
	for _, t := range s.targets {
		name, ns, ok := mesh.ServiceName(t.Host)
		if !ok {
			continue
		}
		if cfg.JaegerURL != "" {
			out["jaeger:"+name] = fmt.Sprintf("%s/search?service=%s", base(cfg.JaegerURL), url.QueryEscape(name+"."+ns))
		}
		if cfg.PrometheusURL != "" {
			q := fmt.Sprintf("sum by (destination_version) (istio_requests_total{%s})", s.selector(t.Host).Matchers())
			out["prometheus:"+name] = fmt.Sprintf("%s/graph?g0.expr=%s&g0.tab=1", base(cfg.PrometheusURL), url.QueryEscape(q))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
