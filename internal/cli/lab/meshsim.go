package lab

import (
	"math"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/meshsim"
)

// meshsimAvailable reports whether this build has the mesh simulator; `lab
// up` runs it then.
const meshsimAvailable = true

// labMeshsimCommands returns the hidden `lab meshsim` command: the simulated
// Istio data plane as a lab component.
func labMeshsimCommands(_ command.Streams) []*cobra.Command {
	var cfg meshsim.Config
	var flows []string
	cmd := &cobra.Command{
		Use:    "meshsim",
		Short:  "internal: run the simulated Istio data plane (started by `gitshift lab up`)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			for _, f := range flows {
				fl, err := meshsim.ParseFlow(f)
				if err != nil {
					return errkind.Wrap(errkind.Usage, err)
				}
				cfg.Flows = append(cfg.Flows, fl)
			}
			return meshsim.Run(ctx, cfg)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.Kubeconfig, "kubeconfig", "", "kubeconfig of the cluster to simulate")
	fl.StringVar(&cfg.Context, "context", "", "kubeconfig context")
	fl.StringVar(&cfg.ListenAddr, "listen", meshsim.DefaultListenAddr, "address serving /metrics, /healthz and /debug/routes")
	fl.StringSliceVar(&cfg.Namespaces, "namespace", nil, "namespaces to simulate (default all)")
	fl.Float64Var(&cfg.RPS, "rps", meshsim.DefaultRPS, "mean request rate of each flow")
	fl.StringVar(&cfg.FaultsConfigMap, "faults-configmap", meshsim.DefaultFaultsConfigMap, "name of the per-namespace fault ConfigMap")
	fl.Int64Var(&cfg.Seed, "seed", 0, "random seed (0: from the clock)")
	fl.DurationVar(&cfg.Tick, "tick", meshsim.DefaultTick, "simulation step")
	command.FlagRange(fl, "tick", command.Above(0, ""))
	command.FlagRange(fl, "seed", command.Range{Min: math.MinInt64, Max: math.MaxInt64})
	fl.StringArrayVar(&flows, "flow", nil, "a request flow FROM->TO[=RPS], repeatable (default Bookinfo's call graph)")
	fl.BoolVar(&cfg.IgnoreSidecars, "ignore-sidecars", false, "treat every pod as injected")
	fl.StringVar(&cfg.XDS, "xds", "", "istiod's plaintext xDS address: take routes from istiod over ADS (default: read VirtualServices from the API server, the fast mode)")
	fl.StringVar(&cfg.XDSNamespace, "xds-namespace", "default", "namespace the simulator's sidecar claims in xDS mode")
	return []*cobra.Command{cmd}
}
