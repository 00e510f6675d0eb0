package lab

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/lab"
)

func newLabProvisionCommand(s command.Streams) *cobra.Command {
	var cacheDir string
	var browser, istioctl bool
	cmd := &cobra.Command{
		Use:   "provision",
		Short: "Build (once, cached) and list the lab's tools, optional ones (istiod) included, without starting anything",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root, err := findRepoRoot()
			if err != nil {
				return err
			}
			components := append([]string{}, lab.AllComponents...)
			if istioctl {
				components = append(components, lab.ComponentIstioctl)
			}
			bins, assets, err := lab.Provision(cmd.Context(), root, cacheDir, s.ErrOut, components...)
			if err != nil {
				return err
			}
			if browser {
				if bins[lab.Browser.Name], err = lab.EnsureBrowser(cmd.Context(), s.ErrOut); err != nil {
					return err
				}
			}
			for _, m := range []map[string]string{bins, assets} {
				names := make([]string, 0, len(m))
				for n := range m {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					fmt.Fprintf(s.Out, "%-30s %s\n", n, m[n])
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&browser, "browser", false, "also the headless Chromium of the dashboard's browser test (make e2e; Debian package "+lab.Browser.Package+")")
	cmd.Flags().BoolVar(&istioctl, "istioctl", false, "also istioctl from the same Istio module (for istioctl analyze next to gitshift check; ~10 min cold)")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", "", "tool cache (default $GITSHIFT_LAB_CACHE, else ~/.cache/gitshift/lab)")
	return cmd
}
