package dashboard

import (
	"github.com/gitshift/gitshift/internal/redact"
	"github.com/gitshift/gitshift/internal/verify"
)

type checkView struct {
	Mark, Class, Title, Summary, Cause, Fix, Error string
	Details                                        []string
}

type verifyView struct {
	page
	App            AppRef
	Outcome, Class string
	SHA, Repo      string
	CommitHref     string
	Checks         []checkView
	Argo           string
	Duration       string
}

// verifyView is the checklist: ✓ pass, ✗ fail, ? could not check or too
// little data, – skipped, each with its evidence.
func (h *handler) verifyView(app AppRef, rep verify.Report) verifyView {
	v := verifyView{App: app, Outcome: string(rep.Outcome), SHA: rep.Git.SHA, Repo: redact.URL(rep.Git.Repo),
		CommitHref: CommitURL(rep.Git.Repo, rep.Git.SHA), Argo: h.links.ArgoApp(app), Duration: rep.Duration.Round(1e6).String()}
	switch rep.Outcome {
	case verify.OutcomePassed:
		v.Class = "ok"
	case verify.OutcomeFailed:
		v.Class = "bad"
	default:
		v.Class = "hold"
	}
	for _, r := range rep.Results {
		c := checkView{Title: r.Title, Summary: redact.Text(r.Summary), Cause: redact.Text(r.Cause), Fix: redact.Text(r.Fix), Error: redact.Text(r.Error)}
		switch r.Status {
		case verify.Pass:
			c.Mark, c.Class = "✓", "ok"
		case verify.Fail:
			c.Mark, c.Class = "✗", "bad"
		case verify.Skip:
			c.Mark, c.Class = "–", "skip"
		default:
			c.Mark, c.Class = "?", "hold"
		}
		for _, d := range r.Details {
			c.Details = append(c.Details, redact.Text(d))
		}
		v.Checks = append(v.Checks, c)
	}
	return v
}

// redactErr is an error's text for a page or a log line.
func redactErr(err error) string { return redact.Text(err.Error()) }
