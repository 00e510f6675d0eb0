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

	"github.com/gitshift/gitshift/internal/procgroup"
	"github.com/gitshift/gitshift/internal/testenv"
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
	// PID is the daemon's process id; it leads its own process group.
	PID int
}

// StopGrace is how long the daemon's process group gets between SIGTERM
// and SIGKILL when the test ends.
const StopGrace = 5 * time.Second

// Start runs a git daemon on 127.0.0.1 for the test's lifetime; the test's
// cleanup stops every process the daemon started. It skips the test (fails
// it under CI) when git or git-daemon is not installed.
//
// The daemon binary from `git --exec-path` runs directly: `git daemon` is a
// wrapper that forks git-daemon, and a wrapper killed with SIGKILL (what
// exec.CommandContext sends) leaves the daemon orphaned. git-daemon itself
// forks a child per connection, so stopping it alone is not enough either:
// it leads its own process group, and cleanup signals the whole group and
// waits until no member is left (procgroup.Stop). Where the platform allows,
// the daemon is also killed when the test binary dies before its cleanups
// run (a -timeout panic).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := daemonBinary(t)
	s := &Server{Base: t.TempDir()}
	for try := 0; try < 5; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.Port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "--base-path="+s.Base, "--export-all", "--enable=receive-pack",
			"--listen=127.0.0.1", fmt.Sprintf("--port=%d", s.Port), "--reuseaddr", "--informative-errors", s.Base)
		cmd.Env = append(os.Environ(), Env...)
		cmd.SysProcAttr = sysProcAttr()
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting git daemon: %v", err)
		}
		s.PID = cmd.Process.Pid
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		stop := func() {
			if err := procgroup.Stop(context.Background(), s.PID, StopGrace); err != nil {
				t.Errorf("stopping git daemon: %v", err)
			}
			<-done
		}
		if waitListening(s.Port, done) {
			t.Cleanup(stop)
			return s
		}
		stop()
	}
	t.Fatal("git daemon did not start")
	return nil
}

// daemonBinary finds git-daemon in git's exec path.
func daemonBinary(t testing.TB) string {
	t.Helper()
	git := testenv.NeedGit(t)
	out, err := exec.Command(git, "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	bin := filepath.Join(strings.TrimSpace(string(out)), "git-daemon")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "git-daemon not installed: %v", err)
	}
	return bin
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
