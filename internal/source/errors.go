package source

import "fmt"

// UnsupportedError reports a source gitshift cannot render offline although
// Argo CD could (plugins, Jsonnet, remote charts or value files). Callers
// report it as "could not check" rather than as a broken manifest.
type UnsupportedError struct {
	Type Type   // source type involved
	File string // repo-relative file, when one is to blame
	What string // what is unsupported and why
}

func (e *UnsupportedError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s: %s source: %s", e.File, e.Type, e.What)
	}
	return fmt.Sprintf("%s source: %s", e.Type, e.What)
}

// errPlugin is the UnsupportedError for config management plugins.
func errPlugin() error {
	return &UnsupportedError{Type: TypePlugin, What: "plugin sources cannot be rendered offline"}
}
