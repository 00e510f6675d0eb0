// Package shift holds `gitshift shift`: flags → shift.Run → the result.
package shift

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/shift"
	"github.com/gitshift/gitshift/internal/termsafe"
)

type shiftOptions struct {
	repo, branch, app, appFile, vs, route, valuesKey string
	set, canary, stable                              string
	weight                                           int
	dryRun, inPlace, noPush, sign                    bool
	message, author, output, argocdVersion           string
	maxAttempts                                      int
	allowShared                                      string
	addDestination                                   bool
	gitTimeout                                       time.Duration
}

// NewCommand returns `gitshift shift`.
func NewCommand(s command.Streams) *cobra.Command {
	o := &shiftOptions{}
	cmd := &cobra.Command{
		Use:   "shift --repo URL|DIR --app NAME --virtualservice [NS/]NAME (--set v1=75,v3=25 | --canary v3 --weight 25)",
		Short: "Change a canary's weights by a minimal Git commit, pushed safely",
		Long: `shift changes the weights of a VirtualService route through Git. It clones the
repository, renders the Application like Argo CD, maps the VirtualService back to
the bytes that set its weights (a manifest, or the Helm value in values.yaml,
helm.valuesObject, helm.values or helm.parameters; the highest-precedence place
wins), edits only those weight scalars (comments, quoting and layout stay;
a destination without a weight gets a weight key), renders again to prove the
result, refuses a change that adds a check error, commits with Gitshift-*
trailers and pushes. A lost push race is retried on the new head; if someone
changed the same weights meanwhile, shift stops (exit 3); if they set exactly
the asked weights, there is nothing to do (exit 0).
A destination not named in --set is kept at weight 0 rather than removed. A
subset the route has no destination for is refused unless --add-destination
is given (a copy of the last destination is added).
An edit whose file another Application renders too (a Kustomize base under
two overlays, a shared Helm values file, one path in two Applications) would
move that Application's traffic as well: shift refuses it, naming them,
unless --allow-shared names exactly those Applications.
--no-push needs --in-place: a temporary clone is deleted at the end.
Each clone, fetch and push must finish within --git-timeout.

Exit codes: 0 shifted (or nothing to change), 1 invalid input or the change
would add a check error, 2 the remote is unreachable, did not answer in time,
or a push was interrupted (its outcome unknown), 3 conflict, 4 usage.`,
		Example: `  # 75/25 between the two subsets, committed and pushed to the default branch
  gitshift shift --repo https://git.example.com/bookinfo.git --app bookinfo \
      --virtualservice bookinfo/reviews --set v1=75,v3=25

  # the canary gets 25, the stable subset the rest; show the diff only
  gitshift shift --repo . --app bookinfo --virtualservice reviews --canary v3 --weight 25 --dry-run

  # Helm source: the weights live under a values key
  gitshift shift --repo ../bookinfo-helm --app bookinfo --virtualservice bookinfo/reviews \
      --values-key reviews.canary.weights --set v1=50,v3=50 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runShift(cmd, s, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.repo, "repo", "", "repository URL or local path (with --in-place: your working tree)")
	f.StringVar(&o.branch, "branch", "", "branch to shift (default: the remote's default branch)")
	f.StringVar(&o.app, "app", "", "Argo CD Application name")
	f.StringVar(&o.appFile, "app-file", "", "repo-relative file holding the Application, when several share the name")
	f.StringVar(&o.vs, "virtualservice", "", "VirtualService as [NAMESPACE/]NAME")
	f.StringVar(&o.route, "route", "", "http route name or index, when the VirtualService has several")
	f.StringVar(&o.set, "set", "", "new weights, e.g. v1=75,v3=25 (integers summing to 100)")
	f.StringVar(&o.canary, "canary", "", "canary subset (with --weight)")
	f.IntVar(&o.weight, "weight", -1, "canary weight; the stable subset gets the rest")
	f.StringVar(&o.stable, "stable", "", "stable subset (default: the other destination)")
	f.StringVar(&o.valuesKey, "values-key", "", "Helm values key holding one weight per subset (default NAME.canary.weights)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the diff; commit and push nothing")
	f.BoolVar(&o.inPlace, "in-place", false, "commit in the working tree at --repo (must be clean); push to its upstream")
	f.BoolVar(&o.noPush, "no-push", false, "with --in-place: commit in the working tree but do not push")
	f.BoolVar(&o.addDestination, "add-destination", false, "allow adding a destination for a subset the route lacks (a copy of the last destination)")
	f.StringVar(&o.allowShared, "allow-shared", "", "other Applications that render the edited files too and may change with them, e.g. app-stg (exactly those; recorded in a Gitshift-Shared-With trailer)")
	f.DurationVar(&o.gitTimeout, "git-timeout", gitrepo.DefaultTimeout, "time limit of each clone, fetch and push (0: none)")
	f.BoolVar(&o.sign, "sign", false, "sign the commit with git's own gpg/ssh setup (commit -S)")
	f.StringVar(&o.message, "message", "", "commit message subject/body (trailers are added)")
	f.StringVar(&o.author, "author", "", `commit author as "Name <email>"`)
	f.StringVar(&o.argocdVersion, "argocd-version", "", "Argo CD version whose rendering rules apply (default newest)")
	f.IntVar(&o.maxAttempts, "max-attempts", 8, "push attempts before giving up when the branch keeps moving")
	command.AddOutputFlag(cmd, &o.output, command.Text, command.JSON, command.YAML)
	command.FlagRange(f, "weight", command.Range{Min: 0, Max: 100})
	command.FlagRange(f, "max-attempts", command.AtLeast(1, "0 would take the default 8"))
	return cmd
}

func (o *shiftOptions) request() (shift.Request, error) {
	req := shift.Request{
		Repo: o.repo, Branch: o.branch, App: o.app, AppFile: o.appFile, VirtualService: o.vs, Route: o.route,
		Canary: o.canary, Stable: o.stable, ValuesKey: o.valuesKey,
		DryRun: o.dryRun, InPlace: o.inPlace, NoPush: o.noPush, Sign: o.sign, Message: o.message,
		MaxAttempts: o.maxAttempts, AddDestinations: o.addDestination, GitTimeout: o.gitTimeout,
	}
	if o.gitTimeout == 0 {
		req.GitTimeout = -1 // no limit
	}
	if o.allowShared != "" {
		req.AllowShared = strings.Split(o.allowShared, ",")
	}
	req.Source.ArgoCDVersion = o.argocdVersion
	var missing []string
	for _, f := range [][2]string{{"--repo", o.repo}, {"--app", o.app}, {"--virtualservice", o.vs}} {
		if f[1] == "" {
			missing = append(missing, f[0])
		}
	}
	if len(missing) > 0 {
		return req, fmt.Errorf("required: %s", strings.Join(missing, ", "))
	}
	switch {
	case o.set != "" && (o.canary != "" || o.weight >= 0):
		return req, errors.New("give either --set or --canary/--weight, not both")
	case o.set != "":
		w, err := edit.ParseWeights(o.set)
		if err != nil {
			return req, fmt.Errorf("--set: %w", err)
		}
		req.Weights = w
	case o.canary != "" && o.weight != -1:
		req.CanaryWeight = o.weight
	default:
		return req, errors.New("give --set v1=75,v3=25, or --canary SUBSET with --weight N")
	}
	if o.author != "" {
		a, err := gitrepo.ParseSignature(o.author)
		if err != nil {
			return req, err
		}
		req.Author = &a
	}
	return req, nil
}

func runShift(cmd *cobra.Command, s command.Streams, o *shiftOptions) error {
	format, err := command.ParseOutput(o.output, command.Text, command.JSON, command.YAML)
	if err != nil {
		return err
	}
	req, err := o.request()
	if err != nil {
		return errkind.Wrap(errkind.Usage, err)
	}
	res, err := shift.Run(cmd.Context(), req)
	if err != nil {
		return explainShift(err)
	}
	if format != command.Text {
		return command.WriteData(s.Out, format, res)
	}
	return printShift(s, res)
}

// shiftHints name the flag that sets the shift.Request field an input
// error asks for.
var shiftHints = map[string]string{
	"AppFile":         "pass --app-file",
	"Stable":          "pass --stable",
	"Branch":          "pass --branch",
	"ValuesKey":       "pass --values-key",
	"InPlace":         "use --in-place to commit there, with --no-push to keep the commit local",
	"NoPush":          "--no-push",
	"Route":           "pass --route NAME|INDEX",
	"AddDestinations": "pass --add-destination",
}

// explainShift adds the flag that resolves an input error to its message.
func explainShift(err error) error {
	var ie *shift.InputError
	var se *shift.SharedError
	var ue *shift.UsageError
	switch {
	case errors.As(err, &se) && len(se.Shared) == 0:
		return fmt.Errorf("%w (drop --allow-shared)", err)
	case errors.As(err, &se):
		return fmt.Errorf("%w (pass --allow-shared %s)", err, se.Names())
	case errors.As(err, &ue) && ue.Field == "NoPush":
		return fmt.Errorf("%w (--no-push needs --in-place)", err)
	case errors.As(err, &ie) && shiftHints[ie.Field] != "":
		return fmt.Errorf("%w (%s)", err, shiftHints[ie.Field])
	}
	return err
}

// printShift reports a shift; file and object names come from the
// repository, so every value goes through termsafe.
func printShift(s command.Streams, r *shift.Result) error {
	if r.DryRun {
		termsafe.Fprintf(s.ErrOut, "dry run: %s %s -> %s (nothing written)\n", r.VirtualService, r.Old, r.New)
		_, err := fmt.Fprint(s.Out, termsafe.Lines(r.Diff))
		return err
	}
	if r.Unchanged {
		by := ""
		if r.AlreadyAt != "" {
			by = fmt.Sprintf(" (commit %.12s set them meanwhile)", r.AlreadyAt)
		}
		_, err := termsafe.Fprintf(s.Out, "%s already has weights %s%s: nothing to commit\n", r.VirtualService, r.Old, by)
		return err
	}
	termsafe.Fprintf(s.Out, "shifted %s: %s -> %s\n", r.VirtualService, r.Old, r.New)
	if len(r.SharedWith) > 0 {
		termsafe.Fprintf(s.Out, "  also changes Application(s) %s (--allow-shared)\n", strings.Join(r.SharedWith, ", "))
	}
	for _, c := range r.Changes {
		old := c.Old
		if old == "" {
			old = "(new)"
		}
		termsafe.Fprintf(s.Out, "  %s:%d %s: %s -> %s\n", c.File, c.Line, c.What, old, c.New)
	}
	where := "committed locally (not pushed)"
	if r.Pushed {
		where = "pushed to " + r.Branch
	}
	_, err := termsafe.Fprintf(s.Out, "commit %s %s after %d attempt(s)\n", r.Commit, where, r.Attempts)
	return err
}
