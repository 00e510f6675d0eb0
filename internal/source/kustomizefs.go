package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// editFS is the file system `kustomize edit` runs on: the working
// directory is the app path, the root kustomization lives in memory (its
// edits too), and everything else is read from the repository, never from
// outside it and never a special file. It writes nothing to disk.
type editFS struct {
	ctx           context.Context
	root, appPath string
	kfile         string // absolute path of the root kustomization
	data          []byte // its current text
	limit         int64
}

var _ filesys.FileSystem = (*editFS)(nil)

var errEditWrite = errors.New("kustomize edit may only change the kustomization")

// abs resolves p against the app path, as a process running there would.
func (f *editFS) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(f.appPath, p)
}

// inRepo reports whether p lies in the repository, symlinks resolved.
func (f *editFS) inRepo(p string) bool {
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	return inside(f.root, p)
}

func (f *editFS) outside(p string) error {
	return &fs.PathError{Op: "open", Path: p, Err: errors.New("outside the repository")}
}

func (f *editFS) ReadFile(p string) ([]byte, error) {
	a := f.abs(p)
	if a == f.kfile {
		return append([]byte(nil), f.data...), nil
	}
	if !f.inRepo(a) {
		return nil, f.outside(p)
	}
	return readInput(a, relSlash(f.root, a), TypeKustomize, f.limit)
}

func (f *editFS) WriteFile(p string, data []byte) error {
	if f.abs(p) != f.kfile {
		return fmt.Errorf("%s: %w", p, errEditWrite)
	}
	f.data = append([]byte(nil), data...)
	return nil
}

func (f *editFS) Exists(p string) bool {
	a := f.abs(p)
	if a == f.kfile {
		return true
	}
	if !f.inRepo(a) {
		return false
	}
	_, err := os.Lstat(a)
	return err == nil
}

func (f *editFS) IsDir(p string) bool {
	a := f.abs(p)
	if a == f.kfile || !f.inRepo(a) {
		return false
	}
	fi, err := os.Stat(a)
	return err == nil && fi.IsDir()
}

// Glob is filepath.Glob run in the app path: matches come back relative
// when the pattern is, and only those inside the repository.
func (f *editFS) Glob(pattern string) ([]string, error) {
	matches, err := filepath.Glob(f.abs(pattern))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		if !f.inRepo(m) {
			continue
		}
		if !filepath.IsAbs(pattern) {
			if r, err := filepath.Rel(f.appPath, m); err == nil {
				m = r
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func (f *editFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	a := f.abs(p)
	if !f.inRepo(a) {
		return "", "", f.outside(p)
	}
	return filesys.MakeFsOnDisk().CleanedAbs(a)
}

func (f *editFS) ReadDir(p string) ([]string, error) {
	a := f.abs(p)
	if !f.inRepo(a) {
		return nil, f.outside(p)
	}
	return filesys.MakeFsOnDisk().ReadDir(a)
}

func (f *editFS) Walk(p string, fn filepath.WalkFunc) error {
	a := f.abs(p)
	if !f.inRepo(a) {
		return f.outside(p)
	}
	return filepath.Walk(a, fn)
}

func (f *editFS) Open(p string) (filesys.File, error) {
	return nil, fmt.Errorf("%s: kustomize edit opens no file directly", p)
}

func (f *editFS) Create(p string) (filesys.File, error) {
	return nil, fmt.Errorf("%s: %w", p, errEditWrite)
}
func (f *editFS) Mkdir(p string) error     { return fmt.Errorf("%s: %w", p, errEditWrite) }
func (f *editFS) MkdirAll(p string) error  { return fmt.Errorf("%s: %w", p, errEditWrite) }
func (f *editFS) RemoveAll(p string) error { return fmt.Errorf("%s: %w", p, errEditWrite) }
