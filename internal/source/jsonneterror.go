package source

import (
	"errors"
	"path/filepath"
	"strings"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

// jsonnetErrors wraps a VM's error formatter to keep the error it
// formats: go-jsonnet returns only the formatted text (several lines, a
// stack trace, a source excerpt), and a diagnostic needs a line.
type jsonnetErrors struct {
	jsonnet.ErrorFormatter
	last error
}

func (f *jsonnetErrors) Format(err error) string {
	f.last = err
	return f.ErrorFormatter.Format(err)
}

// manifestError is the evaluation error as one line, located at the line
// of file (the evaluated file) where it arose, or where file called into
// the import it arose in. Paths are repo-relative, as Argo CD redacts its
// checkout; text is the formatted error, used when no location is known.
func (f *jsonnetErrors) manifestError(root, file, rel, text string) *ManifestError {
	short := func(lr ast.LocationRange) string {
		return strings.ReplaceAll(lr.String(), root+string(filepath.Separator), "")
	}
	me := &ManifestError{File: rel, Msg: "failed to evaluate jsonnet"}
	var locs []ast.LocationRange
	var rt jsonnet.RuntimeError
	var static interface{ Loc() ast.LocationRange }
	switch {
	case errors.As(f.last, &rt):
		msg := rt.Msg
		for i := len(rt.StackTrace) - 1; i >= 0; i-- { // innermost last
			if fr := rt.StackTrace[i]; fr.Loc.IsSet() {
				if len(locs) == 0 {
					msg += " at " + short(fr.Loc)
				}
				locs = append(locs, fr.Loc)
			}
		}
		me.Err = errors.New("RUNTIME ERROR: " + msg)
	case errors.As(f.last, &static):
		locs = append(locs, static.Loc())
		me.Err = errors.New(strings.ReplaceAll(f.last.Error(), root+string(filepath.Separator), ""))
	default:
		me.Err = errors.New(strings.ReplaceAll(strings.TrimSpace(text), root+string(filepath.Separator), ""))
	}
	for _, lr := range locs {
		if lr.IsSet() && lr.File != nil && string(lr.File.DiagnosticFileName) == file {
			me.Line = lr.Begin.Line
			break
		}
	}
	return me
}
