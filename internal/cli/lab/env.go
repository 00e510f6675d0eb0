package lab

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/lab"
)

func newLabEnvCommand(s command.Streams, f *labFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "env",
		Short: `Print the lab's environment as shell exports: eval "$(gitshift lab env)"`,
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			dir, err := f.resolveDir()
			if err != nil {
				return err
			}
			st, err := lab.LoadState(dir)
			if err != nil {
				return err
			}
			printEnv(s, st)
			return nil
		},
	}
}

// printEnv prints the variables gitshift's commands and kubectl read.
func printEnv(s command.Streams, st *lab.State) {
	e := st.Endpoints
	for _, kv := range [][2]string{
		{"KUBECONFIG", e.Kubeconfig},
		{"GITSHIFT_PROMETHEUS_URL", e.PrometheusURL},
		{"GITSHIFT_GIT_URL", e.GitURL},
		{"GITSHIFT_ARGOCD_NAMESPACE", e.ArgoCDNS},
		{"GITSHIFT_LAB_DIR", st.Dir},
		{"GITSHIFT_ISTIOD_DEBUG_URL", e.IstiodDebug},
	} {
		if kv[0] == "GITSHIFT_ISTIOD_DEBUG_URL" && kv[1] == "" {
			// A lab without istiod: drop one an earlier lab's env left.
			fmt.Fprintf(s.Out, "unset %s\n", kv[0])
			continue
		}
		fmt.Fprintf(s.Out, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
}
