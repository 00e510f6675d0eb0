package adapt

import (
	"fmt"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// Message is one decision as every receiver format tells it. Its JSON is
// the plain webhook body.
type Message struct {
	Kind     string            `json:"kind"` // always "gitshift.decision"
	Policy   string            `json:"policy,omitempty"`
	Rollout  string            `json:"rollout"`
	Decision rollout.Decision  `json:"decision"`
	Reason   string            `json:"reason,omitempty"`
	Phase    rollout.Phase     `json:"phase"`
	Step     int               `json:"step"`
	Steps    int               `json:"steps"`
	Weights  map[string]int32  `json:"weights,omitempty"`
	SHA      string            `json:"sha,omitempty"`
	Time     time.Time         `json:"time"`
	Evidence *rollout.Analysis `json:"evidence,omitempty"`
}

// NewMessage describes a decision event.
func NewMessage(policyRef string, ev rollout.Event) Message {
	return Message{Kind: "gitshift.decision", Policy: policyRef, Rollout: ev.Rollout, Decision: ev.Decision, Reason: ev.Reason,
		Phase: ev.Phase, Step: ev.Step, Steps: ev.Steps, Weights: ev.Weights, SHA: ev.SHA, Time: ev.Time, Evidence: ev.Analysis}
}

// Title is the message's one-line summary.
func (m Message) Title() string {
	return fmt.Sprintf("gitshift %s: rollout %s, step %d/%d", m.Decision, m.Rollout, m.Step, m.Steps)
}

// facts are the message's fields as name/value pairs, in display order.
func (m Message) facts() [][2]string {
	f := [][2]string{{"Rollout", m.Rollout}, {"Decision", string(m.Decision)}, {"Step", fmt.Sprintf("%d/%d", m.Step, m.Steps)},
		{"Weights", rollout.FormatWeights(m.Weights)}, {"Commit", shortSHA(m.SHA)}}
	if m.Policy != "" {
		f = append([][2]string{{"Policy", m.Policy}}, f...)
	}
	if m.Reason != "" {
		f = append(f, [2]string{"Reason", m.Reason})
	}
	if e := m.Evidence; e != nil {
		f = append(f, [2]string{"Evidence", evidenceText(e)})
	}
	return f
}

func evidenceText(a *rollout.Analysis) string {
	s := fmt.Sprintf("canary %d req, %.2f%% errors; baseline %d req, %.2f%% errors; split %.1f%%",
		a.CanaryRequests, 100*a.CanaryErrorRate, a.BaselineRequests, 100*a.BaselineErrorRate, 100*a.ObservedSplit)
	var tests []string
	for _, t := range a.Tests {
		tests = append(tests, fmt.Sprintf("%s log BF %.2f/%.2f", t.Name, t.Statistic, t.Bound))
	}
	if len(tests) > 0 {
		s += "; " + strings.Join(tests, ", ")
	}
	return s
}

func shortSHA(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

// Format renders the message for a receiver type: Slack's incoming webhook
// (text plus a section block with fields), a Teams message card (facts),
// or the plain JSON Message.
func (m Message) Format(t policy.NotificationType) ([]byte, error) {
	switch t {
	case policy.NotifySlack:
		return marshal(m.slack())
	case policy.NotifyTeams:
		return marshal(m.teams())
	case policy.NotifyWebhook:
		return marshal(m)
	}
	return nil, fmt.Errorf("unknown notification type %q", t)
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type   string      `json:"type"`
	Text   *slackText  `json:"text,omitempty"`
	Fields []slackText `json:"fields,omitempty"`
}

func (m Message) slack() any {
	var fields []slackText
	var lines []string
	for _, f := range m.facts() {
		if f[0] == "Reason" || f[0] == "Evidence" {
			lines = append(lines, fmt.Sprintf("*%s:* %s", f[0], f[1]))
			continue
		}
		fields = append(fields, slackText{Type: "mrkdwn", Text: fmt.Sprintf("*%s*\n%s", f[0], f[1])})
	}
	blocks := []slackBlock{{Type: "section", Text: &slackText{Type: "mrkdwn", Text: "*" + m.Title() + "*"}}, {Type: "section", Fields: fields}}
	if len(lines) > 0 {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: strings.Join(lines, "\n")}})
	}
	return struct {
		Text   string       `json:"text"`
		Blocks []slackBlock `json:"blocks"`
	}{Text: m.Title() + ": " + m.Reason, Blocks: blocks}
}

type teamsFact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (m Message) teams() any {
	var facts []teamsFact
	for _, f := range m.facts() {
		facts = append(facts, teamsFact{Name: f[0], Value: f[1]})
	}
	color := "2EB886" // green
	switch m.Decision {
	case rollout.DecisionRollback, rollout.DecisionAbort, rollout.DecisionStop:
		color = "D13438"
	case rollout.DecisionPause, rollout.DecisionHold:
		color = "FFB900"
	}
	type section struct {
		ActivityTitle string      `json:"activityTitle"`
		Facts         []teamsFact `json:"facts"`
	}
	return struct {
		Type       string    `json:"@type"`
		Context    string    `json:"@context"`
		Summary    string    `json:"summary"`
		ThemeColor string    `json:"themeColor"`
		Title      string    `json:"title"`
		Sections   []section `json:"sections"`
	}{Type: "MessageCard", Context: "https://schema.org/extensions", Summary: m.Title(), ThemeColor: color, Title: m.Title(),
		Sections: []section{{ActivityTitle: m.Reason, Facts: facts}}}
}
