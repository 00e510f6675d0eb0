package check

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/gitshift/gitshift/internal/check"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/redact"
	"github.com/gitshift/gitshift/internal/source"
	"github.com/gitshift/gitshift/internal/termsafe"
)

// checkReport is the -o json|yaml shape of `gitshift check`.
type checkReport struct {
	Applications []appReport `json:"applications"`
}

type appReport struct {
	Name        string             `json:"name"`
	SourceType  string             `json:"sourceType"`
	Objects     []objectRef        `json:"objects"`
	Ignored     []ignoredRef       `json:"ignored"`
	Diagnostics []check.Diagnostic `json:"diagnostics"`
}

// objectRef is one object Argo CD would apply.
type objectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	File       string `json:"file"`
	Line       int    `json:"line"`
}

type ignoredRef struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

func newCheckReport(l *loaded) checkReport {
	r := checkReport{Applications: []appReport{}}
	for _, t := range l.Targets {
		a := appReport{Name: t.App.Name, SourceType: sourceType(t), Objects: []objectRef{}, Ignored: []ignoredRef{},
			Diagnostics: t.Diagnostics}
		if a.Diagnostics == nil {
			a.Diagnostics = []check.Diagnostic{}
		}
		for _, o := range t.Objects() {
			a.Objects = append(a.Objects, objectRef{
				APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Namespace: o.EffectiveNamespace(t.DestinationNamespace()),
				Name: o.GetName(), File: o.Source.File, Line: o.Source.Line,
			})
		}
		for _, ig := range ignoredFiles(t) {
			a.Ignored = append(a.Ignored, ignoredRef{File: ig.File, Reason: string(ig.Reason)})
		}
		r.Applications = append(r.Applications, a)
	}
	return r
}

// sourceType is the detected type of each rendered source, joined by "+".
func sourceType(t *check.Target) string {
	var types []string
	for _, s := range t.Sources {
		if s.Result != nil {
			types = append(types, string(s.Result.Type))
		}
	}
	return strings.Join(types, "+")
}

// ignoredFiles are the files the Application's sources read past, except
// chart files a Helm source does not treat as manifests.
func ignoredFiles(t *check.Target) []source.Ignored {
	var out []source.Ignored
	for _, s := range t.Sources {
		if s.Result == nil {
			continue
		}
		for _, ig := range s.Result.Ignored {
			if ig.Reason != source.IgnoredNotRendered {
				out = append(out, ig)
			}
		}
	}
	return out
}

// reportSkipped tells stderr about Applications that were not checked, so
// that data on stdout keeps its exact shape.
func reportSkipped(s command.Streams, l *loaded) {
	for _, sk := range l.Skipped {
		termsafe.Fprintf(s.ErrOut, "skipped Application %s (%s): %s\n", sk.App.Name, sk.App.Origin, redact.Text(l.skipReason(sk)))
	}
}

func writeCheckText(w io.Writer, l *loaded) error {
	ew := &errWriter{w: w}
	for i, t := range l.Targets {
		if i > 0 {
			ew.printf("\n")
		}
		writeTargetText(ew, t)
	}
	if len(l.Skipped) > 0 {
		ew.printf("\nSkipped (not in this checkout):\n")
		for _, sk := range l.Skipped {
			ew.printf("  %s (%s): %s\n", sk.App.Name, sk.App.Origin, redact.Text(l.skipReason(sk)))
		}
	}
	return ew.err
}

func writeTargetText(ew *errWriter, t *check.Target) {
	ew.printf("Application %s (%s)\n", t.App.Name, t.App.Origin)
	for _, s := range t.Sources {
		switch {
		case s.Skipped != "":
			ew.printf("  source %s: skipped: %s\n", redact.URL(s.Source.RepoURL), redact.Text(s.Skipped))
		case s.Result == nil:
			ew.printf("  source path %q: not rendered (see diagnostics)\n", s.Source.Path)
		default:
			writeSourceText(ew, t, s.Result)
		}
	}
	writeTrafficText(ew, t)
	writeDiagnosticsText(ew, t.Diagnostics)
}

func writeSourceText(ew *errWriter, t *check.Target, r *source.Result) {
	ew.printf("  source: %s, path %q\n", r.Type, r.Path)
	perFile := map[string]int{}
	var files []string
	for _, o := range r.Objects {
		if perFile[o.Source.File] == 0 {
			files = append(files, o.Source.File)
		}
		perFile[o.Source.File]++
	}
	ew.printf("  applied: %s from %s\n", plural(len(r.Objects), "object"), plural(len(files), "file"))
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	for _, f := range files {
		termsafe.Fprintf(tw, "    %s\t%s\n", f, plural(perFile[f], "object"))
	}
	_ = tw.Flush()
	var ignored []source.Ignored
	for _, ig := range r.Ignored {
		if ig.Reason != source.IgnoredNotRendered {
			ignored = append(ignored, ig)
		}
	}
	if len(ignored) == 0 {
		return
	}
	ew.printf("  ignored: %s\n", plural(len(ignored), "file"))
	sort.SliceStable(ignored, func(i, j int) bool { return ignored[i].Reason < ignored[j].Reason })
	tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	for _, ig := range ignored {
		detail := ""
		if ig.Detail != "" {
			detail = " (" + ig.Detail + ")"
		}
		termsafe.Fprintf(tw, "    %s\t%s%s\n", ig.File, ig.Reason, detail)
	}
	_ = tw.Flush()
}

func writeTrafficText(ew *errWriter, t *check.Target) {
	m := &mesh.Model{}
	m.AddAll(t.Objects(), t.DestinationNamespace(), t.App.Name)
	for _, vs := range m.VirtualServices {
		rows := mesh.TrafficTable(vs)
		if len(rows) == 0 {
			continue
		}
		ew.printf("  traffic: VirtualService %s (%s)\n", vs.Ref(), vs.Source)
		tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "    ROUTE\tHOST\tSUBSET\tWEIGHT\tTRAFFIC\n")
		var last mesh.TrafficRow
		for i, r := range rows {
			route, host, subset, weight := r.Route, r.Host, r.Subset, "-"
			if i > 0 && route == last.Route {
				route = ""
				if host == last.Host {
					host = ""
				}
			}
			last = r
			if subset == "" {
				subset = "-"
			}
			if r.Weight != 0 {
				weight = fmt.Sprint(r.Weight)
			}
			termsafe.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\n", route, host, subset, weight, percent(r.Percent))
		}
		_ = tw.Flush()
	}
}

func percent(p float64) string {
	if p == float64(int64(p)) {
		return fmt.Sprintf("%d%%", int64(p))
	}
	return fmt.Sprintf("%.1f%%", p)
}

func writeDiagnosticsText(ew *errWriter, ds []check.Diagnostic) {
	counts := map[check.Severity]int{}
	for _, d := range ds {
		counts[d.Severity]++
	}
	if len(ds) > 0 {
		ew.printf("  diagnostics:\n")
	}
	for _, d := range ds {
		ew.printf("    %s\n", d)
		if d.Hint != "" {
			ew.printf("      hint: %s\n", d.Hint)
		}
	}
	ew.printf("  result: %s, %s, %d info\n",
		plural(counts[check.SeverityError], "error"), plural(counts[check.SeverityWarning], "warning"), counts[check.SeverityInfo])
}

// errWriter keeps the first write error so the report code stays linear.
// Its printf shows every argument through termsafe: names and messages come
// from the repository.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { termsafe.Fprintf(e, format, args...) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
