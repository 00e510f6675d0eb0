package lab

import (
	"errors"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab"
)

func newLabProvisionCommand(s command.Streams) *cobra.Command {
	var cacheDir string
	var browser, istioctl bool
	core, istiod := true, true
	cmd := &cobra.Command{
		Use:   "provision",
		Short: "Build (once, cached) and list the lab's tools, optional ones (istiod) included, without starting anything",
		Long: `Build (once, cached) and list the lab's tools without starting anything.

By default: the tools every lab needs (etcd, kube-apiserver, Argo CD, ...,
with the Debian packages it installs) and istiod. A cold build takes about
25 minutes for the core and 8 more for istiod on two cores; later runs find
them in the cache.

--core=false and --istiod=false split the work, e.g. to build istiod in the
background while lab suites that do not need it run (make e2e does this).`,
		Example: `  gitshift lab provision                 # everything make demo and make e2e use
  gitshift lab provision --istiod=false  # only what a lab without --istiod needs
  gitshift lab provision --core=false    # only istiod
  gitshift lab provision --core=false --istiod=false --browser  # only Chromium`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root, err := findRepoRoot()
			if err != nil {
				return err
			}
			var components []string
			if istiod {
				components = append(components, lab.ComponentIstiod)
			}
			if istioctl {
				components = append(components, lab.ComponentIstioctl)
			}
			if !core && len(components) == 0 && !browser {
				return errkind.Wrap(errkind.Usage, errors.New("--core=false with --istiod=false leaves nothing to provision"))
			}
			if cacheDir == "" {
				cacheDir = lab.DefaultCacheDir()
			}
			p := &lab.Provisioner{RepoRoot: root, CacheDir: cacheDir, Progress: s.ErrOut, Components: components, SkipCore: !core}
			bins, assets, err := p.Provision(cmd.Context())
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
	cmd.Flags().BoolVar(&core, "core", true, "the tools, Debian packages and files every lab needs")
	cmd.Flags().BoolVar(&istiod, "istiod", true, "istiod and Istio's CRDs (lab up --istiod; ~8 min cold)")
	cmd.Flags().BoolVar(&istioctl, "istioctl", false, "also istioctl from the same Istio module (for istioctl analyze next to gitshift check; ~10 min cold)")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", "", "tool cache (default $GITSHIFT_LAB_CACHE, else ~/.cache/gitshift/lab)")
	return cmd
}
