// Package policy holds the CanaryPolicy API (gitshift.dev/v1alpha1): Go types,
// YAML parsing with file:line errors, defaults in one place, validation and
// flag overrides. It is pure: no I/O beyond reading the policy file, no
// client-go, so `check` and tests can use it offline.
package policy

// The API group, version and kind of the policy object.
const (
	Group      = "gitshift.dev"
	Version    = "v1alpha1"
	APIVersion = Group + "/" + Version
	Kind       = "CanaryPolicy"
)

// CanaryPolicy says how gitshift rolls a canary subset out through Git. The
// same object is a CRD so Argo CD can carry it next to the manifests it
// governs; gitshift itself reads it from the repository or a file.
type CanaryPolicy struct {
	APIVersion string     `json:"apiVersion" yaml:"apiVersion"`
	Kind       string     `json:"kind" yaml:"kind"`
	Metadata   ObjectMeta `json:"metadata" yaml:"metadata"`
	Spec       Spec       `json:"spec" yaml:"spec"`

	// File is where the policy was read from ("" for flags only); not part
	// of the API, used in messages.
	File string `json:"-" yaml:"-"`
	// lines locates fields in File for validation messages.
	lines lineIndex
}

// ObjectMeta is the subset of Kubernetes object metadata a policy uses.
type ObjectMeta struct {
	Name        string            `json:"name" yaml:"name"`
	Namespace   string            `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty" yaml:"annotations,omitempty"`
}

// Spec is the desired rollout.
type Spec struct {
	Target        Target        `json:"target" yaml:"target"`
	StableSubset  string        `json:"stableSubset" yaml:"stableSubset"`
	CanarySubset  string        `json:"canarySubset" yaml:"canarySubset"`
	StepDefaults  StepDefaults  `json:"stepDefaults,omitempty" yaml:"stepDefaults,omitempty"`
	Steps         []Step        `json:"steps,omitempty" yaml:"steps,omitempty"`
	Analysis      Analysis      `json:"analysis,omitempty" yaml:"analysis,omitempty"`
	SyncTimeout   Duration      `json:"syncTimeout,omitempty" yaml:"syncTimeout,omitempty"`
	FailurePolicy FailurePolicy `json:"failurePolicy,omitempty" yaml:"failurePolicy,omitempty"`
	Webhooks      Webhooks      `json:"webhooks,omitempty" yaml:"webhooks,omitempty"`
	// NotificationURL receives every decision as a JSON POST (best effort).
	NotificationURL string `json:"notificationURL,omitempty" yaml:"notificationURL,omitempty"`

	// The fields below are read by `gitshift controller` only; the CLI
	// accepts and ignores them, so one file serves both.

	// Trigger says what starts a rollout in the controller (default workload).
	Trigger Trigger `json:"trigger,omitempty" yaml:"trigger,omitempty"`
	// Git names the credentials the controller pushes with.
	Git GitAccess `json:"git,omitempty" yaml:"git,omitempty"`
	// Notifications receive one message per decision.
	Notifications []Notification `json:"notifications,omitempty" yaml:"notifications,omitempty"`
}

// Trigger is what makes the controller start a rollout.
type Trigger string

const (
	// TriggerWorkload: the canary subset's workload got a new pod template
	// (e.g. a commit changed its image) while Git gives the canary < 100%.
	TriggerWorkload Trigger = "workload"
	// TriggerPolicy: the policy's spec changed (metadata.generation).
	TriggerPolicy Trigger = "policy"
	// TriggerManual: a person asks, with the gitshift.dev/start annotation
	// (any new value) or `gitshift rollout start`.
	TriggerManual Trigger = "manual"
)

// GitAccess says how the controller authenticates to the Git remote.
type GitAccess struct {
	// SecretRef names a Secret in the policy's namespace with either
	// `token` (HTTPS basic, user `username` or x-access-token), or
	// `bearerToken` (HTTPS Authorization: Bearer), or `sshPrivateKey` and
	// `knownHosts` (SSH). Key is not used.
	SecretRef *SecretRef `json:"secretRef,omitempty" yaml:"secretRef,omitempty"`
}

// SecretRef names a Secret (in the policy's namespace) and a key in it.
type SecretRef struct {
	Name string `json:"name" yaml:"name"`
	Key  string `json:"key,omitempty" yaml:"key,omitempty"`
}

// NotificationType is a receiver's message format.
type NotificationType string

const (
	NotifySlack   NotificationType = "slack"   // Slack incoming webhook
	NotifyTeams   NotificationType = "teams"   // Microsoft Teams incoming webhook (message card)
	NotifyWebhook NotificationType = "webhook" // plain JSON
)

