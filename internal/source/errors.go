package source

import (
	"fmt"

	"github.com/gitshift/gitshift/internal/errkind"
)

// UnsupportedError reports a source gitshift cannot render offline although
// Argo CD could (plugins, Jsonnet, remote charts or value files). Callers
// report it as "could not check" rather than as a broken manifest.
type UnsupportedError struct {
	Type Type   // source type involved
	File string // repo-relative file, when one is to blame
	What string // what is unsupported and why
	// Repo is the repository URL (as the Application names it) whose
	// local copy would make the source readable, when that is all it
	// lacks: another Git repository, or a Helm chart repository.
	Repo string
	// Chart is the chart a local copy of the Helm repository Repo must
	// hold (as Chart/Chart.yaml), when Repo is a chart repository.
	Chart string
}

func (e *UnsupportedError) Error() string {
	what := e.What
	if e.Type != "" {
		what = fmt.Sprintf("%s source: %s", e.Type, e.What)
	}
	if e.File != "" {
		return e.File + ": " + what
	}
	return what
}

// ErrorKind: gitshift could not check the source (exit 2), it is not
// known to be broken.
func (e *UnsupportedError) ErrorKind() errkind.Kind { return errkind.Unavailable }

// errPlugin is the UnsupportedError for a config management plugin
// (plugin.name, when set; Argo CD discovers it otherwise).
func errPlugin(plugin map[string]any) error {
	what := "a config management plugin"
	if name, ok := plugin["name"].(string); ok && name != "" {
		what = fmt.Sprintf("config management plugin %q", name)
	}
	return &UnsupportedError{Type: TypePlugin, What: what + " runs a program: not rendered offline"}
}
