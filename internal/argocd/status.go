// Package argocd reads Argo CD Application status, decides whether a Git
// revision is live (Assess), triggers a refresh and waits for a revision.
//
// It reads Applications through the dynamic client into gitshift's own small
// types rather than importing the Argo CD module: the CRD's JSON is a stable
// contract across 2.14 and 3.x, the Go module is not, and it would pull in a
// second copy of half of Kubernetes.
package argocd

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GVR is the resource gitshift reads and (only for refresh) patches.
var GVR = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}

// Argo CD's values for sync.status, health.status and operationState.phase.
const (
	SyncSynced    = "Synced"
	SyncOutOfSync = "OutOfSync"
	SyncUnknown   = "Unknown"

	HealthHealthy     = "Healthy"
	HealthProgressing = "Progressing"
	HealthDegraded    = "Degraded"
	HealthSuspended   = "Suspended"
	HealthMissing     = "Missing"
	HealthUnknown     = "Unknown"

	PhaseRunning     = "Running"
	PhaseTerminating = "Terminating"
	PhaseFailed      = "Failed"
	PhaseError       = "Error"
	PhaseSucceeded   = "Succeeded"

	ConditionComparisonError = "ComparisonError"
)

// AppStatus is the part of an Application that says what Argo CD believes is
// deployed. Spec fields are kept as generic JSON so that comparedTo can be
// compared with spec field by field, including fields gitshift does not model.
type AppStatus struct {
	Name            string            `json:"name"`
	Namespace       string            `json:"namespace"`
	ResourceVersion string            `json:"resourceVersion,omitempty"`
	Annotations     map[string]string `json:"annotations,omitempty"`

	Spec   AppSpec `json:"spec"`
	Status Status  `json:"status"`
	// Operation is the pending or running operation (.operation); Argo CD
	// removes it when the operation completes.
	Operation map[string]any `json:"operation,omitempty"`
}

// AppSpec holds the spec fields that decide what is rendered and where.
type AppSpec struct {
	Project           string           `json:"project,omitempty"`
	Source            map[string]any   `json:"source,omitempty"`
	Sources           []map[string]any `json:"sources,omitempty"`
	Destination       map[string]any   `json:"destination,omitempty"`
	IgnoreDifferences []any            `json:"ignoreDifferences,omitempty"`
	SyncPolicy        map[string]any   `json:"syncPolicy,omitempty"`
}

// Status is .status, reduced to what the live decision needs.
type Status struct {
	Sync           SyncStatus      `json:"sync"`
	Health         Health          `json:"health"`
	OperationState *OperationState `json:"operationState,omitempty"`
	Conditions     []Condition     `json:"conditions,omitempty"`
	ReconciledAt   *time.Time      `json:"reconciledAt,omitempty"`
	Resources      []Resource      `json:"resources,omitempty"`
	SourceType     string          `json:"sourceType,omitempty"`
	// History is .status.history: the syncs Argo CD completed, oldest
	// first (revisionHistoryLimit keeps the newest, 10 by default).
	History []HistoryEntry `json:"history,omitempty"`
}

// HistoryEntry is one completed sync: which revision went live and when.
type HistoryEntry struct {
	ID              int64      `json:"id"`
	Revision        string     `json:"revision,omitempty"`
	Revisions       []string   `json:"revisions,omitempty"`
	DeployStartedAt *time.Time `json:"deployStartedAt,omitempty"`
	DeployedAt      time.Time  `json:"deployedAt"`
}

type SyncStatus struct {
	Status     string     `json:"status"`
	Revision   string     `json:"revision,omitempty"`
	Revisions  []string   `json:"revisions,omitempty"`
	ComparedTo ComparedTo `json:"comparedTo"`
}

type ComparedTo struct {
	Source            map[string]any   `json:"source,omitempty"`
	Sources           []map[string]any `json:"sources,omitempty"`
	Destination       map[string]any   `json:"destination,omitempty"`
	IgnoreDifferences []any            `json:"ignoreDifferences,omitempty"`
}

type Health struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

type OperationState struct {
	Phase      string      `json:"phase"`
	Message    string      `json:"message,omitempty"`
	RetryCount int64       `json:"retryCount,omitempty"` // > 0: a retry of a failed sync (syncPolicy.retry)
	StartedAt  *time.Time  `json:"startedAt,omitempty"`
	FinishedAt *time.Time  `json:"finishedAt,omitempty"`
	SyncResult *SyncResult `json:"syncResult,omitempty"`
}

type SyncResult struct {
	Revision  string   `json:"revision,omitempty"`
	Revisions []string `json:"revisions,omitempty"`
}

type Condition struct {
	Type               string     `json:"type"`
	Message            string     `json:"message,omitempty"`
	LastTransitionTime *time.Time `json:"lastTransitionTime,omitempty"`
}

