package check

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gitshift/gitshift/internal/source"
)

// pathError is an app path Argo CD refuses (checked before rendering so the
// diagnostic can point at the path field).
type pathError struct{ problem string }

func (e *pathError) Error() string { return e.problem }

// pathProblem says what is wrong with an app path, or "".
func pathProblem(root, p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return fmt.Sprintf("path %q is absolute; Argo CD wants a path relative to the repository root", p)
	}
	clean := path.Clean(filepath.ToSlash(p))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Sprintf("path %q is outside the repository", p)
	}
	fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(clean)))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("path %q does not exist in the repository", p)
	case err != nil:
		return fmt.Sprintf("path %q: %v", p, err)
	case !fi.IsDir():
		return fmt.Sprintf("path %q is not a directory", p)
	}
	return ""
}

func runAppPath(p *Pass) {
	for _, s := range p.Target.Sources {
		var pe *pathError
		if errors.As(s.Err, &pe) {
			p.reportApp("", p.sourcePath(s.Index)+".path", pe.problem, "fix spec.source.path (relative to the repository root; \".\" for the root)")
		}
	}
}

func runRenderError(p *Pass) {
	for _, s := range p.Target.Sources {
		var pe *pathError
		var ue *source.UnsupportedError
		if s.Err == nil || errors.As(s.Err, &pe) || errors.As(s.Err, &ue) {
			continue
		}
		var me *source.ManifestError
		if errors.As(s.Err, &me) && me.File != "" && (me.File != p.Target.App.Origin.File || me.Line != p.Target.App.Origin.Line) {
			msg := me.Msg
			if me.Err != nil {
				msg = fmt.Sprintf("%s: %v", me.Msg, me.Err)
			}
			p.report("", me.File, me.Line, "Argo CD fails to render this source: "+msg,
				"fix the manifest; until then Argo CD shows ComparisonError and applies nothing new")
			continue
		}
		msg := s.Err.Error()
		if me != nil && me.Err != nil {
			msg = me.Err.Error()
		}
		p.reportApp("", p.sourcePath(s.Index), "Argo CD fails to render this source: "+msg, "")
	}
}

func runUnsupported(p *Pass) {
	for _, s := range p.Target.Sources {
		var ue *source.UnsupportedError
		if errors.As(s.Err, &ue) {
			file, line := ue.File, 0
			if file == "" {
				file, line = p.Target.App.Origin.File, p.lines.line(p.Target.App.Origin, p.sourcePath(s.Index))
			}
			p.report("", file, line, "not checked: "+ue.Error(), unsupportedHint(ue, p.Target.App.Name))
		}
	}
}

func runPatterns(p *Pass) {
	rf := p.Files.roots[p.Target.RepoRoot]
	for _, s := range p.Target.Sources {
		if s.Result == nil || s.Result.Type != source.TypeDirectory || s.Result.Source.Directory == nil {
			continue
		}
		dir := s.Result.Source.Directory
		for _, f := range []struct{ field, pattern string }{{"include", dir.Include}, {"exclude", dir.Exclude}} {
			if f.pattern == "" || matchesAny(rf, s.Result.Path, f.pattern) {
				continue
			}
			hint := "patterns match the path relative to the app path; `*` crosses `/`, `**/*.yaml` needs a subdirectory"
			msg := fmt.Sprintf("directory.%s %q matches no manifest under %q", f.field, f.pattern, s.Result.Path)
			if f.field == "include" {
				msg += ": the Application applies nothing"
			}
			p.reportApp("", p.sourcePath(s.Index)+".directory."+f.field, msg, hint)
		}
	}
}

func matchesAny(rf *rootFiles, appPath, pattern string) bool {
	if rf == nil {
		return true
	}
	for _, f := range rf.candidates {
		if !under(f, appPath) {
			continue
		}
		rel := f
		if appPath != "." {
			rel = strings.TrimPrefix(f, appPath+"/")
		}
		if source.MatchGlob(pattern, rel) {
			return true
		}
	}
	return false
}

func runSyncPolicy(p *Pass) {
	sp := p.Target.App.SyncPolicy
	if sp == nil || sp.Automated == nil {
		return
	}
	var missing []string
	if !sp.Automated.Prune {
		missing = append(missing, "prune")
	}
	if !sp.Automated.SelfHeal {
		missing = append(missing, "selfHeal")
	}
	if len(missing) == 0 {
		return
	}
	p.reportApp("", "spec.syncPolicy.automated",
		fmt.Sprintf("automated sync without %s", strings.Join(missing, " and ")),
		"set spec.syncPolicy.automated."+strings.Join(missing, ": true and ")+": true")
}

func runSelfManaged(p *Pass) {
	app := p.Target.App
	for _, o := range p.Target.Objects() {
		group, _, _ := strings.Cut(o.GetAPIVersion(), "/")
		if group == "argoproj.io" && o.GetKind() == "Application" && o.GetName() == app.Name &&
			o.EffectiveNamespace(p.Target.DestinationNamespace()) == p.Target.ArgoCDNamespace() {
			p.reportAt("", o.Source, "metadata.name",
				fmt.Sprintf("Application %q applies its own manifest", app.Name),
				"exclude the file (directory.exclude) or keep it outside the synced path")
		}
	}
}

func runRepeated(p *Pass) {
	for _, s := range p.Target.Sources {
		if s.Result == nil {
			continue
		}
		for _, w := range s.Result.Warnings {
			if w.Code == source.WarnDuplicate {
				p.report("", w.Source.File, w.Source.Line, w.Message, "keep one definition of each object")
			}
		}
	}
}

// injectionLabel returns the label key that turns sidecar injection on, if any.
func injectionLabel(labels map[string]string) string {
	if labels["istio-injection"] == "enabled" {
		return "istio-injection"
	}
	if _, ok := labels["istio.io/rev"]; ok && labels["istio-injection"] != "disabled" {
		return "istio.io/rev"
	}
	return ""
}

func runArgoCDInjection(p *Pass) {
	ns := p.Own().Namespace(p.Target.ArgoCDNamespace())
	if ns == nil {
		return
	}
	if key := injectionLabel(ns.Labels); key != "" {
		p.reportAt("", ns.Source, labelPath(key),
			fmt.Sprintf("Argo CD's namespace %q is labelled %s=%s: Argo CD would run inside the mesh", ns.Name, key, ns.Labels[key]),
			"remove the label; Argo CD must stay outside the mesh")
	}
}

// labelPath is the field path of a label, quoting keys that hold dots.
func labelPath(key string) string {
	if strings.Contains(key, ".") {
		return `metadata.labels."` + key + `"`
	}
	return "metadata.labels." + key
}

// unsupportedHint says how to get the source checked: map the repository
// it lacks to a local copy, or else compare with what Argo CD renders.
func unsupportedHint(ue *source.UnsupportedError, app string) string {
	switch {
	case ue.Repo != "" && ue.Chart != "":
		return fmt.Sprintf("map the chart repository to a local copy holding %s/Chart.yaml at the version the Application names: --repo-map %s=DIR", ue.Chart, ue.Repo)
	case ue.Repo != "":
		return fmt.Sprintf("map the repository to a local checkout at the revision the Application names: --repo-map %s=DIR", ue.Repo)
	}
	return fmt.Sprintf("gitshift reads only local files and runs no program; compare with what Argo CD renders (argocd app manifests %s)", app)
}
