package policy

import "time"

// Every default lives here, so the docs, the CRD description and the engine
// agree on one set of numbers.
var (
	DefaultArgoCDNamespace   = "argocd"
	DefaultWeights           = []int32{5, 25, 50, 100}
	DefaultMinDuration       = 2 * time.Minute
	DefaultMinCanaryRequests = int64(200)
	DefaultMaxDuration       = 15 * time.Minute
	DefaultGate              = GateAuto
	DefaultInterval          = 10 * time.Second
	DefaultAlpha             = 0.05
	DefaultPriorK            = 100.0
	DefaultNoDataTimeout     = 5 * time.Minute
	DefaultErrorCodes        = "5.."
	DefaultMargin            = 0.01
	DefaultHoldBayesFactor   = 2.0
	DefaultMaxErrorRate      = 0.05
	DefaultGuardAlpha        = 0.01
	DefaultGuardMinRequests  = int64(100)
	DefaultSyncTimeout       = 5 * time.Minute
	DefaultFailurePolicy     = FailureRollback
	DefaultTrigger           = TriggerWorkload
)

// WithDefaults returns a copy of p with every unset field filled. It never
// overrides a value the user set. Steps inherit unset fields from
// stepDefaults, which itself falls back to the package defaults.
func WithDefaults(p CanaryPolicy) CanaryPolicy {
	s := &p.Spec
	if p.APIVersion == "" {
		p.APIVersion = APIVersion
	}
	if p.Kind == "" {
		p.Kind = Kind
	}
	if s.Target.ArgoCDNamespace == "" {
		s.Target.ArgoCDNamespace = DefaultArgoCDNamespace
	}
	if s.Target.VirtualService.Namespace == "" {
		s.Target.VirtualService.Namespace = p.Metadata.Namespace
	}
	if p.Metadata.Name == "" {
		p.Metadata.Name = s.Target.VirtualService.Name
	}

	sd := &s.StepDefaults
	setDur(&sd.MinDuration, DefaultMinDuration)
	setDur(&sd.MaxDuration, DefaultMaxDuration)
	if sd.MinCanaryRequests == 0 {
		sd.MinCanaryRequests = DefaultMinCanaryRequests
	}
	if sd.Gate == "" {
		sd.Gate = DefaultGate
	}
	if len(s.Steps) == 0 {
		for _, w := range DefaultWeights {
			s.Steps = append(s.Steps, Step{Weight: w})
		}
	} else {
		s.Steps = append([]Step(nil), s.Steps...)
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		setDur(&st.MinDuration, sd.MinDuration.Duration)
		setDur(&st.MaxDuration, sd.MaxDuration.Duration)
		if st.MinCanaryRequests == 0 {
			st.MinCanaryRequests = sd.MinCanaryRequests
		}
		if st.Gate == "" {
			st.Gate = sd.Gate
		}
	}

	a := &s.Analysis
	setDur(&a.Interval, DefaultInterval)
	setDur(&a.NoDataTimeout, DefaultNoDataTimeout)
	if a.Alpha == 0 {
		a.Alpha = DefaultAlpha
	}
	if a.PriorK == 0 {
		a.PriorK = DefaultPriorK
	}
	if a.ErrorRate.Enabled == nil {
		a.ErrorRate.Enabled = ptr(true)
	}
	if a.ErrorRate.Codes == "" {
		a.ErrorRate.Codes = DefaultErrorCodes
	}
	if a.ErrorRate.Margin == nil {
		a.ErrorRate.Margin = ptr(DefaultMargin)
	}
	if a.HoldBayesFactor == nil {
		a.HoldBayesFactor = ptr(DefaultHoldBayesFactor)
	}
	if a.Latency.Enabled == nil {
		a.Latency.Enabled = ptr(true)
	}
	if a.Guards.MaxErrorRate == 0 {
		a.Guards.MaxErrorRate = DefaultMaxErrorRate
	}
	if a.Guards.Alpha == 0 {
		a.Guards.Alpha = DefaultGuardAlpha
	}
	if a.Guards.MinRequests == 0 {
		a.Guards.MinRequests = DefaultGuardMinRequests
	}
	a.CustomChecks = append([]CustomCheck(nil), a.CustomChecks...)

	setDur(&s.SyncTimeout, DefaultSyncTimeout)
	if s.FailurePolicy == "" {
		s.FailurePolicy = DefaultFailurePolicy
	}
	if s.Trigger == "" {
		s.Trigger = DefaultTrigger
	}
	s.Notifications = append([]Notification(nil), s.Notifications...)
	return p
}

func setDur(d *Duration, def time.Duration) {
	if d.Duration == 0 {
		d.Duration = def
	}
}

func ptr[T any](v T) *T { return &v }

// On reports whether an optional switch is enabled (nil means the default,
// which WithDefaults sets to true).
func On(b *bool) bool { return b == nil || *b }