// Resource is one entry of .status.resources: what Argo CD manages.
type Resource struct {
	Group     string  `json:"group,omitempty"`
	Version   string  `json:"version,omitempty"`
	Kind      string  `json:"kind"`
	Namespace string  `json:"namespace,omitempty"`
	Name      string  `json:"name"`
	Status    string  `json:"status,omitempty"`
	Health    *Health `json:"health,omitempty"`
}

// rawApp mirrors the Application's JSON layout for decoding.
type rawApp struct {
	Metadata struct {
		Name            string            `json:"name"`
		Namespace       string            `json:"namespace"`
		ResourceVersion string            `json:"resourceVersion"`
		Annotations     map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec      AppSpec        `json:"spec"`
	Status    Status         `json:"status"`
	Operation map[string]any `json:"operation"`
}

// Parse decodes an Application object (as JSON, e.g. from the API server or a
// recorded fixture) into an AppStatus.
func Parse(data []byte) (AppStatus, error) {
	var r rawApp
	if err := json.Unmarshal(data, &r); err != nil {
		return AppStatus{}, fmt.Errorf("decoding Application: %w", err)
	}
	return AppStatus{
		Name:            r.Metadata.Name,
		Namespace:       r.Metadata.Namespace,
		ResourceVersion: r.Metadata.ResourceVersion,
		Annotations:     r.Metadata.Annotations,
		Spec:            r.Spec,
		Status:          r.Status,
		Operation:       r.Operation,
	}, nil
}

// FromUnstructured converts an object read with the dynamic client.
func FromUnstructured(u *unstructured.Unstructured) (AppStatus, error) {
	data, err := u.MarshalJSON()
	if err != nil {
		return AppStatus{}, fmt.Errorf("encoding Application %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return Parse(data)
}

// SpecSources returns spec.sources, or spec.source as a one-element list.
func (a AppStatus) SpecSources() []map[string]any {
	if len(a.Spec.Sources) > 0 {
		return a.Spec.Sources
	}
	if a.Spec.Source != nil {
		return []map[string]any{a.Spec.Source}
	}
	return nil
}

// Revisions returns the revisions Argo CD last compared: sync.revisions for a
// multi-source Application, else sync.revision.
func (a AppStatus) Revisions() []string {
	if len(a.Status.Sync.Revisions) > 0 {
		return a.Status.Sync.Revisions
	}
	if a.Status.Sync.Revision != "" {
		return []string{a.Status.Sync.Revision}
	}
	return nil
}

// DestinationNamespace is spec.destination.namespace: where Argo CD puts
// namespaced objects that do not name a namespace.
func (a AppStatus) DestinationNamespace() string {
	ns, _ := a.Spec.Destination["namespace"].(string)
	return ns
}

// SelfHeal reports spec.syncPolicy.automated.selfHeal.
func (a AppStatus) SelfHeal() bool {
	auto, _ := a.Spec.SyncPolicy["automated"].(map[string]any)
	v, _ := auto["selfHeal"].(bool)
	return v
}

// Automated reports whether automated sync is on.
func (a AppStatus) Automated() bool {
	_, ok := a.Spec.SyncPolicy["automated"].(map[string]any)
	return ok
}

// HasSyncOption reports whether spec.syncPolicy.syncOptions holds opt
// exactly (Argo CD compares the "Name=value" strings as written).
func (a AppStatus) HasSyncOption(opt string) bool {
	opts, _ := a.Spec.SyncPolicy["syncOptions"].([]any)
	for _, o := range opts {
		if s, _ := o.(string); s == opt {
			return true
		}
	}
	return false
}

// SyncTiming is when Argo CD's last successful sync of a revision ran.
type SyncTiming struct {
	Started, Finished time.Time
}

// Apply is how long the sync took: Argo CD applying the objects and
// waiting for their health hooks, not the time to notice the commit.
func (t SyncTiming) Apply() time.Duration { return t.Finished.Sub(t.Started) }

// LastSyncOf returns the timing of the last operation when it succeeded
// and synced sha (for a multi-source Application, sha among its
// revisions); ok is false otherwise, e.g. when the revision changed no
// object and so was never synced, or the status lacks the timestamps.
func (a AppStatus) LastSyncOf(sha string) (t SyncTiming, ok bool) {
	op := a.Status.OperationState
	if op == nil || op.Phase != PhaseSucceeded || op.SyncResult == nil || op.StartedAt == nil || op.FinishedAt == nil {
		return SyncTiming{}, false
	}
	if op.SyncResult.Revision != sha && !slices.Contains(op.SyncResult.Revisions, sha) {
		return SyncTiming{}, false
	}
	return SyncTiming{Started: *op.StartedAt, Finished: *op.FinishedAt}, true
}
