// Package check holds `gitshift check` and `gitshift render`: the offline
// commands that render a repository's Applications like Argo CD
// (check.Load) and report what it finds.
package check

import (
	"math"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/check"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/termsafe"
)

type checkOptions struct {
	appSelection
	output string
	failOn string
	rps    float64
}

// NewCheckCommand returns `gitshift check`.
func NewCheckCommand(s command.Streams) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [DIR]",
		Short: "Show what Argo CD will apply from a repository and check the canary routing",
		Long: `check finds every Argo CD Application in DIR (default: the current directory),
renders each source exactly as Argo CD's repo-server would (directory walk
with Jsonnet, Helm, Kustomize with the Application's settings, every source of
a multi-source Application), and reports, per Application: the source type, the files
applied, the files Argo CD skips and why (e.g. a directory source without
recurse silently skips sub-directories), diagnostics with stable codes and
file:line, and a traffic table for each VirtualService.

Applications are matched to DIR by repoURL: DIR's git remote origin (or
--repo-url). When DIR has no remote, or is a sub-directory of another
repository, Applications whose path exists in DIR are checked. Applications
for other repositories are listed as skipped.

check never uses the network: a source that needs it (a remote resource,
chart or value file, a source in another repository) is reported as not
checked (GS1011). --repo-map URL=DIR reads another repository (or a Helm
repository's chart) from a local directory instead. docs/argocd-sources.md
lists every Argo CD source feature and how it is checked.

For each CanaryPolicy of a checked Application (a file in the repository
that gitshift rollout or the controller reads), check states the traffic the
policy needs: a step decides once its minCanaryRequests (and the judge's
minimum per arm) have arrived, which takes a least request rate within its
maxDuration (GS3001, info, with the gitshift simulate command that shows the
decision times). Give --rps with the service's expected traffic and every
step that needs more becomes a warning, or an error when not even the
judge's minimum can arrive: at that traffic the rollout cannot reach 100%.
A CanaryPolicy that does not parse or validate is an error at each problem's
line (GS3002): gitshift rollout and the controller would refuse it.

Exit status: 1 when a diagnostic reaches --fail-on (default error), including
a source Argo CD itself would fail to render; else 2 when a source could not
be checked offline; 0 otherwise.`,
		Example: `  # Before merging: what will Argo CD apply, and is the canary valid?
  gitshift check examples/bookinfo-gitops

  # An Application kept in an app-of-apps repository, against a checkout
  gitshift check --app ../platform/apps/bookinfo.yaml .

  # CI: fail on warnings too, upload SARIF to code scanning
  gitshift check --fail-on warning -o sarif . > gitshift.sarif

  # A multi-source Application whose values live in another repository
  gitshift check --repo-map https://github.com/org/values.git=../values .

  # Can the rollout policies decide at the service's traffic (20 requests/s)?
  gitshift check --rps 20 .

  # Machine-readable report
  gitshift check -o json . | jq '.applications[].diagnostics'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, s, o, args)
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.failOn, "fail-on", "error", "exit 1 when a diagnostic is at least this severe: error|warning|info")
	cmd.Flags().Float64Var(&o.rps, "rps", 0, "the service's expected traffic in requests per second, both versions together: grades each CanaryPolicy step against it (GS3001)")
	command.AddOutputFlag(cmd, &o.output, command.Text, command.JSON, command.YAML, command.SARIF)
	return cmd
}

func runCheck(cmd *cobra.Command, s command.Streams, o *checkOptions, args []string) error {
	format, err := command.ParseOutput(o.output, command.Text, command.JSON, command.YAML, command.SARIF)
	if err != nil {
		return err
	}
	failOn, err := check.ParseSeverity(o.failOn)
	if err != nil {
		return errkind.Wrap(errkind.Usage, err)
	}
	if o.rps < 0 || math.IsNaN(o.rps) || math.IsInf(o.rps, 0) || (o.rps == 0 && cmd.Flags().Changed("rps")) {
		return errkind.Errorf(errkind.Usage, "--rps %v: want the service's requests per second, a positive number", o.rps)
	}
	dir := "."
	if len(args) == 1 {
		dir = args[0]
	}
	tuneBatchGC(os.Getenv)
	ctx := cmd.Context()
	l, err := loadTargets(ctx, dir, o.appSelection)
	if err != nil {
		return err
	}
	diags, err := check.Run(ctx, l.Targets, check.Options{RPS: o.rps})
	if err != nil {
		return errkind.Wrap(errkind.Invalid, err)
	}
	switch format {
	case command.Text:
		err = writeCheckText(s.Out, l)
	case command.SARIF:
		err = check.WriteSARIF(termsafe.JSONWriter(s.Out), diags, check.SARIFOptions{ToolVersion: toolVersion(), URIPrefix: l.URIPrefix})
	default:
		reportSkipped(s, l)
		err = command.WriteData(s.Out, format, newCheckReport(l))
	}
	if err != nil {
		return err
	}
	switch check.Judge(diags, failOn) {
	case check.Failed:
		return command.Reported(errkind.Errorf(errkind.Invalid, "%d diagnostic(s) at or above %s", check.Count(diags, failOn), o.failOn))
	case check.NotChecked:
		return command.Reported(errkind.Errorf(errkind.Unavailable, "a source could not be checked offline (%s)", check.CodeUnsupported))
	}
	return nil
}

func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
