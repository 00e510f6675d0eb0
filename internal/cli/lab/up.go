package lab

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab"
)

type labUpOptions struct {
	*labFlags
	example, app     string
	apiPort, gitPort int
	promPort         int
	foreground       bool
	noMeshsim        bool
	meshsimRPS       float64
	controllers      int
	istiod           bool
	timeout          time.Duration
}

func newLabUpCommand(s command.Streams, f *labFlags) *cobra.Command {
	o := &labUpOptions{labFlags: f}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Build the tools if needed and start the lab",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLabUp(cmd.Context(), s, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.example, "example", "", "directory seeded into the lab Git repo (default examples/bookinfo-gitops)")
	fl.StringVar(&o.app, "app", "", "Argo CD Application applied with the lab's repoURL and destination (default <example>/argocd/application.yaml; \"none\" applies none)")
	fl.IntVar(&o.apiPort, "api-port", 0, "kube-apiserver port (default: any free port)")
	fl.IntVar(&o.gitPort, "git-port", 0, "git daemon port (default: any free port)")
	fl.IntVar(&o.promPort, "prometheus-port", 0, "Prometheus port (default: any free port)")
	fl.BoolVar(&o.foreground, "foreground", false, "supervise in this process; Ctrl-C stops the lab")
	fl.BoolVar(&o.noMeshsim, "no-meshsim", false, "do not run the mesh simulator")
	fl.Float64Var(&o.meshsimRPS, "meshsim-rps", 50, "simulated requests per second of each Bookinfo flow")
	fl.IntVar(&o.controllers, "controller", 0, "run `gitshift controller` with this many replicas (--controller alone: 2) as the chart's ServiceAccount, and apply the example's CanaryPolicy Application (<example>/argocd/bookinfo-rollout.yaml)")
	fl.Lookup("controller").NoOptDefVal = "2"
	fl.BoolVar(&o.istiod, "istiod", false, "run Istio's control plane (istiod, built from istio.io/istio on first use, ~10 min): its CRDs, its validating webhook (invalid Istio objects are refused at apply time) and the simulator's routes over its xDS (docs/istiod.md)")
	fl.DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long to wait for the lab to become ready (tool builds not included)")
	for _, port := range []string{"api-port", "git-port", "prometheus-port"} {
		command.FlagRange(fl, port, command.Range{Min: 0, Max: 65535, Why: "a TCP port; 0 picks a free one"})
	}
	command.FlagRange(fl, "timeout", command.Above(0, ""))
	return cmd
}

func runLabUp(ctx context.Context, s command.Streams, o *labUpOptions) error {
	dir, err := o.resolveDir()
	if err != nil {
		return err
	}
	root, err := findRepoRoot()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locating the gitshift executable: %w", err)
	}
	example := o.example
	if example == "" {
		example = filepath.Join(root, "examples", "bookinfo-gitops")
	}
	if example, err = filepath.Abs(example); err != nil {
		return err
	}
	app := o.app
	switch app {
	case "":
		app = filepath.Join(example, "argocd", "application.yaml")
	case "none":
		app = ""
	}
	if o.controllers < 0 {
		return errkind.Wrap(errkind.Usage, fmt.Errorf("--controller %d: want a number of replicas", o.controllers))
	}
	policyApp := ""
	if o.controllers > 0 && app != "" {
		policyApp = filepath.Join(filepath.Dir(app), "bookinfo-rollout.yaml")
		if _, err := os.Stat(policyApp); err != nil {
			return errkind.Wrap(errkind.Usage, fmt.Errorf("--controller: the example has no CanaryPolicy Application: %w", err))
		}
	}
	if o.foreground {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	start := time.Now()
	st, err := lab.Up(ctx, lab.Options{
		Dir: dir, RepoRoot: root, Self: self, Example: example, AppFile: app,
		Meshsim: meshsimAvailable && !o.noMeshsim, MeshsimArgs: []string{"--rps=" + strconv.FormatFloat(o.meshsimRPS, 'g', -1, 64)},
		Foreground: o.foreground, Timeout: o.timeout, Controllers: o.controllers, PolicyAppFile: policyApp, Istiod: o.istiod,
		Fixed:    lab.Ports{APIServer: o.apiPort, Git: o.gitPort, Prometheus: o.promPort},
		Progress: s.ErrOut,
	})
	if err != nil {
		return err
	}
	if o.foreground {
		return nil
	}
	fmt.Fprintf(s.ErrOut, "lab: up in %s (dir %s)\n", time.Since(start).Round(100*time.Millisecond), st.Dir)
	printEnv(s, st)
	return nil
}
