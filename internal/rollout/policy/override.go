package policy

import "time"

// Overrides are the command-line flags that replace policy fields for quick
// use. A nil or zero field leaves the policy alone. Apply them before
// WithDefaults so the steps inherit an overridden default.
type Overrides struct {
	Application       string
	ArgoCDNamespace   string
	VirtualService    *ObjectRef
	Route             string
	ValuesKey         string
	StableSubset      string
	CanarySubset      string
	Weights           []int32
	MinDuration       time.Duration
	MinCanaryRequests int64
	MaxDuration       time.Duration
	Gate              Gate
	Interval          time.Duration
	Alpha             float64
	SyncTimeout       time.Duration
	FailurePolicy     FailurePolicy
	NotificationURL   string
}

// Apply returns p with the overrides applied. Step-level flags (durations,
// requests, gate) set the step defaults and clear the steps' own values, so
// `--min-duration 30s` means every step.
func (o Overrides) Apply(p CanaryPolicy) CanaryPolicy {
	s := &p.Spec
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&s.Target.Application, o.Application)
	set(&s.Target.ArgoCDNamespace, o.ArgoCDNamespace)
	set(&s.Target.Route, o.Route)
	set(&s.Target.ValuesKey, o.ValuesKey)
	set(&s.StableSubset, o.StableSubset)
	set(&s.CanarySubset, o.CanarySubset)
	set(&s.NotificationURL, o.NotificationURL)
	if o.VirtualService != nil {
		s.Target.VirtualService = *o.VirtualService
	}
	if o.Weights != nil {
		s.Steps = make([]Step, len(o.Weights))
		for i, w := range o.Weights {
			s.Steps[i] = Step{Weight: w}
		}
	}
	s.Steps = append([]Step(nil), s.Steps...)
	if o.MinDuration > 0 {
		s.StepDefaults.MinDuration = D(o.MinDuration)
		for i := range s.Steps {
			s.Steps[i].MinDuration = Duration{}
		}
	}
	if o.MaxDuration > 0 {
		s.StepDefaults.MaxDuration = D(o.MaxDuration)
		for i := range s.Steps {
			s.Steps[i].MaxDuration = Duration{}
		}
	}
	if o.MinCanaryRequests > 0 {
		s.StepDefaults.MinCanaryRequests = o.MinCanaryRequests
		for i := range s.Steps {
			s.Steps[i].MinCanaryRequests = 0
		}
	}
	if o.Gate != "" {
		s.StepDefaults.Gate = o.Gate
		for i := range s.Steps {
			s.Steps[i].Gate = ""
		}
	}
	if o.Interval > 0 {
		s.Analysis.Interval = D(o.Interval)
	}
	if o.Alpha > 0 {
		s.Analysis.Alpha = o.Alpha
	}
	if o.SyncTimeout > 0 {
		s.SyncTimeout = D(o.SyncTimeout)
	}
	if o.FailurePolicy != "" {
		s.FailurePolicy = o.FailurePolicy
	}
	return p
}

// Complete applies overrides and defaults to p and validates the result:
// the one way the CLI turns a file and flags into a policy to run.
func Complete(p CanaryPolicy, o Overrides) (*CanaryPolicy, error) {
	return complete(p, o, Validate)
}

// CompleteTarget is Complete for reading or signalling a rollout (status,
// pause, resume, promote, abort), which needs only the target: see
// ValidateTarget.
func CompleteTarget(p CanaryPolicy, o Overrides) (*CanaryPolicy, error) {
	return complete(p, o, ValidateTarget)
}

func complete(p CanaryPolicy, o Overrides, validate func(*CanaryPolicy) error) (*CanaryPolicy, error) {
	lines := p.lines
	d := WithDefaults(o.Apply(p))
	d.lines = lines
	if err := validate(&d); err != nil {
		return nil, err
	}
	return &d, nil
}
