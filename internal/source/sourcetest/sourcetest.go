// Package sourcetest helps tests build hostile repositories: files, named
// pipes, and a guard for calls that must not block.
package sourcetest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
)

// WriteFiles writes path -> content under root (paths slash-separated).
func WriteFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Mkfifo makes a named pipe at path. Opening it for reading blocks until a
// writer comes, so code that opens it hangs; the cleanup opens it for
// writing to release such a reader.
func Mkfifo(t testing.TB, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() {
		if fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			syscall.Close(fd)
		}
	})
}

// Within runs fn and fails the test if it does not return in time (a read
// of a named pipe blocks forever, a hostile pattern takes minutes).
func Within[T any](t testing.TB, d time.Duration, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("did not return within %s", d)
		panic("unreachable")
	}
}

// WantError checks a render that should fail: err contains want and is of
// kind. It reports whether a failure was wanted (want != ""), so a table
// test's case ends there.
func WantError(t testing.TB, err error, want string, kind errkind.Kind) bool {
	t.Helper()
	if want == "" {
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want containing %q", err, want)
	}
	if k := errkind.Of(err); k != kind {
		t.Errorf("kind %v, want %v", k, kind)
	}
	return true
}