// Notification is one receiver of decision messages.
type Notification struct {
	Type NotificationType `json:"type" yaml:"type"`
	// URL of the receiver, or SecretRef to a Secret key holding it (chat
	// webhook URLs are credentials).
	URL       string     `json:"url,omitempty" yaml:"url,omitempty"`
	SecretRef *SecretRef `json:"secretRef,omitempty" yaml:"secretRef,omitempty"`
	// On lists the decision kinds sent (start, advance, promote, hold,
	// rollback, abort, pause, resume, stop); empty sends every decision.
	On []string `json:"on,omitempty" yaml:"on,omitempty"`
}

// DecisionKinds are the values Notification.On accepts: the engine's
// decisions (rollout.Decision, which this package cannot import).
var DecisionKinds = []string{"start", "advance", "promote", "hold", "rollback", "abort", "pause", "resume", "stop"}

// Target names what the rollout changes and where Argo CD applies it.
type Target struct {
	Application     string    `json:"application" yaml:"application"`
	ArgoCDNamespace string    `json:"argocdNamespace,omitempty" yaml:"argocdNamespace,omitempty"`
	VirtualService  ObjectRef `json:"virtualService" yaml:"virtualService"`
	// Route is the name of the HTTP route whose destinations are weighted;
	// empty means the only (or first) route.
	Route string `json:"route,omitempty" yaml:"route,omitempty"`
	// ValuesKey is the Helm values key that renders the weights, for Helm
	// sources (e.g. "reviews.canary.weight").
	ValuesKey string `json:"valuesKey,omitempty" yaml:"valuesKey,omitempty"`
}

// ObjectRef names a namespaced object.
type ObjectRef struct {
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	Name      string `json:"name" yaml:"name"`
}

func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// Gate says who lets a step advance once its analysis passed.
type Gate string

const (
	GateAuto   Gate = "auto"   // advance as soon as the evidence allows
	GateManual Gate = "manual" // wait for `gitshift rollout resume` (a signal commit)
)

// StepDefaults fill the fields a step leaves empty.
type StepDefaults struct {
	MinDuration       Duration `json:"minDuration,omitempty" yaml:"minDuration,omitempty"`
	MinCanaryRequests int64    `json:"minCanaryRequests,omitempty" yaml:"minCanaryRequests,omitempty"`
	MaxDuration       Duration `json:"maxDuration,omitempty" yaml:"maxDuration,omitempty"`
	Gate              Gate     `json:"gate,omitempty" yaml:"gate,omitempty"`
}

// Step is one traffic step for the canary and the evidence needed to leave
// it. It sets exactly one of Weight, HeaderRoute and Mirror; header and
// mirror steps come before the weighted ones and give the canary no user
// traffic by weight (the stable subset keeps 100).
type Step struct {
	// Weight is the canary's percentage; the stable subset gets the rest.
	Weight int32 `json:"weight,omitempty" yaml:"weight,omitempty"`
	// HeaderRoute sends the requests carrying a header to the canary and
	// everyone else to the stable subset (a match route inserted before the
	// weighted route).
	HeaderRoute *HeaderMatch `json:"headerRoute,omitempty" yaml:"headerRoute,omitempty"`
	// Mirror copies this percentage of the route's requests to the canary
	// (mirror and mirrorPercentage); the copies' responses are discarded, so
	// no user sees the canary.
	Mirror int32 `json:"mirror,omitempty" yaml:"mirror,omitempty"`
	// MinDuration is the least time the step is analysed before advancing.
	MinDuration Duration `json:"minDuration,omitempty" yaml:"minDuration,omitempty"`
	// MinCanaryRequests is the least number of canary requests observed in
	// the step before advancing.
	MinCanaryRequests int64 `json:"minCanaryRequests,omitempty" yaml:"minCanaryRequests,omitempty"`
	// MaxDuration bounds the analysis: without a conclusion by then, the
	// failure policy applies; a step held on leaning evidence
	// (Analysis.HoldBayesFactor) advances then.
	MaxDuration Duration `json:"maxDuration,omitempty" yaml:"maxDuration,omitempty"`
	Gate        Gate     `json:"gate,omitempty" yaml:"gate,omitempty"`
}

// HeaderMatch names a request header and how its value must match: exactly
// one of Exact, Prefix and Regex (RE2, the whole value), as in Istio's
// HTTPMatchRequest.headers.
type HeaderMatch struct {
	Name   string `json:"name" yaml:"name"`
	Exact  string `json:"exact,omitempty" yaml:"exact,omitempty"`
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	Regex  string `json:"regex,omitempty" yaml:"regex,omitempty"`
}

// Match returns the match kind ("exact", "prefix", "regex") and its value;
// "" when none is set.
func (h HeaderMatch) Match() (kind, value string) {
	switch {
	case h.Exact != "":
		return "exact", h.Exact
	case h.Prefix != "":
		return "prefix", h.Prefix
	case h.Regex != "":
		return "regex", h.Regex
	}
	return "", ""
}

