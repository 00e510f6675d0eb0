// Package gittest serves real git repositories on loopback for tests (git
// daemon with receive-pack enabled), so push races and rejections are the
// real thing rather than mocks.
package gittest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Env isolates test git commands from the user's and system's config while
// giving them an identity.
var Env = []string{
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
	"GIT_AUTHOR_NAME=Foreign Writer", "GIT_AUTHOR_EMAIL=foreign@example.com",
	"GIT_COMMITTER_NAME=Foreign Writer", "GIT_COMMITTER_EMAIL=foreign@example.com",
}

// Server is a git daemon serving every repository under Base.
type Server struct {
	Base string
	Port int
}

// Start runs git daemon on 127.0.0.1 for the test's lifetime. It skips the
// test when git is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	s := &Server{Base: t.TempDir()}
	for try := 0; try < 5; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.Port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, "git", "daemon", "--base-path="+s.Base, "--export-all", "--enable=receive-pack",
			"--listen=127.0.0.1", fmt.Sprintf("--port=%d", s.Port), "--reuseaddr", "--informative-errors", s.Base)
		cmd.Env = append(os.Environ(), Env...)
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatalf("starting git daemon: %v", err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		if waitListening(s.Port, done) {
			t.Cleanup(func() { cancel(); <-done })
			return s
		}
		cancel()
		<-done
	}
	t.Fatal("git daemon did not start")
	return nil
}

func waitListening(port int, done <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return false
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// URL is the git:// URL of repository name.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("git://127.0.0.1:%d/%s", s.Port, name)
}

// Path is the bare repository's directory.
func (s *Server) Path(name string) string { return filepath.Join(s.Base, name) }

// Create makes a bare repository name whose main branch holds files.
func (s *Server) Create(t testing.TB, name string, files map[string]string) string {
	t.Helper()
	Git(t, s.Base, "init", "--quiet", "--bare", "--initial-branch=main", name)
	work := t.TempDir()
	Git(t, work, "init", "--quiet", "--initial-branch=main")
	WriteFiles(t, work, files)
	Git(t, work, "add", "-A")
	Git(t, work, "commit", "--quiet", "-m", "initial")
	Git(t, work, "push", "--quiet", s.Path(name), "HEAD:refs/heads/main")
	return s.Head(t, name)
}

// Head returns the SHA of main in repository name.
func (s *Server) Head(t testing.TB, name string) string {
	t.Helper()
	return Git(t, s.Path(name), "rev-parse", "refs/heads/main")
}

// Writer is a foreign clone that commits and pushes, like a colleague.
type Writer struct {
	Dir string
	url string
}

// NewWriter clones repository name into a temporary directory.
func (s *Server) NewWriter(t testing.TB, name string) *Writer {
	t.Helper()
	dir := t.TempDir()
	Git(t, dir, "clone", "--quiet", s.URL(name), ".")
	return &Writer{Dir: dir, url: s.URL(name)}
}

// Commit writes files, commits and pushes to main, pulling (rebase) and
// retrying when it loses a race. It returns the pushed SHA.
func (w *Writer) Commit(t testing.TB, msg string, files map[string]string) string {
	t.Helper()
	WriteFiles(t, w.Dir, files)
	Git(t, w.Dir, "add", "-A")
	Git(t, w.Dir, "commit", "--quiet", "-m", msg)
	for try := 0; try < 50; try++ {
		if _, err := run(w.Dir, "push", "--quiet", "origin", "HEAD:refs/heads/main"); err == nil {
			return Git(t, w.Dir, "rev-parse", "HEAD")
		}
		if _, err := run(w.Dir, "pull", "--quiet", "--rebase", "origin", "main"); err != nil {
			t.Fatalf("foreign writer: pull: %v", err)
		}
	}
	t.Fatalf("foreign writer could not push %q", msg)
	return ""
}

// WriteFiles writes files (relative slash paths) under dir.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Git runs git in dir with the isolated test environment and fails the test
// on error. It returns trimmed stdout.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := run(dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func run(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}
