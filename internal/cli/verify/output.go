package verify

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/termsafe"
	"github.com/gitshift/gitshift/internal/verify"
)

// checklistWriter prints one line per check as each finishes, so a long
// --wait shows where it is, then a closing line. Names in results come from
// Git and the cluster: every value goes through termsafe.
type checklistWriter struct {
	w       io.Writer
	headed  bool
	app, ns string
	width   int
}

func newChecklistWriter(w io.Writer, app, ns string) *checklistWriter {
	width := 0
	for _, c := range verify.Checklist() {
		width = max(width, len(c.Title))
	}
	return &checklistWriter{w: w, app: app, ns: ns, width: width}
}

var marks = map[verify.Status]string{
	verify.Pass:         "✓",
	verify.Fail:         "✗",
	verify.Insufficient: "?",
	verify.Skip:         "-",
	verify.Error:        "!",
}

func (c *checklistWriter) result(r verify.Result) {
	if !c.headed {
		termsafe.Fprintf(c.w, "gitshift verify %s/%s\n", c.ns, c.app)
		c.headed = true
	}
	summary := r.Summary
	if r.Status == verify.Error && r.Error != "" {
		summary += ": " + r.Error
	}
	termsafe.Fprintf(c.w, "%s %-*s  %s\n", marks[r.Status], c.width, r.Title, summary)
	indent := strings.Repeat(" ", 4)
	for _, n := range r.Notes {
		termsafe.Fprintf(c.w, "%snote:  %s\n", indent, n)
	}
	if r.Status == verify.Pass || r.Status == verify.Skip {
		return
	}
	for _, d := range r.Details {
		termsafe.Fprintf(c.w, "%s%s\n", indent, d)
	}
	if r.Cause != "" {
		termsafe.Fprintf(c.w, "%scause: %s\n", indent, r.Cause)
	}
	if r.Fix != "" {
		termsafe.Fprintf(c.w, "%sfix:   %s\n", indent, r.Fix)
	}
}

func (c *checklistWriter) finish(rep verify.Report) {
	if len(rep.Links) > 0 {
		keys := make([]string, 0, len(rep.Links))
		for k := range rep.Links {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			termsafe.Fprintf(c.w, "  %s: %s\n", k, rep.Links[k])
		}
	}
	counts := map[verify.Status]int{}
	for _, r := range rep.Results {
		counts[r.Status]++
	}
	var parts []string
	for _, st := range []verify.Status{verify.Pass, verify.Fail, verify.Insufficient, verify.Error, verify.Skip} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	termsafe.Fprintf(c.w, "%s: %s (%s)\n", strings.ToUpper(string(rep.Outcome)), strings.Join(parts, ", "), rep.Duration.Round(10*time.Millisecond))
}
