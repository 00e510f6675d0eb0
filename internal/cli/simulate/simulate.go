// Package simulate is the `gitshift simulate` command: flags → sim.Run → table.
package simulate

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"

	"github.com/gitshift/gitshift/internal/rollout/policy"
	sim "github.com/gitshift/gitshift/internal/simulate"
)

type simulateOptions struct {
	policyFile, policyName string
	rps                    float64
	baselineError          string
	canaryErrors           string
	baselineLatency        time.Duration
	canaryLatencies        string
	headerShare            float64
	runs                   int
	seed                   uint64
	workers                int
	output                 string
}

// NewCommand returns `gitshift simulate`.
func NewCommand(s command.Streams) *cobra.Command {
	o := &simulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate --policy FILE",
		Short: "Simulate rollouts of a policy: false rollbacks, detection time, exposure, time to 100%",
		Long: `simulate runs many simulated rollouts of your policy at your traffic, through
the judge and stepping rule that "gitshift rollout" uses, and prints for each
canary scenario how often it was rolled back (with a 95% interval), how fast
(p50/p90 seconds from the first step), how many canary errors were served
before the rollback, and how long a canary that passed took to reach 100%.

Reference rows on the same traffic: the previous release's judge,
Flagger-style success-rate checks (every 1m, ≥ 99%, threshold 1 and 5), the
oracle SPRT that knows both true error rates (no valid rule is much faster at
the same alpha) and the SPRT that knows the effect but must learn the
baseline. Requests arrive as a Poisson process; latencies are log-normal in
Istio's buckets. The same --seed gives the same table.

Header and mirror steps run as the rollout runs them: in a header step
--header-share of the requests carry the header and reach the canary (no
split test: the clients decide the share); in a mirror step the canary gets
copies, whose errors reach no user. The Flagger-style rows run the weighted
steps only.

gitshift check states the least traffic at which each step of a policy can
decide within its maxDuration (GS3001) and prints this command at that rate;
below it a healthy canary times out (reason Timeout in the table).`,
		Example: `  gitshift simulate --policy argocd/canary-policy.yaml --rps 20 \
    --baseline-error 0.005 --canary-error 0.005,0.01,0.05 --runs 1000 --seed 1
  gitshift simulate --policy p.yaml --canary-latency 50ms,100ms -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), s) },
	}
	f := cmd.Flags()
	f.StringVar(&o.policyFile, "policy", "", "CanaryPolicy file (required)")
	f.StringVar(&o.policyName, "policy-name", "", "the CanaryPolicy to use when the file holds several")
	f.Float64Var(&o.rps, "rps", 20, "requests per second to the service, both versions together")
	f.StringVar(&o.baselineError, "baseline-error", "0.005", "the baseline's error rate (0.005 or 0.5%)")
	f.StringVar(&o.canaryErrors, "canary-error", "0.005,0.01,0.05", "the canary's error rates to simulate, comma-separated")
	f.DurationVar(&o.baselineLatency, "baseline-latency", sim.DefaultBaselineLatency, "the baseline's median latency")
	f.StringVar(&o.canaryLatencies, "canary-latency", "", "the canary's median latencies, comma-separated (default: the baseline's)")
	f.Float64Var(&o.headerShare, "header-share", sim.DefaultHeaderShare, "share of requests that carry a header step's header (testers), in (0, 1)")
	f.IntVar(&o.runs, "runs", 1000, "simulated rollouts per scenario and rule")
	f.Uint64Var(&o.seed, "seed", 1, "random seed; the same seed gives the same table")
	f.IntVar(&o.workers, "workers", 0, "parallel workers (default: one per CPU); does not change the result")
	command.AddOutputFlag(cmd, &o.output, command.Text, command.JSON, command.YAML)
	return cmd
}

func (o *simulateOptions) run(ctx context.Context, s command.Streams) error {
	format, err := command.ParseOutput(o.output, command.Text, command.JSON, command.YAML)
	if err != nil {
		return err
	}
	cfg, err := o.config()
	if err != nil {
		return errkind.Wrap(errkind.Usage, err)
	}
	p, err := policy.Read(o.policyFile, o.policyName)
	if err == nil {
		p, err = policy.Complete(*p, policy.Overrides{})
	}
	if err != nil {
		return err // the file is the input: invalid is exit 1, with file:line
	}
	cfg.Policy = p
	start := time.Now()
	res, err := sim.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.ErrOut, "simulated %d rollouts per rule in %s\n", cfg.Runs*len(cfg.Scenarios), time.Since(start).Round(10*time.Millisecond))
	if format == command.Text {
		return res.WriteText(s.Out)
	}
	return command.WriteData(s.Out, format, res)
}

// config turns the flags into a simulation (without the policy); every
// error is a usage error.
func (o *simulateOptions) config() (sim.Config, error) {
	cfg := sim.Config{RPS: o.rps, BaselineLatency: o.baselineLatency, HeaderShare: o.headerShare, Runs: o.runs, Seed: o.seed, Workers: o.workers}
	if o.policyFile == "" {
		return cfg, fmt.Errorf("--policy is required")
	}
	if !(o.headerShare > 0 && o.headerShare < 1) {
		return cfg, fmt.Errorf("--header-share %v: must be more than 0 and less than 1", o.headerShare)
	}
	base, err := parseRates("--baseline-error", o.baselineError)
	if err != nil {
		return cfg, err
	}
	if len(base) != 1 {
		return cfg, fmt.Errorf("--baseline-error %q: want one rate", o.baselineError)
	}
	cfg.BaselineError = base[0]
	errs, err := parseRates("--canary-error", o.canaryErrors)
	if err != nil {
		return cfg, err
	}
	lats := []time.Duration{0}
	if strings.TrimSpace(o.canaryLatencies) != "" {
		lats = nil
		for _, f := range strings.Split(o.canaryLatencies, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(f))
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("--canary-latency %q: want positive durations like 50ms,100ms", o.canaryLatencies)
			}
			lats = append(lats, d)
		}
	}
	for _, e := range errs {
		for _, l := range lats {
			cfg.Scenarios = append(cfg.Scenarios, sim.Scenario{CanaryError: e, CanaryLatency: l})
		}
	}
	if o.workers < 0 {
		return cfg, fmt.Errorf("--workers %d: must not be negative", o.workers)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("flags: %w", err)
	}
	return cfg, nil
}

// parseRates reads "0.005,1%,0.05" as fractions in [0, 1).
func parseRates(flag, v string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		scale := 1.0
		if t, ok := strings.CutSuffix(f, "%"); ok {
			f, scale = t, 0.01
		}
		r, err := strconv.ParseFloat(f, 64)
		if err != nil || !(r*scale >= 0 && r*scale < 1) {
			return nil, fmt.Errorf("%s %q: want rates in [0, 1) like 0.005 or 0.5%%, comma-separated", flag, v)
		}
		out = append(out, r*scale)
	}
	return out, nil
}
