package lab

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/meshsim"
	"github.com/gitshift/gitshift/internal/termsafe"
)

type labFaultsOptions struct {
	*labFlags
	namespace, output string
	errorRate         float64
	errorCode         int
	p50, p99          time.Duration
	all               bool
}

func newLabFaultsCommand(s command.Streams, f *labFlags) *cobra.Command {
	o := &labFaultsOptions{labFlags: f}
	cmd := &cobra.Command{
		Use:   "faults [set KEY | clear [KEY...]]",
		Short: "Make a Bookinfo version fail or slow down in the lab's simulated mesh (list them without arguments)",
		Long: `The lab's mesh simulator answers every request itself; the ConfigMap
mesh-faults in the app's namespace says how each workload behaves. A key names
the answering pods: "<app>.<version>" (reviews.v3), "<app>" (every version of
reviews) or "default" (every workload of the namespace); the most specific key
wins. Without a key a workload answers 200 in about 10 ms (p50 10ms, p99 50ms).

Changes take effect within a second, without a restart or a commit: this is
the cluster misbehaving, not Git changing. Use it to watch gitshift verify
and gitshift rollout react to a bad canary.`,
		Example: `  # v3 answers 5% of its requests with HTTP 500, v1 0.5%: a canary clearly worse
  gitshift lab faults set reviews.v3 --error-rate 0.05
  gitshift lab faults set reviews.v1 --error-rate 0.005

  # v3 is slow: p50 80 ms, p99 900 ms
  gitshift lab faults set reviews.v3 --p50 80ms --p99 900ms

  gitshift lab faults                   # what is set
  gitshift lab faults clear reviews.v3  # one key
  gitshift lab faults clear             # all of them`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLabFaultsList(cmd.Context(), s, o) },
	}
	cmd.PersistentFlags().StringVarP(&o.namespace, "namespace", "n", "bookinfo", "namespace of the workloads (the ConfigMap lives there)")
	command.AddOutputFlag(cmd, &o.output, command.Text, command.JSON, command.YAML)

	set := &cobra.Command{
		Use:   "set KEY",
		Short: "Set how the pods KEY names answer (flags not given take the defaults)",
		Long: `set writes one key of the ConfigMap mesh-faults; the other keys stay. The key's
whole profile is replaced: a flag not given takes the default (no errors, code
500 when erring, p50 10ms, p99 50ms), not the key's previous value.`,
		Example: `  gitshift lab faults set reviews.v3 --error-rate 0.05 --error-code 503
  gitshift lab faults set ratings --p50 30ms --p99 200ms`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLabFaultsSet(cmd.Context(), s, o, args[0]) },
	}
	d := meshsim.DefaultProfile
	set.Flags().Float64Var(&o.errorRate, "error-rate", d.ErrorRate, "share of requests answered with --error-code, 0 to 1")
	set.Flags().IntVar(&o.errorCode, "error-code", d.ErrorCode, "HTTP status of the errors")
	set.Flags().DurationVar(&o.p50, "p50", msDuration(d.LatencyMs.P50), "median latency")
	set.Flags().DurationVar(&o.p99, "p99", msDuration(d.LatencyMs.P99), "99th percentile latency")
	command.FlagRange(set.Flags(), "error-rate", command.Range{Min: 0, Max: 1, Why: "a share of requests"})
	command.FlagRange(set.Flags(), "error-code", command.Range{Min: 100, Max: 599, Why: "an HTTP status"})

	clear := &cobra.Command{
		Use:   "clear [KEY...]",
		Short: "Remove the given keys, or every key: the workloads answer normally again",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabFaultsClear(cmd.Context(), s, o, args)
		},
	}
	cmd.AddCommand(set, clear)
	return cmd
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func durationMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func runLabFaultsSet(ctx context.Context, s command.Streams, o *labFaultsOptions, key string) error {
	p := meshsim.Profile{ErrorRate: o.errorRate, ErrorCode: o.errorCode,
		LatencyMs: meshsim.Latency{P50: durationMs(o.p50), P99: durationMs(o.p99)}}
	value, err := lab.FaultValue(key, p)
	if err != nil {
		return errkind.Wrap(errkind.Usage, err)
	}
	_, c, err := o.labCluster()
	if err != nil {
		return err
	}
	if err := c.UpdateFaults(ctx, o.namespace, map[string]string{key: value}, nil, false); err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	termsafe.Fprintf(s.Out, "%s/%s: %s = %s\n", o.namespace, meshsim.DefaultFaultsConfigMap, key, value)
	if n, err := c.FaultTargets(ctx, o.namespace, key); err == nil && n == 0 {
		termsafe.Fprintf(s.ErrOut, "warning: no pod in %s matches %q yet (labels app and version); check the key\n", o.namespace, key)
	}
	return nil
}

func runLabFaultsClear(ctx context.Context, s command.Streams, o *labFaultsOptions, keys []string) error {
	_, c, err := o.labCluster()
	if err != nil {
		return err
	}
	if err := c.UpdateFaults(ctx, o.namespace, nil, keys, len(keys) == 0); err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	what := "every fault"
	if len(keys) > 0 {
		what = fmt.Sprint(keys)
	}
	termsafe.Fprintf(s.Out, "%s/%s: cleared %s\n", o.namespace, meshsim.DefaultFaultsConfigMap, what)
	return nil
}

func runLabFaultsList(ctx context.Context, s command.Streams, o *labFaultsOptions) error {
	format, err := command.ParseOutput(o.output, command.Text, command.JSON, command.YAML)
	if err != nil {
		return err
	}
	_, c, err := o.labCluster()
	if err != nil {
		return err
	}
	faults, other, err := c.Faults(ctx, o.namespace)
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	if format != command.Text {
		return command.WriteData(s.Out, format, map[string]any{"namespace": o.namespace, "faults": faults, "other": other})
	}
	return printFaults(s, o.namespace, faults, other)
}

func printFaults(s command.Streams, ns string, faults []lab.Fault, other map[string]string) error {
	if len(faults) == 0 && len(other) == 0 {
		_, err := fmt.Fprintf(s.Out, "no faults in %s: every workload answers 200 in about 10 ms\n", ns)
		return err
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tERRORS\tCODE\tP50\tP99")
	for _, f := range faults {
		p := f.Profile
		termsafe.Fprintf(tw, "%s\t%.2f%%\t%d\t%s\t%s\n", f.Key, 100*p.ErrorRate, p.ErrorCode, msDuration(p.LatencyMs.P50), msDuration(p.LatencyMs.P99))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(other)) {
		termsafe.Fprintf(s.Out, "%s: %s (not a profile: misroute, or invalid and skipped by the simulator)\n", k, other[k])
	}
	return nil
}
