package source

import (
	"context"
	"io/fs"
	"path/filepath"
	"sort"
)

// ManifestCandidates lists every regular file or symlink in the repo
// (repo-relative, slash separated, sorted; .git skipped, symlinked
// directories not followed, named pipes, sockets and devices left out)
// whose name passes Argo CD's extension filter. check compares it with the
// Files/ReadFiles of all Applications to find manifests nothing applies.
func ManifestCandidates(ctx context.Context, repoRoot string) ([]string, error) {
	root, err := cleanRoot(repoRoot)
	if err != nil {
		return nil, err
	}
	var out []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" && p != root {
				return filepath.SkipDir
			}
			return nil
		}
		if (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) && isManifestName(d.Name()) {
			out = append(out, relSlash(root, p))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
