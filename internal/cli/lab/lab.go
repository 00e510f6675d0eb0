// Package lab holds `gitshift lab` and its subcommands (up, down, status,
// env, faults, demo, provision, and the hidden components the supervisor
// starts): flags → the lab's packages (lab, lab/demo, meshsim, sidecar).
package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/lab"
)

// labFlags are shared by the lab subcommands.
type labFlags struct {
	dir string
}

// NewCommand returns `gitshift lab` and its subcommands.
func NewCommand(s command.Streams) *cobra.Command {
	f := &labFlags{}
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run a local lab: Kubernetes API, Argo CD, Prometheus, Git server and a simulated Istio mesh",
		Long: `The lab runs, on 127.0.0.1 and without Docker, a real kube-apiserver (with etcd,
controller-manager, scheduler and a kwok fake node), a real Argo CD 2.14
(repo-server + application-controller, with Redis), a Git server holding the
example repository, Prometheus, a sidecar-injection webhook and a simulated
Istio data plane that routes traffic by the live VirtualService weights.

Tools are built from lab/tools/* on first use and cached in
$GITSHIFT_LAB_CACHE (default ~/.cache/gitshift/lab); later starts take seconds.

  gitshift lab up          start it (idempotent: refuses while one is running)
  eval "$(gitshift lab env)"
  gitshift lab status      every component, running or exited with its log
  gitshift lab demo        the canary story: split, rollout promoted, rollout rolled back
  gitshift lab faults      make a version fail or slow down (see its --help)
  gitshift lab down        stop exactly what up started`,
	}
	cmd.PersistentFlags().StringVar(&f.dir, "dir", "", "lab directory (default $GITSHIFT_LAB_DIR, else .lab in the gitshift clone)")
	cmd.AddCommand(
		newLabUpCommand(s, f),
		newLabDownCommand(s, f),
		newLabStatusCommand(s, f),
		newLabEnvCommand(s, f),
		newLabDemoCommand(s, f),
		newLabBenchCommand(s, f),
		newLabFaultsCommand(s, f),
		newLabProvisionCommand(s),
		newLabSuperviseCommand(s, f),
		newLabInjectorCommand(s),
	)
	cmd.AddCommand(labMeshsimCommands(s)...)
	return cmd
}

// resolveDir returns the lab directory: --dir, $GITSHIFT_LAB_DIR, or .lab at
// the root of the gitshift clone.
func (f *labFlags) resolveDir() (string, error) {
	if f.dir != "" {
		return filepath.Abs(f.dir)
	}
	if d := os.Getenv("GITSHIFT_LAB_DIR"); d != "" {
		return filepath.Abs(d)
	}
	root, err := findRepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".lab"), nil
}

// findRepoRoot finds the gitshift clone (lab.FindRepoRoot), saying how to
// do without one.
func findRepoRoot() (string, error) {
	root, err := lab.FindRepoRoot()
	if errors.Is(err, lab.ErrNoSourceTree) {
		return "", fmt.Errorf("%w: run it inside a clone, or pass --dir for an existing lab", err)
	}
	return root, err
}

// labCluster connects to the running lab of the lab directory.
func (f *labFlags) labCluster() (*lab.State, *lab.Cluster, error) {
	dir, err := f.resolveDir()
	if err != nil {
		return nil, nil, err
	}
	return lab.Connect(dir)
}

// shellQuote quotes s for a POSIX shell when it holds anything beyond a
// plain path or URL.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/.-_:", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
