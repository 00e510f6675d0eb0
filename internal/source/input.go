package source

import (
	"errors"
	"fmt"
)

// readInput reads one file a render consumes besides the manifests of a
// directory source: a Helm value or file parameter, an .argocd-source
// override, a Kustomize input. rel names it in errors. A special file is
// refused, never opened: Argo CD would block on a named pipe or fail, so
// that is an error of the source (*ManifestError). A file over the limit is
// refused from its size: Argo CD has no such limit, so that source is not
// checked (*UnsupportedError) rather than called invalid. Other errors
// (e.g. fs.ErrNotExist) are returned as they are.
func readInput(path, rel string, t Type, limit int64) ([]byte, error) {
	data, err := ReadFile(path, limit)
	var se *SizeError
	switch {
	case errors.Is(err, ErrNotRegular):
		return nil, &ManifestError{File: rel, Msg: err.Error()}
	case errors.As(err, &se):
		return nil, &UnsupportedError{Type: t, File: rel, What: fmt.Sprintf("%v: gitshift does not read a single input file that large", se)}
	}
	return data, err
}

// isTyped reports whether err already says what kind of failure it is, so
// a caller passes it on rather than wrapping it as its own.
func isTyped(err error) bool {
	var me *ManifestError
	var ue *UnsupportedError
	return errors.As(err, &me) || errors.As(err, &ue)
}
