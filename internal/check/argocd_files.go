package check

import (
	"fmt"
	"strings"

	"github.com/gitshift/gitshift/internal/source"
)

// skipped yields the files this Application leaves unapplied for reason.
func (p *Pass) skipped(reasons ...source.IgnoreReason) []unapplied {
	var out []unapplied
	for _, u := range p.Files.unappliedFor(p.Target) {
		for _, r := range reasons {
			if u.Reason == r {
				out = append(out, u)
			}
		}
	}
	return out
}

// reportSkipped reports a skipped file: an error when it holds Istio
// objects, the rule's severity (or info when intentional) for other
// Kubernetes objects, nothing for tool config or non-Kubernetes files.
func (p *Pass) reportSkipped(u unapplied, why, hint string) {
	c := u.Content
	if len(c.Objects) == 0 {
		return
	}
	line, sev := c.Objects[0].Line, p.rule.Severity
	what := describe(c.Objects)
	if len(c.Istio) > 0 {
		line, sev = c.Istio[0].Line, SeverityError
		what = describe(c.Istio)
		what = "holds Istio " + strings.TrimPrefix(what, "holds ")
	}
	p.report(sev, u.File, line, fmt.Sprintf("not applied: %s; %s", why, what), hint)
}

func describe(objs []fileObject) string {
	const max = 3
	var names []string
	for i, o := range objs {
		if i == max {
			names = append(names, fmt.Sprintf("and %d more", len(objs)-max))
			break
		}
		names = append(names, o.String())
	}
	return "holds " + strings.Join(names, ", ")
}

func runRecurseOff(p *Pass) {
	for _, u := range p.skipped(source.IgnoredRecurseOff) {
		p.reportSkipped(u, "in a subdirectory and the directory source does not recurse",
			"set spec.source.directory.recurse: true")
	}
}

func runIncludeExclude(p *Pass) {
	for _, u := range p.skipped(source.IgnoredExcluded) {
		p.reportSkipped(u, "matches directory.exclude", "remove the file or change spec.source.directory.exclude")
	}
	for _, u := range p.skipped(source.IgnoredNotIncluded) {
		p.reportSkipped(u, "does not match directory.include", "widen spec.source.directory.include (`*` crosses `/`, `{a,b}` alternates)")
	}
}

func runExtension(p *Pass) {
	for _, u := range p.skipped(source.IgnoredExtension) {
		p.reportSkipped(u, "Argo CD reads only .yaml, .yml, .json and .jsonnet (case-sensitive)",
			"rename the file with a lower-case .yaml extension")
	}
}

func runOutsidePath(p *Pass) {
	for _, u := range p.skipped(source.IgnoredOutsidePath) {
		p.reportSkipped(u, "outside the path of every Application", "move it under an Application's path or add an Application for it")
	}
}

func runSymlink(p *Pass) {
	for _, u := range p.skipped(source.IgnoredSymlinkDir, source.IgnoredSymlinkOther) {
		p.report("", u.File, 0, "not applied: "+u.Detail, "replace the symlink with the files")
	}
}

func runSpecialFile(p *Pass) {
	for _, u := range p.skipped(source.IgnoredNotRegular) {
		p.report("", u.File, 0, "not applied: "+u.Detail, "replace it with a regular file, or remove it")
	}
}

func runSkipMarker(p *Pass) {
	for _, u := range p.skipped(source.IgnoredSkipMarker) {
		p.report("", u.File, 0, "not applied: contains +argocd:skip-file-rendering", "")
	}
}

func runNotKubernetes(p *Pass) {
	for _, u := range p.skipped(source.IgnoredNotK8s) {
		if u.Content.Config {
			continue
		}
		p.report("", u.File, 0, "silently ignored by Argo CD: the first document is not a Kubernetes object",
			"add apiVersion, kind and metadata if the file is meant to be applied")
	}
}
