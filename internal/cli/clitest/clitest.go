// Package clitest holds what the CLI's tests share: running a command the
// way gitshift does, the example repositories, local Git repositories, and
// kubeconfigs for unreachable or fake API servers.
package clitest

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// Run builds a command with newCmd and executes it with args as gitshift
// does (command.Execute): exit code, stdout, stderr.
func Run(t testing.TB, newCmd func(command.Streams) *cobra.Command, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := command.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code = command.Execute(context.Background(), newCmd(s), args, s)
	return code, out.String(), errOut.String()
}

// Example is the path of an example repository (examples/NAME).
func Example(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "examples", name)
}

// CopyDir copies src into a new temporary directory (no git remote).
func CopyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// Files reads every file under dir, by slash-separated relative path.
func Files(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// ReplaceInFile replaces the first old in path with new; old must be there.
func ReplaceInFile(t testing.TB, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// GitEnv gives git commands of the test an identity and no user config.
func GitEnv(t testing.TB) {
	t.Helper()
	for _, kv := range gittest.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// StepCommit is the message of a rollout's first step commit (rollout r1
// of bookinfo/reviews at 5%), as the engine writes it.
const StepCommit = "rollout r1: step 1/4\n\nGitshift-Action: rollout-step\nGitshift-Rollout: r1\n" +
	"Gitshift-VirtualService: bookinfo/reviews\nGitshift-Step: 1/4\nGitshift-Weights: v1=95,v3=5\nGitshift-Decision: start"

// LocalRepo is a bare repository on disk holding files; step, when given,
// is committed on top as StepCommit. It sets GitEnv.
func LocalRepo(t testing.TB, files, step map[string]string) string {
	t.Helper()
	GitEnv(t)
	work, bare := t.TempDir(), filepath.Join(t.TempDir(), "repo.git")
	gittest.WriteFiles(t, work, files)
	gittest.Git(t, work, "init", "-q", "-b", "main")
	gittest.Git(t, work, "add", ".")
	gittest.Git(t, work, "commit", "-q", "-m", "initial")
	if step != nil {
		gittest.WriteFiles(t, work, step)
		gittest.Git(t, work, "commit", "-q", "-a", "-m", StepCommit)
	}
	gittest.Git(t, work, "clone", "-q", "--bare", work, bare)
	return bare
}

// SyncBuffer is a bytes.Buffer that a command's goroutines (a server, a
// controller's logger) and the test may use at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