// StepKind says what a step changes.
type StepKind string

const (
	StepWeight StepKind = "weight"
	StepHeader StepKind = "headerRoute"
	StepMirror StepKind = "mirror"
)

// Kind is the step's kind (weight when it sets none of the others).
func (s Step) Kind() StepKind {
	switch {
	case s.HeaderRoute != nil:
		return StepHeader
	case s.Mirror != 0:
		return StepMirror
	}
	return StepWeight
}

// FailurePolicy says what happens when the rollout cannot conclude (sync
// timeout, no metrics, step without evidence by maxDuration). A canary
// proven worse than the baseline is always rolled back.
type FailurePolicy string

const (
	FailureRollback FailurePolicy = "rollback"
	FailurePause    FailurePolicy = "pause"
)

// Analysis configures how the canary is judged against the baseline.
type Analysis struct {
	// Interval between two looks at the metrics.
	Interval Duration `json:"interval,omitempty" yaml:"interval,omitempty"`
	// Alpha bounds the false-rollback probability of the sequential tests.
	Alpha float64 `json:"alpha,omitempty" yaml:"alpha,omitempty"`
	// PriorK is the concentration k of the Beta mixture of the Bayes factors.
	PriorK float64 `json:"priorK,omitempty" yaml:"priorK,omitempty"`
	// NoDataTimeout: how long metrics may be missing or unreachable before
	// the failure policy applies.
	NoDataTimeout Duration `json:"noDataTimeout,omitempty" yaml:"noDataTimeout,omitempty"`
	// HoldBayesFactor holds a step that could advance while a test's
	// evidence for a worse canary (its Bayes factor) is above this, up to the step's
	// maxDuration. 0 turns holding off; unset means DefaultHoldBayesFactor.
	HoldBayesFactor *float64      `json:"holdBayesFactor,omitempty" yaml:"holdBayesFactor,omitempty"`
	ErrorRate       ErrorRateTest `json:"errorRate,omitempty" yaml:"errorRate,omitempty"`
	Latency         LatencyTest   `json:"latency,omitempty" yaml:"latency,omitempty"`
	Guards          Guards        `json:"guards,omitempty" yaml:"guards,omitempty"`
	CustomChecks    []CustomCheck `json:"customChecks,omitempty" yaml:"customChecks,omitempty"`
}

// ErrorRateTest compares the canary's error rate with the baseline's.
type ErrorRateTest struct {
	Enabled *bool `json:"enabled,omitempty" yaml:"enabled,omitempty"`
	// Codes is a regular expression over response codes counted as errors.
	Codes string `json:"codes,omitempty" yaml:"codes,omitempty"`
	// Margin is the non-inferiority margin: once the canary's error rate is
	// shown at most this much above the baseline's (absolute, over the
	// rollout so far, at alpha), a step may advance before its minDuration
	// and minCanaryRequests. 0 turns early advancing off; unset means
	// DefaultMargin.
	Margin *float64 `json:"margin,omitempty" yaml:"margin,omitempty"`
}

// LatencyTest compares the canary's latency histogram with the baseline's.
type LatencyTest struct {
	Enabled *bool `json:"enabled,omitempty" yaml:"enabled,omitempty"`
}

// Guards are absolute limits that fail the canary without a baseline
// comparison (e.g. when the baseline sees no traffic).
type Guards struct {
	// MaxErrorRate fails the canary once a sequential test shows its error
	// rate above this value (not merely a point estimate above it).
	MaxErrorRate float64 `json:"maxErrorRate,omitempty" yaml:"maxErrorRate,omitempty"`
	// Alpha bounds the probability that the guard ever fails a canary whose
	// error rate is at most MaxErrorRate.
	Alpha float64 `json:"alpha,omitempty" yaml:"alpha,omitempty"`
	// MinRequests each arm must have seen in a step before the judge may
	// promote it.
	MinRequests int64 `json:"minRequests,omitempty" yaml:"minRequests,omitempty"`
}

// CustomCheck is a PromQL query whose scalar result must satisfy
// `value Op Threshold`, or the canary fails.
type CustomCheck struct {
	Name      string  `json:"name" yaml:"name"`
	PromQL    string  `json:"promql" yaml:"promql"`
	Op        string  `json:"op" yaml:"op"`
	Threshold float64 `json:"threshold" yaml:"threshold"`
}

// Webhooks are called with a JSON body at the named moments. A failing
// beforeStep or afterStep hook applies the failure policy; onRollback is
// best effort.
type Webhooks struct {
	BeforeStep string `json:"beforeStep,omitempty" yaml:"beforeStep,omitempty"`
	AfterStep  string `json:"afterStep,omitempty" yaml:"afterStep,omitempty"`
	OnRollback string `json:"onRollback,omitempty" yaml:"onRollback,omitempty"`
}
