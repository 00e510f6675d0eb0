package policy

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/gitshift/gitshift/internal/redact"
)

// Validate checks a defaulted policy and reports every problem with its
// field path (and file:line when the policy came from a file).
func Validate(p *CanaryPolicy) error {
	c := validateHead(p)
	s := &p.Spec
	for _, f := range []struct{ path, v string }{{"spec.stableSubset", s.StableSubset}, {"spec.canarySubset", s.CanarySubset}} {
		if f.v == "" {
			c.addf(f.path, "required")
		}
	}
	validateSteps(c, s.Steps)
	validateAnalysis(c, &s.Analysis)
	if s.SyncTimeout.Duration <= 0 {
		c.addf("spec.syncTimeout", "must be positive")
	}
	if s.FailurePolicy != FailureRollback && s.FailurePolicy != FailurePause {
		c.addf("spec.failurePolicy", "must be %q or %q, got %q", FailureRollback, FailurePause, s.FailurePolicy)
	}
	for _, u := range []struct{ path, v string }{
		{"spec.webhooks.beforeStep", s.Webhooks.BeforeStep},
		{"spec.webhooks.afterStep", s.Webhooks.AfterStep},
		{"spec.webhooks.onRollback", s.Webhooks.OnRollback},
		{"spec.notificationURL", s.NotificationURL},
	} {
		if u.v == "" {
			continue
		}
		if pu, err := url.Parse(u.v); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			c.addf(u.path, "must be an http(s) URL, got %q", redact.URL(u.v))
		}
	}
	validateController(c, s)
	return c.err()
}

func validateController(c *errs, s *Spec) {
	switch s.Trigger {
	case TriggerWorkload, TriggerPolicy, TriggerManual:
	default:
		c.addf("spec.trigger", "must be %q, %q or %q, got %q", TriggerWorkload, TriggerPolicy, TriggerManual, s.Trigger)
	}
	if r := s.Git.SecretRef; r != nil && r.Name == "" {
		c.addf("spec.git.secretRef.name", "required")
	}
	for i, n := range s.Notifications {
		p := fmt.Sprintf("spec.notifications[%d]", i)
		switch n.Type {
		case NotifySlack, NotifyTeams, NotifyWebhook:
		default:
			c.addf(p+".type", "must be %q, %q or %q, got %q", NotifySlack, NotifyTeams, NotifyWebhook, n.Type)
		}
		switch {
		case (n.URL == "") == (n.SecretRef == nil):
			c.addf(p, "give exactly one of url and secretRef")
		case n.SecretRef != nil && (n.SecretRef.Name == "" || n.SecretRef.Key == ""):
			c.addf(p+".secretRef", "name and key are required")
		case n.URL != "":
			if pu, err := url.Parse(n.URL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				// The URL may carry a token: never echo it.
				c.addf(p+".url", "must be an http(s) URL")
			}
		}
		for j, on := range n.On {
			if !slices.Contains(DecisionKinds, on) {
				c.addf(fmt.Sprintf("%s.on[%d]", p, j), "unknown decision %q (one of %v)", on, DecisionKinds)
			}
		}
	}
}

// ValidateTarget checks what reading or signalling a rollout needs: the
// kind and the target. Subsets and steps are optional then (a pause names
// the VirtualService, not the canary), and checked only for consistency.
func ValidateTarget(p *CanaryPolicy) error { return validateHead(p).err() }

// validateHead checks the kind, the target and, when both are given, that
// the subsets differ.
func validateHead(p *CanaryPolicy) *errs {
	c := &errs{file: p.File, lines: p.lines}
	if p.APIVersion != APIVersion {
		c.addf("apiVersion", "must be %s, got %q", APIVersion, p.APIVersion)
	}
	if p.Kind != Kind {
		c.addf("kind", "must be %s, got %q", Kind, p.Kind)
	}
	s := &p.Spec
	validateTarget(c, &s.Target)
	if s.StableSubset != "" && s.StableSubset == s.CanarySubset {
		c.addf("spec.canarySubset", "must differ from stableSubset %q", s.StableSubset)
	}
	return c
}

func validateTarget(c *errs, t *Target) {
	if t.Application == "" {
		c.addf("spec.target.application", "required: the Argo CD Application that applies the VirtualService")
	}
	if t.VirtualService.Name == "" {
		c.addf("spec.target.virtualService.name", "required")
	}
	if t.VirtualService.Namespace == "" {
		c.addf("spec.target.virtualService.namespace", "required (or set metadata.namespace)")
	}
	for _, f := range []struct{ path, v string }{
		{"spec.target.virtualService.name", t.VirtualService.Name},
		{"spec.target.virtualService.namespace", t.VirtualService.Namespace},
		{"spec.target.argocdNamespace", t.ArgoCDNamespace},
	} {
		if f.v == "" {
			continue
		}
		if msgs := validation.IsDNS1123Subdomain(f.v); len(msgs) > 0 {
			c.addf(f.path, "%q is not a valid name: %s", f.v, msgs[0])
		}
	}
}

