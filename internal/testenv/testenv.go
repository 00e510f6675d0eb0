// Package testenv decides what a test does when something it needs is
// missing (git, the lab): on a developer's machine it skips, under CI it
// fails, so that CI cannot pass by skipping. CI is on when GITSHIFT_CI is
// set to anything but "" or "0" (.ci/run and `make e2e` set it).
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// CIEnv is the variable that turns missing prerequisites into failures.
const CIEnv = "GITSHIFT_CI"

// CI reports whether missing prerequisites fail tests instead of skipping.
func CI() bool {
	v := os.Getenv(CIEnv)
	return v != "" && v != "0"
}

// Missing skips t because a prerequisite is missing, or fails it under CI.
// Every skip for a missing git or lab goes through here.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("%s (%s is set: CI must not pass by skipping)", msg, CIEnv)
		return
	}
	t.Skip(msg)
}

// NeedCommand returns the path of the named program on PATH, or calls
// Missing when it is not installed.
func NeedCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not installed: %v", name, err)
	}
	return p
}

// NeedGit is NeedCommand(t, "git").
func NeedGit(t testing.TB) string {
	t.Helper()
	return NeedCommand(t, "git")
}
