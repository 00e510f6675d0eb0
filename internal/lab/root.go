package lab

import (
	"os"
	"path/filepath"

	"github.com/gitshift/gitshift/internal/errkind"
)

// ErrNoSourceTree: the lab's tools are built from the gitshift source tree
// (lab/tools/*), and none was found.
var ErrNoSourceTree = errkind.New(errkind.Usage, "gitshift lab needs the gitshift source tree (lab/tools/*)")

// FindRepoRoot finds the gitshift clone (the directory holding
// lab/tools/kube/go.mod) above the working directory or the executable.
func FindRepoRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			starts = append(starts, filepath.Dir(real))
		}
	}
	for _, start := range starts {
		for d := start; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "lab", "tools", "kube", "go.mod")); err == nil {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", ErrNoSourceTree
}
