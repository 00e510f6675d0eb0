package rollout

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/wire"
	"github.com/gitshift/gitshift/internal/termsafe"
)

// rolloutStatus is `rollout status`: history's view plus, when the cluster
// is reachable, the live weights.
type rolloutStatus struct {
	rollout.State
	Phase string           `json:"phase"`
	Live  map[string]int32 `json:"liveWeights,omitempty"`
	// LiveMatches compares the live weights with the last weight commit.
	LiveMatches *bool  `json:"liveMatches,omitempty"`
	LiveError   string `json:"liveError,omitempty"`
}

func newRolloutStatusCommand(s command.Streams, o *rolloutOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the VirtualService's rollout as Git history and the cluster tell it",
		Example: `  gitshift rollout status --policy canary-policy.yaml
  gitshift rollout status --app bookinfo --virtualservice bookinfo/reviews -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRolloutStatus(cmd.Context(), s, o) },
	}
	command.AddOutputFlag(cmd, &o.output, command.Text, command.JSON, command.YAML)
	return cmd
}

func runRolloutStatus(ctx context.Context, s command.Streams, o *rolloutOptions) error {
	format, err := command.ParseOutput(o.output, command.Text, command.JSON, command.YAML)
	if err != nil {
		return err
	}
	env, st, err := o.openState(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	out := rolloutStatus{State: st, Phase: statusPhase(st)}
	if live := env.Live(); live != nil && st.Found {
		w, err := live.Weights(ctx)
		if err != nil {
			out.LiveError = err.Error()
		} else {
			ok := rollout.EqualWeights(w, st.Weights)
			out.Live, out.LiveMatches = w, &ok
		}
	}
	if format != command.Text {
		return command.WriteData(s.Out, format, out)
	}
	printStatus(s.Out, out)
	return nil
}

// openState opens the policy's repository and derives its rollout from
// history: --id's, or the VirtualService's newest.
func (o *rolloutOptions) openState(ctx context.Context) (*wire.Env, rollout.State, error) {
	env, err := o.open(ctx)
	if err != nil {
		return nil, rollout.State{}, err
	}
	st, err := env.State(ctx, o.id)
	if err != nil {
		env.Close()
		return nil, st, err
	}
	return env, st, nil
}

func statusPhase(st rollout.State) string {
	switch {
	case !st.Found:
		return "None"
	case st.Finished && st.Action == rollout.ActionPromote:
		return "Promoted"
	case st.Finished:
		return "RolledBack"
	case st.Pending != "":
		return "Pending" + strings.ToUpper(string(st.Pending[:1])) + string(st.Pending[1:])
	case st.Paused:
		return "Paused"
	}
	return "InProgress"
}

// printStatus shows a rollout; ids, reasons and authors come from commit
// trailers, so every value goes through termsafe.
func printStatus(w io.Writer, st rolloutStatus) {
	if !st.Found {
		termsafe.Fprintf(w, "no rollout of %s in the last 200 commits\n", st.VirtualService)
		return
	}
	termsafe.Fprintf(w, "rollout %s of %s: %s, step %d/%d (%s), last commit %.10s at %s\n", st.ID, st.VirtualService, st.Phase,
		st.Step, st.Steps, rollout.FormatWeights(st.Weights), st.StepSHA, st.StepTime.Format(time.RFC3339))
	if st.Paused && st.PauseReason != "" {
		termsafe.Fprintf(w, "paused: %s\n", st.PauseReason)
	}
	if st.Pending != "" {
		termsafe.Fprintf(w, "pending signal: %s by %s (%.10s); the runner acts on it within one interval\n", st.Pending, st.PendingBy, st.PendingSHA)
	}
	if len(st.Foreign) > 0 {
		termsafe.Fprintf(w, "%d commit(s) by others since the last step (kept; the runner checks whether they changed the weights)\n", len(st.Foreign))
	}
	switch {
	case st.LiveMatches != nil && *st.LiveMatches:
		termsafe.Fprintf(w, "live weights %s match Git\n", rollout.FormatWeights(st.Live))
	case st.LiveMatches != nil:
		termsafe.Fprintf(w, "live weights %s DIFFER from Git %s (not synced yet, or drift)\n", rollout.FormatWeights(st.Live), rollout.FormatWeights(st.Weights))
	case st.LiveError != "":
		termsafe.Fprintf(w, "live weights unknown: %s\n", st.LiveError)
	}
	fmt.Fprintln(w, "\ntimeline:")
	for _, e := range st.Timeline {
		what := e.Action
		if e.Signal != "" {
			what = string(e.Signal)
		}
		termsafe.Fprintf(w, "  %s  %.10s  %-12s %-5s %-14s %s  %s\n", e.Time.Format("01-02 15:04:05"), e.SHA, what, e.Step, rollout.FormatWeights(e.Weights), e.Decision, e.Reason)
	}
}
