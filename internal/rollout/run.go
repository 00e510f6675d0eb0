package rollout

import (
	"time"

	"github.com/gitshift/gitshift/internal/judge"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/stats"
)

// Run is one rollout's working state in the engine. The durable part is
// rebuilt from Git by Derive on every start; the rest (analysis windows,
// timers) restarts with the process, which is safe: a restarted step analysis
// only costs time.
type Run struct {
	ID    string
	Phase Phase
	// Step is the 1-based index of the step whose weights gitshift last
	// committed; 0 before the first.
	Step int
	// Target is the step Shifting commits next.
	Target int
	// SkipToFinal: a promote signal asked to go straight to the last step.
	SkipToFinal bool
	// StepSHA, PushedAt: the commit that set the current weights.
	StepSHA  string
	PushedAt time.Time
	// syncFrom starts the sync timeout when the wait did not follow a push
	// (a resumed runner, a resumed pause): Argo CD gets a full syncTimeout.
	syncFrom time.Time
	// Expected are the weights gitshift's last commit put in Git.
	Expected map[string]int32
	// Routing is the header route and mirror that commit put in Git
	// (policies with header or mirror steps only).
	Routing mesh.CanaryRouting
	// Cause is the typed reason for a rollback, pause or stop.
	Cause error
	// Decision and Reason go into the next commit's trailers.
	Decision Decision
	Reason   string
	// pauseCommitted: the pause is recorded in Git (a signal commit).
	pauseCommitted bool
	// leased: this run holds the VirtualService's lease (Finish releases it).
	leased bool

	// Per-step analysis, reset by BeginStep.
	analysisStart time.Time
	prevCanary    stats.Counts // the window's last reading
	prevBaseline  stats.Counts
	totalCanary   int64
	noDataSince   time.Time
	lastErr       error
	report        *Analysis
	lastVerdict   judge.Verdict
	// liveTries counts VerifyingLive retries while Argo CD's apply settles.
	liveTries int
	// cpFrom is when the API server first held commit cpSHA and the
	// control-plane wait began; it survives the Steps of a sliced wait
	// (Options.MaxBlock). A restarted runner starts a new bound, as
	// syncFrom does. cpLast is the last pending answer logged.
	cpFrom time.Time
	cpSHA  string
	cpLast string
	// pushFailedSince and pushRetries track a commit whose push is being
	// retried (retryPush); zero when the last push succeeded.
	pushFailedSince time.Time
	pushRetries     int
	// checkedHead is the branch head whose weights were last compared with
	// Expected, so the foreign-change check reads Git only when it moved.
	checkedHead string

	enteredAt time.Time
	stepStart time.Time
	timeline  []TimelineEntry
	events    []Event
	started   time.Time
}

func (r *Run) resetAnalysis() {
	r.analysisStart = time.Time{}
	r.prevCanary, r.prevBaseline = stats.Counts{}, stats.Counts{}
	r.totalCanary = 0
	r.noDataSince = time.Time{}
	r.lastErr = nil
	r.report = nil
	r.lastVerdict = judge.Continue
	r.liveTries = 0
}

// Report is the last analysis of the current step (nil before its first look).
func (r *Run) Report() *Analysis { return r.report }

// Timeline are the rollout's commits so far, oldest first (shared: do not modify).
func (r *Run) Timeline() []TimelineEntry { return r.timeline }

// Started is when this run began (a resumed rollout: when it resumed).
func (r *Run) Started() time.Time { return r.started }

// Leased reports whether r holds the VirtualService's lease.
func (r *Run) Leased() bool { return r.leased }
