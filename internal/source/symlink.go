package source

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckOutOfBoundsSymlinks fails, like Argo CD's repo-server (without
// --allow-oob-symlinks), when any symlink in the repo points outside it.
// Argo CD checks the whole checkout before rendering any source, so one
// escaping symlink breaks every Application of the repo. repoRoot must be
// absolute with symlinks resolved.
func CheckOutOfBoundsSymlinks(ctx context.Context, repoRoot string) error {
	return filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
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
		rel, _ := filepath.Rel(repoRoot, path)
		oob := &ManifestError{File: filepath.ToSlash(rel), Msg: "repository contains out-of-bounds symlinks"}
		// Argo CD (util/app/path.CheckOutOfBoundsSymlinks) judges the link
		// text, not where it resolves: every absolute target is refused,
		// even one inside the repo, and a relative target fails as soon
		// as one of its components steps above the root, even if later
		// components come back (sub/../../repo/x).
		if filepath.IsAbs(target) {
			return oob
		}
		dir := filepath.Dir(path)
		for _, part := range strings.Split(target, string(filepath.Separator)) {
			dir = filepath.Join(dir, part)
			if !inside(repoRoot, dir) {
				return oob
			}
		}
		return nil
	})
}
