// Package v1alpha1 is the CanaryPolicy Kubernetes API object
// (gitshift.dev/v1alpha1) as the controller reads and writes it: the spec
// is policy.Spec (one definition for the CLI's files and the cluster), the
// status is what the controller reports. config/crd/gitshift.dev_canarypolicies.yaml
// is its schema; tests keep the two equal.
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// StartAnnotation asks the controller to start a rollout of a policy with
// trigger manual: any value it has not acted on yet starts one.
const StartAnnotation = "gitshift.dev/start"

// CanaryPolicy is a policy as stored in the cluster.
type CanaryPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   policy.Spec `json:"spec"`
	Status Status      `json:"status,omitempty"`
}

// CanaryPolicyList is a list of policies.
type CanaryPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CanaryPolicy `json:"items"`
}

// Phase values beyond the engine's phases (rollout.Phase names).
const (
	// PhaseIdle: no rollout of this policy is running.
	PhaseIdle = "Idle"
	// PhaseWaiting: a rollout is in Git but another runner (a CLI run)
	// holds the VirtualService's lease; the controller retries.
	PhaseWaiting = "Waiting"
)

// Condition types.
const (
	// Ready: the policy is valid and the controller can reach what it needs.
	ConditionReady = "Ready"
	// Progressing: a rollout is running (True) or not (False).
	ConditionProgressing = "Progressing"
	// Promoted: the last rollout promoted the canary.
	ConditionPromoted = "Promoted"
	// RolledBack: the last rollout was rolled back (or aborted, or failed).
	ConditionRolledBack = "RolledBack"
)

// MaxCommits bounds Status.Commits (the newest are kept).
const MaxCommits = 20

// Status is the controller's report on a policy.
type Status struct {
	// ObservedGeneration is the metadata.generation the status describes.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase: Idle, Waiting, or the rollout engine's phase (Shifting,
	// WaitingSync, VerifyingLive, Analysing, AwaitingGate, Advancing,
	// RollingBack, VerifyingRollback, Paused, Promoted, RolledBack,
	// Aborted, Failed).
	Phase string `json:"phase,omitempty"`
	// RolloutID is the current (or last) rollout's Gitshift-Rollout id.
	RolloutID string `json:"rolloutID,omitempty"`
	// Step is "i/n": the step whose weights the rollout last committed.
	Step string `json:"step,omitempty"`
	// CanaryWeight is the canary's weight in Git (the last commit).
	CanaryWeight *int32 `json:"canaryWeight,omitempty"`
	// GitWeights are the weights Git has (subset → percent).
	GitWeights map[string]int32 `json:"gitWeights,omitempty"`
	// LiveWeights are the live VirtualService's weights when last verified.
	LiveWeights map[string]int32 `json:"liveWeights,omitempty"`
	// LastDecision is the engine's latest decision with its evidence.
	LastDecision *Decision `json:"lastDecision,omitempty"`
	// Trigger is what started the current (or last) rollout, and what the
	// controller has seen of the triggers since.
	Trigger *TriggerStatus `json:"trigger,omitempty"`
	// Commits are the rollout's commits, oldest first, the newest MaxCommits.
	Commits []CommitRecord `json:"commits,omitempty"`
	// Message says what happens next, or why nothing does.
	Message string `json:"message,omitempty"`
	// StartedAt and FinishedAt bound the current (or last) rollout.
	StartedAt  *metav1.Time `json:"startedAt,omitempty"`
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	// LeaseHolder names the runner holding the VirtualService's lease
	// while the controller waits for it.
	LeaseHolder string             `json:"leaseHolder,omitempty"`
	Conditions  []metav1.Condition `json:"conditions,omitempty"`
}

// Decision is one decision of the engine.
type Decision struct {
	// Decision is start, advance, promote, hold, rollback, abort, pause,
	// resume or stop.
	Decision string      `json:"decision"`
	Reason   string      `json:"reason,omitempty"`
	Step     string      `json:"step,omitempty"`
	Time     metav1.Time `json:"time"`
	// SHA is the commit the decision was taken on (the step's commit).
	SHA      string    `json:"sha,omitempty"`
	Evidence *Evidence `json:"evidence,omitempty"`
}

// Evidence is the analysis behind a decision: the step's counts and rates
// and each sequential test's accumulated log Bayes factor against its bound.
type Evidence struct {
	CanaryRequests    int64   `json:"canaryRequests"`
	CanaryErrors      int64   `json:"canaryErrors"`
	BaselineRequests  int64   `json:"baselineRequests"`
	BaselineErrors    int64   `json:"baselineErrors"`
	CanaryErrorRate   float64 `json:"canaryErrorRate"`
	BaselineErrorRate float64 `json:"baselineErrorRate"`
	// ObservedSplit is the canary's share of the step's requests.
	ObservedSplit float64 `json:"observedSplit"`
	// InStepSeconds is how long the step had been analysed.
	InStepSeconds int64      `json:"inStepSeconds,omitempty"`
	Tests         []Test     `json:"tests,omitempty"`
	Checks        []CheckRun `json:"checks,omitempty"`
}

// Test is one sequential test: log Bayes factor vs the bound log(1/α).
type Test struct {
	Name           string  `json:"name"`
	LogBayesFactor float64 `json:"logBayesFactor"`
	Bound          float64 `json:"bound"`
	Rejected       bool    `json:"rejected"`
}

// CheckRun is one custom PromQL check's last value.
type CheckRun struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	OK    bool    `json:"ok"`
}

// TriggerStatus records what started the rollout and the trigger inputs
// the controller last acted on (so it starts once per change).
type TriggerStatus struct {
	// Kind is workload, policy, manual, or resume (a rollout found in Git).
	Kind    string       `json:"kind,omitempty"`
	Reason  string       `json:"reason,omitempty"`
	Time    *metav1.Time `json:"time,omitempty"`
	Rollout string       `json:"rollout,omitempty"`
	// Generation is the policy generation last acted on.
	Generation int64 `json:"generation,omitempty"`
	// Annotation is the gitshift.dev/start value last acted on.
	Annotation string `json:"annotation,omitempty"`
	// Templates are the canary workloads' pod-template hashes last acted
	// on ("Deployment/name" → hash).
	Templates map[string]string `json:"templates,omitempty"`
}

// CommitRecord is one of the rollout's commits.
type CommitRecord struct {
	SHA      string      `json:"sha"`
	Time     metav1.Time `json:"time"`
	Action   string      `json:"action"`
	Step     string      `json:"step,omitempty"`
	Weights  string      `json:"weights,omitempty"`
	Decision string      `json:"decision,omitempty"`
	// PushToLiveSeconds is the time from the push to the weights verified
	// live; absent until they are.
	PushToLiveSeconds *float64 `json:"pushToLiveSeconds,omitempty"`
}
