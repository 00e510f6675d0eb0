//go:build !unix

package source

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// rawFile wraps an *os.File (see the unix version for why it exists).
type rawFile struct{ f *os.File }

// openRegular stats before it opens: a special file is never opened.
func openRegular(path string) (rawFile, int64, fs.FileMode, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return rawFile{}, 0, 0, err
	}
	if !fi.Mode().IsRegular() {
		return rawFile{}, 0, fi.Mode().Type(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return rawFile{}, 0, 0, err
	}
	return rawFile{f: f}, fi.Size(), 0, nil
}

func (f rawFile) read(p []byte) (int, error) {
	n, err := f.f.Read(p)
	if errors.Is(err, io.EOF) {
		return n, nil
	}
	return n, err
}

func (f rawFile) close() {
	if f.f != nil {
		f.f.Close()
	}
}
