package source

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
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

// checkAliasing refuses YAML whose aliases expand exponentially (a
// "billion laughs" document). kustomize expands aliases without a limit of
// its own; yaml.v3's decoder has one, so the text is decoded with it once
// when it holds both an anchor and an alias (rare in manifests).
func checkAliasing(data []byte) error {
	if bytes.IndexByte(data, '&') < 0 || bytes.IndexByte(data, '*') < 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var v any
		err := dec.Decode(&v)
		if err == nil {
			continue
		}
		// yaml.v3 has no error value for it, only this text.
		if strings.Contains(err.Error(), "excessive aliasing") {
			return errors.New("YAML aliases expand exponentially (document contains excessive aliasing)")
		}
		return nil // the end, or an error kustomize reports in its own words
	}
}