func validateSteps(c *errs, steps []Step) {
	if len(steps) == 0 {
		c.addf("spec.steps", "at least one step is required")
		return
	}
	prev, prevMirror, weighted := int32(0), int32(0), false
	for i, st := range steps {
		p := fmt.Sprintf("spec.steps[%d]", i)
		set := 0
		for _, on := range []bool{st.Weight != 0, st.HeaderRoute != nil, st.Mirror != 0} {
			if on {
				set++
			}
		}
		switch {
		case set > 1:
			c.addf(p, "give one of weight, headerRoute and mirror per step")
		case st.Kind() == StepWeight:
			weighted = true
			if st.Weight < 1 || st.Weight > 100 {
				c.addf(p+".weight", "must be between 1 and 100, got %d", st.Weight)
			} else if st.Weight <= prev {
				c.addf(p+".weight", "weights must increase: %d after %d", st.Weight, prev)
			}
			prev = st.Weight
		case weighted:
			c.addf(p, "a %s step must come before the weighted steps: once users get the canary by weight, a header or mirror step would take it away again", st.Kind())
		case st.Kind() == StepMirror:
			if st.Mirror < 1 || st.Mirror > 100 {
				c.addf(p+".mirror", "must be a percentage between 1 and 100, got %d", st.Mirror)
			} else if st.Mirror <= prevMirror {
				c.addf(p+".mirror", "mirror percentages must increase: %d after %d", st.Mirror, prevMirror)
			}
			prevMirror = st.Mirror
		default:
			validateHeaderMatch(c, p+".headerRoute", *st.HeaderRoute)
		}
		if st.MinDuration.Duration < 0 {
			c.addf(p+".minDuration", "must not be negative")
		}
		if st.MaxDuration.Duration <= 0 {
			c.addf(p+".maxDuration", "must be positive")
		} else if st.MaxDuration.Duration < st.MinDuration.Duration {
			c.addf(p+".maxDuration", "%s is shorter than minDuration %s", st.MaxDuration, st.MinDuration)
		}
		if st.MinCanaryRequests < 0 {
			c.addf(p+".minCanaryRequests", "must not be negative")
		}
		if st.Gate != GateAuto && st.Gate != GateManual {
			c.addf(p+".gate", "must be %q or %q, got %q", GateAuto, GateManual, st.Gate)
		}
	}
	switch last, p := steps[len(steps)-1], fmt.Sprintf("spec.steps[%d]", len(steps)-1); {
	case last.Kind() != StepWeight:
		c.addf(p, "the last step must be a weight of 100 (promotion ends with the canary at 100%%), got a %s step", last.Kind())
	case last.Weight != 100:
		c.addf(p+".weight", "the last step must be 100 (promotion ends with the canary at 100%%), got %d", last.Weight)
	}
}

var headerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// validateHeaderMatch checks the form; what Envoy can route on (no
// connection-specific or x-envoy-* headers) is mesh.HeaderRoute's and is
// checked when the engine is built.
func validateHeaderMatch(c *errs, p string, h HeaderMatch) {
	if !headerName.MatchString(h.Name) {
		c.addf(p+".name", "must be a lowercase header name (letters, digits, - and _), got %q", h.Name)
	}
	n := 0
	for _, v := range []string{h.Exact, h.Prefix, h.Regex} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		c.addf(p, "give exactly one non-empty exact, prefix or regex")
	}
	if h.Regex != "" {
		if _, err := regexp.Compile("^(?:" + h.Regex + ")$"); err != nil {
			c.addf(p+".regex", "not a regular expression: %v", err)
		}
	}
}

var checkOps = map[string]bool{"<": true, "<=": true, ">": true, ">=": true, "==": true, "!=": true}

func validateAnalysis(c *errs, a *Analysis) {
	if a.Interval.Duration <= 0 {
		c.addf("spec.analysis.interval", "must be positive")
	}
	if a.NoDataTimeout.Duration < a.Interval.Duration {
		c.addf("spec.analysis.noDataTimeout", "%s is shorter than the interval %s", a.NoDataTimeout, a.Interval)
	}
	if a.Alpha <= 0 || a.Alpha >= 0.5 {
		c.addf("spec.analysis.alpha", "must be in (0, 0.5), got %g", a.Alpha)
	}
	if a.PriorK <= 0 {
		c.addf("spec.analysis.priorK", "must be positive, got %g", a.PriorK)
	}
	if _, err := regexp.Compile("^(?:" + a.ErrorRate.Codes + ")$"); err != nil {
		c.addf("spec.analysis.errorRate.codes", "not a regular expression: %v", err)
	}
	if m := a.ErrorRate.Margin; m != nil && !(*m >= 0 && *m < 1) {
		c.addf("spec.analysis.errorRate.margin", "must be in [0, 1), got %g", *m)
	}
	if h := a.HoldBayesFactor; h != nil && !(*h == 0 || *h >= 1 && !math.IsInf(*h, 1)) {
		c.addf("spec.analysis.holdBayesFactor", "must be 0 (off) or at least 1, got %g", *h)
	}
	if a.Guards.MaxErrorRate <= 0 || a.Guards.MaxErrorRate > 1 {
		c.addf("spec.analysis.guards.maxErrorRate", "must be in (0, 1], got %g", a.Guards.MaxErrorRate)
	}
	if a.Guards.Alpha <= 0 || a.Guards.Alpha >= 0.5 {
		c.addf("spec.analysis.guards.alpha", "must be in (0, 0.5), got %g", a.Guards.Alpha)
	}
	if a.Guards.MinRequests < 0 {
		c.addf("spec.analysis.guards.minRequests", "must not be negative")
	}
	seen := map[string]bool{}
	for i, cc := range a.CustomChecks {
		p := fmt.Sprintf("spec.analysis.customChecks[%d]", i)
		switch {
		case cc.Name == "":
			c.addf(p+".name", "required")
		case seen[cc.Name]:
			c.addf(p+".name", "duplicate check name %q", cc.Name)
		}
		seen[cc.Name] = true
		if cc.PromQL == "" {
			c.addf(p+".promql", "required")
		}
		if !checkOps[cc.Op] {
			c.addf(p+".op", "must be one of < <= > >= == !=, got %q", cc.Op)
		}
	}
}
