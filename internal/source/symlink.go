package source

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckOutOfBoundsSymlinks fails, like Argo CD's repo-server (without
// --allow-oob-symlinks), when any symlink in the repo points outside it.
// Argo CD checks the whole checkout before rendering any source, so one
// escaping symlink breaks every Application of the repo. repoRoot must be
// absolute with symlinks resolved.
func CheckOutOfBoundsSymlinks(repoRoot string) error {
	return filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" && path != repoRoot {
			return filepath.SkipDir
		}
		if d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return fmt.Errorf("reading symlink: %w", err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		// Resolve chains when possible; a dangling link is judged by its
		// text (Argo CD skips dangling links later, but not escaping ones).
		if real, err := filepath.EvalSymlinks(path); err == nil {
			target = real
		}
		if !inside(repoRoot, filepath.Clean(target)) {
			rel, _ := filepath.Rel(repoRoot, path)
			return &ManifestError{File: filepath.ToSlash(rel), Msg: "repository contains out-of-bounds symlinks"}
		}
		return nil
	})
}
