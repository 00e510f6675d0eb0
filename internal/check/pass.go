package check

import (
	"strconv"
	"strings"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/redact"
	"github.com/gitshift/gitshift/internal/source"
)

// Pass is what an analyzer sees: the Application being checked, the routing
// model of everything all checked Applications render (to resolve
// references across Applications), and the repository's files.
type Pass struct {
	Target *Target
	World  *mesh.Model
	Files  *fileIndex

	own   *mesh.Model
	lines *locator
	rps   float64 // Options.RPS
	rule  Rule
	diags []Diagnostic
}

// Own is the routing model of the objects this Application renders.
func (p *Pass) Own() *mesh.Model {
	if p.own == nil { // a Pass built outside Run
		p.own = &mesh.Model{}
		p.own.AddAll(p.Target.Objects(), p.Target.DestinationNamespace(), p.Target.App.Name)
		p.markPlain()
	}
	return p.own
}

// markPlain tells the locator which files hold the rendered objects verbatim.
func (p *Pass) markPlain() {
	p.lines.plain[p.Target.App.Origin.File] = true
	for _, s := range p.Target.Sources {
		if s.Result == nil || s.Result.Type == source.TypeHelm {
			continue
		}
		for _, f := range s.Result.Files {
			// A Jsonnet file's text is not its objects.
			p.lines.plain[f] = !strings.HasSuffix(f, ".jsonnet")
		}
		if s.Result.Type == source.TypeKustomize {
			for _, f := range s.Result.ReadFiles {
				p.lines.plain[f] = true
			}
		}
	}
}

// report records a diagnostic of the current rule at file:line.
func (p *Pass) report(sev Severity, file string, line int, msg, hint string) {
	if sev == "" {
		sev = p.rule.Severity
	}
	// Messages quote repoURLs, value-file and resource URLs: never with
	// their credentials, in any output format.
	p.diags = append(p.diags, Diagnostic{
		Code: p.rule.Code, Severity: sev, File: file, Line: line,
		Message: redact.Text(msg), Hint: redact.Text(hint), App: p.Target.App.Name,
	})
}

// reportAt records a diagnostic at the field path (e.g. "spec.hosts[0]")
// of the object at prov.
func (p *Pass) reportAt(sev Severity, prov source.Provenance, path, msg, hint string) {
	p.Own() // make sure the locator knows the plain files
	p.report(sev, prov.File, p.lines.line(prov, path), msg, hint)
}

// reportApp records a diagnostic at a field of the Application manifest.
func (p *Pass) reportApp(sev Severity, path, msg, hint string) {
	p.reportAt(sev, p.Target.App.Origin, path, msg, hint)
}

// sourcePath is the Application field path of source i ("spec.source" for a
// single source, "spec.sources[i]" for multi-source Applications).
func (p *Pass) sourcePath(i int) string {
	if p.appHasSourcesList() {
		return "spec.sources[" + strconv.Itoa(i) + "]"
	}
	return "spec.source"
}

func (p *Pass) appHasSourcesList() bool {
	p.Own()
	obj := p.lines.object(p.Target.App.Origin)
	return obj != nil && child(child(obj, "spec"), "sources") != nil
}
