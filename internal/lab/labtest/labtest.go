// Package labtest is the end-to-end tests' harness: it builds the gitshift
// binary from this clone once per test binary, runs it, and starts labs
// that the test's cleanup stops again, failing the test if any process of
// a lab is left. Call Main from TestMain.
package labtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var (
	root string // the gitshift clone
	bin  string // the gitshift binary built by Main
)

// Main builds gitshift from the clone, runs the tests and removes the
// build again; it exits with the tests' code.
func Main(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	var err error
	if root, err = repoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "labtest:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "gitshift-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "labtest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "gitshift")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gitshift")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "labtest: building gitshift:", err)
		return 1
	}
	return m.Run()
}

// repoRoot is the nearest directory above the working directory that
// holds go.mod: the clone the tests run in.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the gitshift clone: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the gitshift clone: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Root is the gitshift clone (examples/ lives there).
func Root() string { return root }

// Command is the built gitshift with args, run in the clone with env added
// to this process's environment.
func Command(t testing.TB, env []string, args ...string) *exec.Cmd {
	t.Helper()
	if bin == "" {
		t.Fatal("labtest: the gitshift binary is not built (call labtest.Main from TestMain)")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// Result is one finished gitshift run.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs gitshift to completion (see Command); a non-zero exit is a
// Result, a failure to run it fails the test.
func Run(t testing.TB, env []string, args ...string) Result {
	t.Helper()
	cmd := Command(t, env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := Result{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running gitshift %v: %v", args, err)
	}
	return r
}
