// Package verify is gitshift's verification checklist: an ordered table of
// checks that follows the chain Git -> Argo CD -> cluster -> traffic and says
// which link is broken, with evidence, cause and fix. It is a library: the
// CLI prints its Report, the rollout can run it between steps.
package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
	// Helm sources render with the Helm library engine.
	_ "github.com/gitshift/gitshift/internal/source/helmengine"
)

// Status is a check's outcome.
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail"
	// Insufficient: the check ran but the data cannot decide (too little
	// traffic); the result says how much there was.
	Insufficient Status = "insufficient"
	// Skip: not applicable, or a check it depends on did not pass.
	Skip Status = "skip"
	// Error: could not check (a system was unreachable or errored).
	Error Status = "error"
)

// Result is one line of the checklist.
type Result struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Summary is the one-line evidence: SHAs, counts, weights.
	Summary string `json:"summary"`
	// Details are further evidence lines (per object, subset, route).
	Details []string `json:"details,omitempty"`
	// Evidence holds the same facts as data for -o json.
	Evidence map[string]any `json:"evidence,omitempty"`
	// Notes are advice that holds even when the check passes (e.g. a slow
	// sync); shown under every status.
	Notes []string `json:"notes,omitempty"`
	Cause string   `json:"cause,omitempty"`
	Fix   string   `json:"fix,omitempty"`
	Error string   `json:"error,omitempty"`
	// Unreachable is set when an Error result means a system could not be
	// reached (as opposed to, e.g., an unsupported source).
	Unreachable bool          `json:"unreachable,omitempty"`
	Duration    time.Duration `json:"durationNs"`
}

// Check is one entry of the checklist.
type Check struct {
	ID    string
	Title string
	Run   func(context.Context, *State) Result
}

// Apps reads and refreshes Argo CD Applications (argocd.Reader).
type Apps interface {
	Get(ctx context.Context, namespace, name string) (argocd.AppStatus, error)
	Refresh(ctx context.Context, namespace, name string, t argocd.RefreshType) error
	WaitForRevision(ctx context.Context, namespace, name, sha string, pushedAt time.Time, progress func(argocd.Assessment)) (argocd.Assessment, error)
}

// Cluster reads live objects (kube.Client).
type Cluster interface {
	LiveFor(ctx context.Context, obj *unstructured.Unstructured, defaultNS string) (kube.Lookup, error)
	Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error)
	List(ctx context.Context, gvk schema.GroupVersionKind, namespace string) ([]unstructured.Unstructured, error)
	ServiceSelector(ctx context.Context, namespace, name string) (map[string]string, error)
	SubsetPods(ctx context.Context, namespace string, serviceSelector, subsetLabels map[string]string) ([]kube.Pod, error)
}

// Git resolves a repository revision to a commit and a directory holding
// that commit's files.
type Git interface {
	Checkout(ctx context.Context, repo, revision string) (Checkout, error)
}

// Checkout is one commit's files on disk.
type Checkout struct {
	Dir      string    `json:"-"`
	Repo     string    `json:"repo"`
	Revision string    `json:"revision"`
	SHA      string    `json:"sha"` // "" when Dir is not a git checkout
	Time     time.Time `json:"commitTime"`
	// Local is true when Repo is a directory rather than the remote Argo CD
	// reads: the SHA is then the local one.
	Local bool `json:"local,omitempty"`
}

// Deps are the systems verify talks to. Metrics may be nil: the traffic
// checks are then skipped.
type Deps struct {
	Apps Apps
	// Cluster is the kube context's cluster, where the Application is read.
	// It is also the destination unless Destinations picks another.
	Cluster Cluster
	// Destinations, when set, checks that the Application's destination is
	// Cluster or opens the one the user named; nil trusts Cluster.
	Destinations *Destinations
	Metrics      metrics.Querier
	Git          Git
	// ControlPlane, when set, is asked whether istiod applied the live
	// VirtualServices; nil falls back to the API server's copy.
	ControlPlane ControlPlane
}

// Outcome summarizes a report for the exit code.
type Outcome string

const (
	OutcomePassed      Outcome = "passed"
	OutcomeFailed      Outcome = "failed"      // a check failed or could not decide
	OutcomeUnavailable Outcome = "unavailable" // nothing failed, but something could not be checked
)

// Report is the whole checklist run.
type Report struct {
	App       string            `json:"application"`
	Namespace string            `json:"namespace"`
	Git       Checkout          `json:"git"`
	Results   []Result          `json:"checks"`
	Links     map[string]string `json:"links,omitempty"`
	Started   time.Time         `json:"started"`
	Duration  time.Duration     `json:"durationNs"`
	Outcome   Outcome           `json:"outcome"`
}

// Run runs the checklist in order. A check whose prerequisites did not pass
// is skipped with the reason, so one broken link is reported once.
func Run(ctx context.Context, cfg Config, deps Deps) Report {
	cfg = cfg.withDefaults()
	s := &State{Config: cfg, Deps: deps}
	rep := Report{App: cfg.App, Namespace: cfg.AppNamespace, Started: cfg.Now()}
	for _, c := range Checklist() {
		t0 := time.Now()
		r := c.Run(ctx, s)
		r.ID, r.Title, r.Duration = c.ID, c.Title, time.Since(t0)
		s.done = append(s.done, r)
		if cfg.OnResult != nil {
			cfg.OnResult(r)
		}
	}
	rep.Results = s.done
	rep.Git = s.Checkout
	rep.Links = links(cfg, s)
	rep.Duration = time.Since(rep.Started)
	rep.Outcome = outcome(rep.Results)
	return rep
}

// outcome: a definite failure outranks "could not check", which outranks
// pass; insufficient data counts as not verified.
func outcome(rs []Result) Outcome {
	var failed, unavailable bool
	for _, r := range rs {
		switch r.Status {
		case Fail, Insufficient:
			failed = true
		case Error:
			unavailable = true
		}
	}
	switch {
	case failed:
		return OutcomeFailed
	case unavailable:
		return OutcomeUnavailable
	}
	return OutcomePassed
}

// errorResult turns an error into an Error result, marking unreachable
// systems so the CLI can exit 2 with a clear message.
func errorResult(what string, err error) Result {
	r := Result{Status: Error, Summary: "could not check: " + what, Error: err.Error()}
	if kube.IsUnreachable(err) || metrics.IsUnavailable(err) || isRemoteError(err) || errors.Is(err, istiod.ErrUnreachable) || errors.Is(err, context.DeadlineExceeded) {
		r.Unreachable = true
	}
	var ce *kube.ConfigError
	switch {
	case errors.As(err, &ce):
		r.Fix = "pass --kubeconfig/--context, or set KUBECONFIG"
	case isDestinationError(err):
		r.Unreachable = true
		r.Fix = "pass --destination-context with a kubeconfig context for the destination cluster"
	}
	return r
}

func skipped(format string, args ...any) Result {
	return Result{Status: Skip, Summary: fmt.Sprintf(format, args...)}
}

// errWaitTimeout marks a --wait/--refresh deadline: a failed check (the
// revision did not go live), not an unreachable system.
var errWaitTimeout = errors.New("wait timed out")

func isTimeout(err error) bool { return errors.Is(err, errWaitTimeout) }
