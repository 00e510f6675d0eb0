package cli

import (
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/check"
)

type checkOptions struct {
	appSelection
	output string
	failOn string
}

func newCheckCommand(s Streams) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [DIR]",
		Short: "Show what Argo CD will apply from a repository and check the canary routing",
		Long: `check finds every Argo CD Application in DIR (default: the current directory),
renders each source exactly as Argo CD's repo-server would (directory walk,
Helm, Kustomize), and reports, per Application: the source type, the files
applied, the files Argo CD skips and why (e.g. a directory source without
recurse silently skips sub-directories), diagnostics with stable codes and
file:line, and a traffic table for each VirtualService.

Applications are matched to DIR by repoURL: DIR's git remote origin (or
--repo-url). When DIR has no remote, or is a sub-directory of another
repository, Applications whose path exists in DIR are checked. Applications
for other repositories are listed as skipped.

Exit status: 1 when a diagnostic reaches --fail-on (default error), including
a source Argo CD itself would fail to render; 0 otherwise.`,
		Example: `  # Before merging: what will Argo CD apply, and is the canary valid?
  gitshift check examples/bookinfo-gitops

  # An Application kept in an app-of-apps repository, against a checkout
  gitshift check --app ../platform/apps/bookinfo.yaml .

  # CI: fail on warnings too, upload SARIF to code scanning
  gitshift check --fail-on warning -o sarif . > gitshift.sarif

  # Machine-readable report
  gitshift check -o json . | jq '.applications[].diagnostics'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, s, o, args)
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.failOn, "fail-on", "error", "exit 1 when a diagnostic is at least this severe: error|warning|info")
	addOutputFlag(cmd, &o.output, outputText, outputJSON, outputYAML, outputSARIF)
	return cmd
}

func runCheck(cmd *cobra.Command, s Streams, o *checkOptions, args []string) error {
	format, err := parseOutput(o.output, outputText, outputJSON, outputYAML, outputSARIF)
	if err != nil {
		return err
	}
	failOn, err := check.ParseSeverity(o.failOn)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	dir := "."
	if len(args) == 1 {
		dir = args[0]
	}
	ctx := cmd.Context()
	l, err := loadTargets(ctx, dir, o.appSelection)
	if err != nil {
		return err
	}
	diags, err := check.Run(ctx, l.Targets, check.Options{})
	if err != nil {
		return withCode(ExitFailed, err)
	}
	switch format {
	case outputText:
		err = writeCheckText(s.Out, l)
	case outputSARIF:
		err = check.WriteSARIF(s.Out, diags, check.SARIFOptions{ToolVersion: toolVersion(), URIPrefix: l.URIPrefix})
	default:
		reportSkipped(s, l)
		err = writeData(s.Out, format, newCheckReport(l))
	}
	if err != nil {
		return err
	}
	if check.Count(diags, failOn) > 0 {
		return silentExit(ExitFailed)
	}
	return nil
}

func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
