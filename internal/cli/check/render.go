package check

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/check"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/source"
)

type renderOptions struct {
	appSelection
	output string
}

// NewRenderCommand returns `gitshift render`.
func NewRenderCommand(s command.Streams) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render [DIR]",
		Short: "Print the objects Argo CD would apply, as a YAML stream (offline)",
		Long: `render prints exactly the objects Argo CD would apply for the Applications in
DIR (default: the current directory), like 'argocd app manifests' but offline
and with the same rendering code as 'gitshift check'. Namespaced objects
without a namespace get the Application's destination namespace, as Argo CD's
controller applies them. Each object is preceded by a comment naming its file
and line.

render never uses the network: a source that needs it (a remote resource,
chart or value file) cannot be rendered.

Exit status 1 when a source fails to render (the error names file:line), 2
when a source could not be rendered offline.`,
		Example: `  gitshift render examples/bookinfo-gitops
  gitshift render --name bookinfo examples/bookinfo-helm
  gitshift render --app ../platform/apps/bookinfo.yaml . | kubectl diff -f -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRender(cmd, s, o, args)
		},
	}
	o.addFlags(cmd.Flags())
	command.AddOutputFlag(cmd, &o.output, command.YAML, command.JSON)
	return cmd
}

func runRender(cmd *cobra.Command, s command.Streams, o *renderOptions, args []string) error {
	format, err := command.ParseOutput(o.output, command.YAML, command.JSON)
	if err != nil {
		return err
	}
	dir := "."
	if len(args) == 1 {
		dir = args[0]
	}
	tuneBatchGC(os.Getenv)
	l, err := loadTargets(cmd.Context(), dir, o.appSelection)
	if err != nil {
		return err
	}
	reportSkipped(s, l)
	var errs []error
	kind := errkind.Unavailable // unless a source is invalid, not just out of reach
	for _, t := range l.Targets {
		for _, src := range t.Sources {
			if src.Err != nil {
				errs = append(errs, fmt.Errorf("application %s: %w", t.App.Name, src.Err))
				var ue *source.UnsupportedError
				if !errors.As(src.Err, &ue) {
					kind = errkind.Invalid
				}
			}
		}
	}
	if len(errs) > 0 {
		return errkind.Wrap(kind, errors.Join(errs...))
	}
	if format == command.JSON {
		list := map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{}}
		for _, t := range l.Targets {
			for _, obj := range applied(t) {
				list["items"] = append(list["items"].([]any), obj.Object)
			}
		}
		return command.WriteData(s.Out, command.JSON, list)
	}
	return writeStream(s.Out, l)
}

// applied returns t's objects as Argo CD applies them (namespace defaulted).
func applied(t *check.Target) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range t.Objects() {
		u := o.DeepCopy()
		if ns := o.EffectiveNamespace(t.DestinationNamespace()); ns != "" {
			u.SetNamespace(ns)
		}
		out = append(out, u)
	}
	return out
}

func writeStream(w io.Writer, l *loaded) error {
	ew := &errWriter{w: w}
	first := true
	for _, t := range l.Targets {
		objs := t.Objects()
		for i, u := range applied(t) {
			b, err := command.MarshalYAML(u.Object)
			if err != nil {
				return fmt.Errorf("encoding %s %s: %w", u.GetKind(), u.GetName(), err)
			}
			if !first {
				ew.printf("---\n")
			}
			first = false
			// The comment is one line whatever the names hold (a newline
			// in a file name would add YAML to the stream).
			ew.printf("# Application: %s, source: %s\n", t.App.Name, objs[i].Source)
			_, _ = ew.Write(b)
		}
	}
	return ew.err
}
