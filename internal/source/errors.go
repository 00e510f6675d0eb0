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

// errPlugin is the UnsupportedError for config management plugins.
func errPlugin() error {
	return &UnsupportedError{Type: TypePlugin, What: "plugin sources cannot be rendered offline"}
}
