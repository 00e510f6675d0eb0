package shift

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/shift"
)

// runCLI runs `gitshift shift ARGS...` as gitshift does, with git
// isolated from the user's config.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	clitest.GitEnv(t)
	return clitest.Run(t, NewCommand, args[1:]...)
}

func TestShiftCommandExitCodes(t *testing.T) {
	srv := gittest.Start(t)
	base := srv.Create(t, "repo", clitest.Files(t, clitest.Example("bookinfo-gitops")))
	url := srv.URL("repo")
	hang := gittest.Hang(t)
	common := []string{"shift", "--repo", url, "--app", "bookinfo", "--virtualservice", "bookinfo/reviews"}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing flags", []string{"shift", "--set", "v1=100"}, command.ExitUsage, "required: --repo"},
		{"set syntax", append(common, "--set", "v1"), command.ExitUsage, "want SUBSET=WEIGHT"},
		{"set non-numeric", append(common, "--set", "v1=abc"), command.ExitUsage, "not an integer"},
		{"unknown flag", append(common, "--bogus"), command.ExitUsage, "unknown flag"},
		{"sum", append(common, "--set", "v1=60,v3=50"), command.ExitFailed, "sum to 110"},
		{"unknown vs", []string{"shift", "--repo", url, "--app", "bookinfo", "--virtualservice", "x", "--set", "v1=100"}, command.ExitFailed, "renders no VirtualService x"},
		{"unreachable", []string{"shift", "--repo", "http://u:pw@127.0.0.1:1/r.git", "--app", "a", "--virtualservice", "x", "--set", "v1=100"}, command.ExitUnavailable, "http://***@127.0.0.1:1/r.git"},
		{"author syntax", append(common, "--set", "v1=100", "--author", "nobody"), command.ExitUsage, "Name <email>"},
		{"no-push on a clone", append(common, "--set", "v1=100", "--no-push"), command.ExitUsage, "--no-push needs --in-place"},
		{"subset not in the route", append(common, "--set", "v1=50,v2=50"), command.ExitFailed, "pass --add-destination"},
		{"hung remote", []string{"shift", "--repo", "git://" + hang + "/r", "--app", "a", "--virtualservice", "x", "--set", "v1=100", "--git-timeout", "500ms"},
			command.ExitUnavailable, "git clone timed out after 500ms"},
		{"git-timeout syntax", append(common, "--set", "v1=100", "--git-timeout", "soon"), command.ExitUsage, "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tt.code, tt.want)
			}
			if strings.Contains(stderr, ":pw@") {
				t.Errorf("password leaked: %s", stderr)
			}
		})
	}
	if srv.Head(t, "repo") != base {
		t.Fatal("a failing shift changed the remote")
	}

	code, stdout, stderr := runCLI(t, append(common, "--canary", "v3", "--weight", "25", "-o", "json", "--author", "Ops Team <ops@example.com>")...)
	if code != command.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Commit   string `json:"commit"`
		Pushed   bool   `json:"pushed"`
		Attempts int    `json:"attempts"`
		Files    []string
		New      []struct {
			Subset string
			Weight int
		} `json:"newWeights"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if !res.Pushed || res.Commit != srv.Head(t, "repo") || res.Attempts != 1 || fmt.Sprint(res.New) != "[{v1 75} {v3 25}]" {
		t.Fatalf("json %s", stdout)
	}
	if a := gittest.Git(t, srv.Path("repo"), "log", "-1", "--format=%an <%ae>"); a != "Ops Team <ops@example.com>" {
		t.Errorf("author %q", a)
	}
}

func TestShiftCommandInPlace(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", clitest.Files(t, clitest.Example("bookinfo-gitops")))
	w := srv.NewWriter(t, "repo")
	args := []string{"shift", "--repo", w.Dir, "--in-place", "--app", "bookinfo", "--virtualservice", "reviews", "--set", "v1=80,v3=20"}

	// A working tree with main checked out cannot be pushed into: refused early.
	code, _, stderr := runCLI(t, "shift", "--repo", w.Dir, "--app", "bookinfo", "--virtualservice", "reviews", "--set", "v1=80,v3=20")
	if code != command.ExitFailed || !strings.Contains(stderr, "use --in-place") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	gittest.WriteFiles(t, w.Dir, map[string]string{"scratch.txt": "wip\n"})
	code, _, stderr = runCLI(t, args...)
	if code != command.ExitFailed || !strings.Contains(stderr, "uncommitted changes") {
		t.Fatalf("dirty tree: exit %d: %s", code, stderr)
	}
	os.Remove(filepath.Join(w.Dir, "scratch.txt"))
	code, stdout, stderr := runCLI(t, args...)
	if code != command.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	local := gittest.Git(t, w.Dir, "rev-parse", "HEAD")
	if local != srv.Head(t, "repo") || !strings.Contains(stdout, "pushed to main") {
		t.Fatalf("local %s remote %s\n%s", local, srv.Head(t, "repo"), stdout)
	}
	if st := gittest.Git(t, w.Dir, "status", "--porcelain"); st != "" {
		t.Errorf("working tree left dirty: %s", st)
	}
}

// TestShiftErrorKinds: an interrupted push or a hung remote could not be
// checked (exit 2); NoPush without InPlace is a usage error (exit 4).
func TestShiftErrorKinds(t *testing.T) {
	for _, tt := range []struct {
		err  error
		code int
	}{
		{&gitrepo.PushUnknownError{Err: context.Canceled}, command.ExitUnavailable},
		{&gitrepo.RemoteError{Err: &gitrepo.TimeoutError{Step: "fetch"}}, command.ExitUnavailable},
		{explainShift(&shift.UsageError{Field: "NoPush", Err: errors.New("x")}), command.ExitUsage},
		{explainShift(&shift.InputError{Err: &shift.SharedError{Shared: []string{"b"}}}), command.ExitFailed},
	} {
		if c := command.ExitCode(tt.err); c != tt.code {
			t.Errorf("%v -> %d, want %d", tt.err, c, tt.code)
		}
	}
}

// TestPrintShiftSaysWhy: nothing to commit because a concurrent commit set
// the weights says so; an allowed shared edit names the other Applications.
func TestPrintShiftSaysWhy(t *testing.T) {
	var out bytes.Buffer
	s := command.Streams{Out: &out, ErrOut: &out}
	_ = printShift(s, &shift.Result{VirtualService: "bookinfo/reviews", Unchanged: true, Old: edit.Weights{{Subset: "v1", Weight: 75}}, AlreadyAt: "0123456789abcdef"})
	_ = printShift(s, &shift.Result{VirtualService: "bookinfo/reviews", SharedWith: []string{"app-stg"}, Pushed: true, Branch: "main", Commit: "c"})
	for _, want := range []string{"already has weights v1=75 (commit 0123456789ab set them meanwhile): nothing to commit", "also changes Application(s) app-stg"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
