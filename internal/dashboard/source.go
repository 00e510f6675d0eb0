package dashboard

import (
	"context"
	"errors"
	"time"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/verify"
)

// Source is what the pages show, read when a page is rendered. Live reads
// Git, the cluster and Prometheus; tests use fakes. A Source returns raw
// facts (URLs as configured, errors as they came): the pages redact.
type Source interface {
	Overview(ctx context.Context) (Overview, error)
	// Rollout returns one rollout; an error wrapping ErrNotFound when
	// history has no such rollout.
	Rollout(ctx context.Context, k Key) (Detail, error)
	// Verify runs the verify checklist of an Application.
	Verify(ctx context.Context, namespace, app string) (verify.Report, error)
}

// ErrNotFound: no such rollout or Application.
var ErrNotFound = errors.New("not found")

// Key names one rollout: its VirtualService (namespace/name) and id.
type Key struct {
	VirtualService string `json:"virtualService"`
	ID             string `json:"id"`
}

// Overview is every rollout the Source knows of.
type Overview struct {
	Rollouts []Summary `json:"rollouts"`
	// Apps are the Argo CD Applications the policies target.
	Apps []AppRef `json:"apps"`
	// Problems are what could not be read (a repository, the cluster),
	// one line each.
	Problems []string `json:"problems,omitempty"`
}

// AppRef names an Argo CD Application.
type AppRef struct{ Namespace, Name string }

// Summary is one rollout as its commits (and, when a controller runs it,
// its CanaryPolicy's status) tell it.
type Summary struct {
	Key
	// Policy names the CanaryPolicy ("namespace/name", or a file).
	Policy         string
	App            AppRef
	Stable, Canary string
	Phase          string
	Step, Steps    int
	Weights        map[string]int32 // Git's, after the rollout's last weight commit
	Started        time.Time
	Updated        time.Time
}

// Running reports whether the rollout has not ended.
func (s Summary) Running() bool {
	switch s.Phase {
	case PhasePromoted, PhaseRolledBack, "Aborted", "Failed":
		return false
	}
	return true
}

// Phases derived from Git history (a controller's status may say more:
// Analysing, WaitingSync, ...).
const (
	PhaseInProgress = "InProgress"
	PhasePaused     = "Paused"
	PhasePromoted   = "Promoted"
	PhaseRolledBack = "RolledBack"
)

// HistoryPhase is the phase Git history alone tells.
func HistoryPhase(st rollout.State) string {
	switch {
	case st.Finished && st.Action == rollout.ActionPromote:
		return PhasePromoted
	case st.Finished:
		return PhaseRolledBack
	case st.Paused:
		return PhasePaused
	}
	return PhaseInProgress
}

// Detail is everything one rollout's page shows.
type Detail struct {
	Summary
	Repo, Branch string
	// State is the rollout derived from history (its timeline).
	State rollout.State
	// Live are the live VirtualService's weights (nil when unknown).
	Live      map[string]int32
	LiveError string
	// Deployments are Argo CD's completed syncs, oldest first.
	Deployments []argocd.HistoryEntry
	// Traffic are request counts per version in consecutive buckets over
	// the rollout's time span; Versions maps subsets to version labels.
	Traffic      []metrics.WindowCounts
	Versions     map[string]string
	TrafficQuery string // the selector, for the page and a Prometheus link
	TrafficError string
	// Analysis is the policy's (defaulted) analysis: the thresholds.
	Analysis policy.Analysis
	// Decision is the controller's last decision with its evidence, when
	// a controller runs this rollout.
	Decision *api.Decision
	// Events are the engine's events recorded in this process (a
	// Recorder), oldest first; nil elsewhere.
	Events []rollout.Event
	// Now is when the detail was read (the right edge of running charts).
	Now time.Time
}
