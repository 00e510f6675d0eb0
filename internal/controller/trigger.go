package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// Workload is one workload behind the canary subset, as the trigger sees it.
type Workload struct {
	Key      string // "Deployment/reviews-v3"
	Template string // hash of the pod template
	// RolledOut: the controller of the workload has the template running
	// (updated and available replicas); a rollout starts only then.
	RolledOut bool
}

// TriggerInput is what the trigger decision looks at.
type TriggerInput struct {
	Kind       policy.Trigger
	Generation int64
	Annotation string     // current value of gitshift.dev/start
	Workloads  []Workload // the canary subset's workloads now
	Seen       *api.TriggerStatus
}

// TriggerDecision says whether to start and what the status remembers.
type TriggerDecision struct {
	Start bool
	// Why describes the trigger ("workload: Deployment ns/x pod template
	// …"): the first commit's Gitshift-Trigger and the status.
	Why string
	// Seen is the trigger state to record; nil keeps the current one (the
	// change is not consumed yet, e.g. a workload still rolling out).
	Seen *api.TriggerStatus
	// Message says what the controller waits for.
	Message string
	// Soon: look again soon, not at the next resync. The canary subset
	// has no workload yet (Argo CD applied the policy first); what makes
	// it resolve (a DestinationRule, a Service) is not watched.
	Soon bool
}

// Decide applies the trigger rules. The first sight of a policy records a
// baseline and starts nothing: applying a policy next to a running canary
// must not shift traffic by itself. After that, a rollout starts once per
// change: a new pod template of a canary workload (once it rolled out),
// a new generation of the spec, a new start annotation value. The inputs
// of every kind are recorded, so switching the trigger kind starts nothing.
func Decide(in TriggerInput) TriggerDecision {
	now := &api.TriggerStatus{Generation: in.Generation, Annotation: in.Annotation, Templates: templates(in.Workloads)}
	soon := in.Kind == policy.TriggerWorkload && len(in.Workloads) == 0
	if in.Seen == nil {
		return TriggerDecision{Seen: now, Soon: soon, Message: "watching for the next trigger (" + string(in.Kind) + "); what runs now is the baseline"}
	}
	keep := func(d TriggerDecision) TriggerDecision {
		if d.Seen != nil {
			d.Seen.Kind, d.Seen.Reason, d.Seen.Time, d.Seen.Rollout = in.Seen.Kind, in.Seen.Reason, in.Seen.Time, in.Seen.Rollout
		}
		return d
	}
	switch in.Kind {
	case policy.TriggerPolicy:
		if in.Generation != in.Seen.Generation {
			return keep(TriggerDecision{Start: true, Seen: now, Why: fmt.Sprintf("policy: generation %d (was %d)", in.Generation, in.Seen.Generation)})
		}
		return keep(TriggerDecision{Seen: now, Message: "waiting for a change of the policy's spec (trigger policy)"})
	case policy.TriggerManual:
		if in.Annotation != "" && in.Annotation != in.Seen.Annotation {
			return keep(TriggerDecision{Start: true, Seen: now, Why: fmt.Sprintf("manual: annotation %s=%s", api.StartAnnotation, in.Annotation)})
		}
		return keep(TriggerDecision{Seen: now, Message: fmt.Sprintf("waiting for `gitshift rollout start` or a new value of the %s annotation (trigger manual)", api.StartAnnotation)})
	}
	if len(in.Seen.Templates) == 0 && len(in.Workloads) > 0 {
		// The policy was seen before its canary had any workload (Argo CD
		// applied it first): the first workloads are the baseline.
		return keep(TriggerDecision{Seen: now, Message: "watching for the next trigger (workload); the canary's first workloads are the baseline"})
	}
	var changed, pending []string
	for _, w := range in.Workloads {
		if in.Seen.Templates[w.Key] == w.Template {
			continue
		}
		if !w.RolledOut {
			pending = append(pending, w.Key)
			continue
		}
		changed = append(changed, w.Key+" pod template "+w.Template)
	}
	switch {
	case len(pending) > 0:
		// Not consumed: the next look starts the rollout once it rolled out.
		return TriggerDecision{Message: "waiting for " + strings.Join(pending, ", ") + " to roll out its new pod template"}
	case len(changed) > 0:
		return keep(TriggerDecision{Start: true, Seen: now, Why: "workload: " + strings.Join(changed, ", ")})
	case len(in.Workloads) == 0:
		return keep(TriggerDecision{Seen: now, Soon: true, Message: "no workload behind the canary subset yet (trigger workload)"})
	}
	return keep(TriggerDecision{Seen: now, Message: "waiting for a new pod template of the canary's workloads (trigger workload)"})
}

func templates(ws []Workload) map[string]string {
	if len(ws) == 0 {
		return nil
	}
	m := make(map[string]string, len(ws))
	for _, w := range ws {
		m[w.Key] = w.Template
	}
	return m
}

// TemplateHash identifies a pod template: what changes when a commit
// changes an image, an env var or a label of the pods.
func TemplateHash(template any) string {
	b, _ := json.Marshal(template)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])[:10]
}

// sortedKeys lists a map's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
