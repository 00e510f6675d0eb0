package lab

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// SeedRepo creates the bare repository <base>/<name>.git holding the files of
// src as one commit on branch main, unless it exists already (a restarted lab
// keeps the commits pushed to it). It returns the HEAD SHA of main.
func SeedRepo(ctx context.Context, base, name, src string) (string, error) {
	bare := filepath.Join(base, name+".git")
	if _, err := os.Stat(filepath.Join(bare, "HEAD")); err == nil {
		return gitOut(ctx, bare, "rev-parse", "refs/heads/main")
	}
	if _, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("seeding the lab git repo: %w", err)
	}
	work, err := os.MkdirTemp(base, ".seed-")
	if err != nil {
		return "", fmt.Errorf("creating seed worktree: %w", err)
	}
	defer os.RemoveAll(work)
	if err := copyTree(src, work); err != nil {
		return "", fmt.Errorf("copying %s: %w", src, err)
	}
	tmpBare := bare + ".tmp"
	_ = os.RemoveAll(tmpBare)
	steps := [][]string{
		{"init", "-q", "-b", "main", work},
		{"-C", work, "add", "-A"},
		{"-C", work, "commit", "-q", "-m", "Seed from " + filepath.Base(src) + " (gitshift lab)"},
		{"init", "-q", "--bare", "-b", "main", tmpBare},
		{"-C", work, "push", "-q", tmpBare, "main"},
	}
	for _, args := range steps {
		if _, err := gitOut(ctx, "", args...); err != nil {
			return "", fmt.Errorf("seeding the lab git repo: %w", err)
		}
	}
	if err := os.Rename(tmpBare, bare); err != nil {
		return "", fmt.Errorf("installing %s: %w", bare, err)
	}
	return gitOut(ctx, bare, "rev-parse", "refs/heads/main")
}

// gitOut runs git (in dir when not empty) with a fixed lab identity and
// returns its trimmed stdout.
func gitOut(ctx context.Context, dir string, args ...string) (string, error) {
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=gitshift lab", "GIT_AUTHOR_EMAIL=lab@gitshift.invalid",
		"GIT_COMMITTER_NAME=gitshift lab", "GIT_COMMITTER_EMAIL=lab@gitshift.invalid",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(string(out)), nil
}

// copyTree copies the regular files and directories of src into dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		}
		return nil
	})
}

// RemoteHead returns the SHA of branch at the Git URL (git ls-remote).
func RemoteHead(ctx context.Context, gitURL, branch string) (string, error) {
	out, err := gitOut(ctx, "", "ls-remote", gitURL, "refs/heads/"+branch)
	if err != nil {
		return "", err
	}
	f := strings.Fields(out)
	if len(f) == 0 {
		return "", fmt.Errorf("%s has no branch %s", gitURL, branch)
	}
	return f[0], nil
}
