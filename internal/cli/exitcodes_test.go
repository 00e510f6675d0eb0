package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/shift"
	"github.com/gitshift/gitshift/internal/verify"
)

// The exit codes are a contract (root --help): 0 ok, 1 a check failed or
// the input is invalid, 2 could not check, 3 conflict, 4 usage. Each table
// below is one command and the situations its users meet. A situation that
// needs a live system gitshift cannot fake here (a promoted rollout, a lost
// push race) is the error the library returns for it, mapped by exitCode.

// exitCase runs args (or maps err) and wants code and, in stderr, want.
type exitCase struct {
	name string
	args []string
	err  error // instead of args: the library's error for the situation
	code int
	want string
}

// gitopsExample is the example repository the tables check.
var gitopsExample = clitest.Example("bookinfo-gitops")

// runCLI runs gitshift in-process, with git isolated from the user's config.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	clitest.GitEnv(t)
	return runGitshift(t, args...)
}

// runGitshift runs gitshift in-process: exit code, stdout, stderr.
func runGitshift(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, command.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func runExitCases(t *testing.T, cases []exitCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if tt.args == nil {
				if got := command.ExitCode(tt.err); got != tt.code {
					t.Errorf("command.ExitCode(%v) = %d, want %d", tt.err, got, tt.code)
				}
				return
			}
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

func TestCheckExitCodes(t *testing.T) {
	broken := clitest.CopyDir(t, gitopsExample)
	clitest.ReplaceInFile(t, filepath.Join(broken, "argocd/application.yaml"), "recurse: true", "recurse: false")
	quoted := clitest.CopyDir(t, gitopsExample)
	clitest.ReplaceInFile(t, filepath.Join(quoted, "canary/reviews-traffic-90-10.yaml"), "weight: 90", `weight: "90"`)
	empty := t.TempDir()
	runExitCases(t, []exitCase{
		{"every diagnostic below --fail-on", []string{"check", gitopsExample}, nil, command.ExitOK, ""},
		{"an error diagnostic", []string{"check", broken}, nil, command.ExitFailed, ""},
		{"a quoted weight", []string{"check", quoted}, nil, command.ExitFailed, ""},
		{"a warning with --fail-on warning", []string{"check", "--fail-on", "warning", broken}, nil, command.ExitFailed, ""},
		{"no Application", []string{"check", empty}, nil, command.ExitFailed, "no Argo CD Application found in " + empty + " (use --app FILE"},
		{"no Application of that name", []string{"check", "--name", "nope", gitopsExample}, nil, command.ExitFailed, `no Application named "nope"`},
		{"missing --app file", []string{"check", "--app", filepath.Join(empty, "nope.yaml"), gitopsExample}, nil, command.ExitFailed, "nope.yaml"},
		{"not a directory", []string{"check", filepath.Join(empty, "nope")}, nil, command.ExitUsage, "nope"},
		{"two directories", []string{"check", "a", "b"}, nil, command.ExitUsage, "accepts at most 1 arg"},
		{"unknown output format", []string{"check", "-o", "xml", gitopsExample}, nil, command.ExitUsage, `unknown output format "xml"`},
		{"unknown severity", []string{"check", "--fail-on", "fatal", gitopsExample}, nil, command.ExitUsage, "fatal"},
		{"unknown Argo CD version", []string{"check", "--argocd-version", "latest", gitopsExample}, nil, command.ExitUsage, `--argocd-version "latest"`},
		{"unknown flag", []string{"check", "--bogus"}, nil, command.ExitUsage, "unknown flag"},
		{"--rps enough for every policy step", []string{"check", "--rps", "100", gitopsExample}, nil, command.ExitOK, ""},
		{"--rps below a policy's judge minimum", []string{"check", "--rps", "1", gitopsExample}, nil, command.ExitFailed, ""},
		{"--rps not positive", []string{"check", "--rps", "0", gitopsExample}, nil, command.ExitUsage, "--rps 0"},
		{"--rps not a number", []string{"check", "--rps", "many", gitopsExample}, nil, command.ExitUsage, "--rps"},
		// check is offline: nothing to reach (2), nothing to conflict with (3).
	})
}

func TestRenderExitCodes(t *testing.T) {
	broken := clitest.CopyDir(t, gitopsExample)
	if err := os.WriteFile(filepath.Join(broken, "base", "broken.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runExitCases(t, []exitCase{
		{"renders", []string{"render", gitopsExample}, nil, command.ExitOK, ""},
		{"a manifest Argo CD fails on", []string{"render", broken}, nil, command.ExitFailed, "base/broken.yaml:5"},
		{"no Application of that name", []string{"render", "--name", "nope", gitopsExample}, nil, command.ExitFailed, `no Application named "nope"`},
		{"sarif is check's format", []string{"render", "-o", "sarif", gitopsExample}, nil, command.ExitUsage, `unknown output format "sarif"`},
		{"not a directory", []string{"render", "/nonexistent/dir"}, nil, command.ExitUsage, "/nonexistent/dir"},
		{"two directories", []string{"render", "a", "b"}, nil, command.ExitUsage, "accepts at most 1 arg"},
	})
}

// TestShiftExitCodes adds what TestShiftCommandExitCodes (a git daemon) does
// not reach: the conflicts, and the flags the library's messages leave to
// the CLI.
func TestShiftExitCodes(t *testing.T) {
	files := clitest.Files(t, gitopsExample)
	repo := clitest.LocalRepo(t, files, nil)
	gittest.Git(t, repo, "tag", "v1", "main")
	common := []string{"shift", "--repo", repo, "--app", "bookinfo", "--virtualservice", "bookinfo/reviews"}
	vs := "canary/reviews-traffic-90-10.yaml"
	quotedFiles := map[string]string{}
	for k, v := range files {
		quotedFiles[k] = v
	}
	quotedFiles[vs] = strings.Replace(files[vs], "weight: 90", `weight: "90"`, 1)
	quoted := clitest.LocalRepo(t, quotedFiles, nil)
	files[vs] += "    - name: beta\n      route:\n        - destination: {host: reviews, subset: v1}\n          weight: 50\n        - destination: {host: reviews, subset: v3}\n          weight: 50\n"
	twoRoutes := clitest.LocalRepo(t, files, nil)
	hang := gittest.Hang(t)
	runExitCases(t, []exitCase{
		{"shifted", append(common, "--set", "v1=80,v3=20"), nil, command.ExitOK, ""},
		{"nothing to change", append(common, "--set", "v1=80,v3=20"), nil, command.ExitOK, ""},
		{"stable subset unknown", append(common, "--canary", "v2", "--weight", "5"), nil, command.ExitFailed, "cannot tell the stable subset of reviews (destinations: v1=80,v3=20): name it (pass --stable)"},
		{"two routes split traffic", []string{"shift", "--repo", twoRoutes, "--app", "bookinfo", "--virtualservice", "bookinfo/reviews", "--set", "v1=100"}, nil, command.ExitFailed, "name one (pass --route NAME|INDEX)"},
		{"would add a check error", append(common, "--set", "v1=50,v9=50", "--add-destination"), nil, command.ExitFailed, `subset "v9"`},
		{"a subset the route lacks", append(common, "--set", "v1=50,v2=50"), nil, command.ExitFailed, "(pass --add-destination)"},
		{"a branch the remote lacks", append(common, "--set", "v1=50,v3=50", "--branch", "nope"), nil, command.ExitFailed, "branch nope does not exist on " + repo + "; its branches: main"},
		{"a tag for --branch", append(common, "--set", "v1=50,v3=50", "--branch", "v1"), nil, command.ExitFailed, "v1 is a tag on " + repo + ", not a branch"},
		{"zero push attempts", append(common, "--set", "v1=50,v3=50", "--max-attempts", "0"), nil, command.ExitUsage, "(0 would take the default 8)"},
		{"a quoted weight", []string{"shift", "--repo", quoted, "--app", "bookinfo", "--virtualservice", "bookinfo/reviews", "--set", "v1=75,v3=25"}, nil, command.ExitFailed,
			vs + `:16: weight of v1 is the string "90": write weight: 90 without quotes; Istio's CRD declares an integer and the API server refuses a string`},
		{"commit without push in a temporary clone", []string{"shift", "--repo", "git://127.0.0.1:1/r.git", "--app", "a", "--virtualservice", "x", "--set", "v1=100", "--no-push"},
			nil, command.ExitUsage, "--no-push needs --in-place"},
		{"remote does not answer", []string{"shift", "--repo", "git://" + hang + "/r.git", "--app", "a", "--virtualservice", "x", "--set", "v1=100", "--git-timeout", "300ms"},
			nil, command.ExitUnavailable, "git clone timed out after 300ms"},
		{"another Application renders the file", nil, &shift.InputError{Err: &shift.SharedError{App: "a", Shared: []string{"b"}}}, command.ExitFailed, ""},
		{"push interrupted, outcome unknown", nil, &gitrepo.PushUnknownError{Branch: "main", Err: context.Canceled}, command.ExitUnavailable, ""},
		{"unreachable remote", []string{"shift", "--repo", "git://127.0.0.1:1/r.git", "--app", "a", "--virtualservice", "x", "--set", "v1=100"}, nil, command.ExitUnavailable, "unavailable"},
		{"both --set and --canary", append(common, "--set", "v1=100", "--canary", "v3"), nil, command.ExitUsage, "give either --set or --canary/--weight"},
		{"someone changed the same weights", nil, fmt.Errorf("shifting: %w", &gitrepo.ConflictError{Branch: "main"}), command.ExitConflict, ""},
		{"the branch kept moving", nil, &gitrepo.BusyError{Branch: "main", Attempts: 8}, command.ExitConflict, ""},
		{"invalid request", nil, &shift.InputError{Err: errors.New("x")}, command.ExitFailed, ""},
	})
}

func TestVerifyExitCodes(t *testing.T) {
	noApp := clitest.FakeAPIServer(t, nil)
	unreachable := clitest.UnreachableKubeconfig(t)
	runExitCases(t, []exitCase{
		{"every check passed", nil, verify.Report{Outcome: verify.OutcomePassed}.Err(), command.ExitOK, ""},
		{"a check failed", nil, verify.Report{Outcome: verify.OutcomeFailed}.Err(), command.ExitFailed, ""},
		{"no such Application", []string{"verify", "--app", "bookinfo", "--kubeconfig", noApp}, nil, command.ExitFailed, ""},
		{"API server unreachable", []string{"verify", "--app", "bookinfo", "--kubeconfig", unreachable}, nil, command.ExitUnavailable, "could not check application: "},
		{"no kubeconfig", []string{"verify", "--app", "bookinfo", "--kubeconfig", "/nonexistent/kubeconfig"}, nil, command.ExitUnavailable, "could not check: kubeconfig"},
		{"API server unreachable (library)", nil, &kube.UnreachableError{Host: "https://k", Err: errors.New("refused")}, command.ExitUnavailable, ""},
		{"Prometheus unreachable (library)", nil, &metrics.UnavailableError{URL: "http://p", Err: errors.New("refused")}, command.ExitUnavailable, ""},
		{"Prometheus unreachable", nil, verify.Report{Outcome: verify.OutcomeUnavailable,
			Results: []verify.Result{{ID: "traffic-split", Status: verify.Error, Error: "cannot query Prometheus"}}}.Err(), command.ExitUnavailable, ""},
		{"no --app", []string{"verify"}, nil, command.ExitUsage, "--app is required"},
		{"unknown reporter", []string{"verify", "--app", "a", "--reporter", "both"}, nil, command.ExitUsage, `invalid argument "both" for "--reporter" flag: want destination or source`},
		{"invalid Prometheus URL", []string{"verify", "--app", "a", "--kubeconfig", unreachable, "--prometheus", "nohost"}, nil, command.ExitUsage, "invalid Prometheus URL"},
		{"unknown output format", []string{"verify", "--app", "a", "-o", "xml"}, nil, command.ExitUsage, "xml"},
		// verify only reads: nothing to conflict with (3).
	})
}

// TestRolloutExitCodes covers start; status and the signals share its
// flags and environment.
func TestRolloutExitCodes(t *testing.T) {
	t.Setenv("GITSHIFT_PROMETHEUS_URL", "")
	target := []string{"--app", "bookinfo", "--virtualservice", "bookinfo/reviews", "--stable", "v1", "--canary", "v3"}
	start := func(kubeconfig string, more ...string) []string {
		return append(append([]string{"rollout", "start", "--kubeconfig", kubeconfig}, target...), more...)
	}
	withApp := clitest.FakeAPIServer(t, map[string]string{clitest.AppPath("argocd", "bookinfo"): clitest.BookinfoApp})
	elsewhere := clitest.FakeAPIServer(t, map[string]string{clitest.AppPath("argocd", "bookinfo"): strings.Replace(clitest.BookinfoApp, "https://kubernetes.default.svc", "https://prod.example", 1)})
	chartOnly := clitest.FakeAPIServer(t, map[string]string{clitest.AppPath("argocd", "bookinfo"): strings.Replace(clitest.BookinfoApp, `"path":"."`, `"chart":"reviews"`, 1)})
	badPolicy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(badPolicy, []byte("apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: r}\nspec:\n  stableSubst: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ended := func(phase rollout.Phase, cause error) error {
		return (&rollout.Result{ID: "r1", Phase: phase, Cause: cause}).Err()
	}
	runExitCases(t, []exitCase{
		{"promoted", nil, ended(rollout.Promoted, nil), command.ExitOK, ""},
		{"rolled back", nil, ended(rollout.RolledBack, &rollout.CanaryFailedError{Step: 2, Reason: "errors"}), command.ExitFailed, ""},
		{"invalid policy", []string{"rollout", "start", "--policy", badPolicy}, nil, command.ExitFailed, "policy.yaml:5: spec.stableSubst: unknown field"},
		{"no such Application", start(clitest.FakeAPIServer(t, nil), "--prometheus", "http://127.0.0.1:1"), nil, command.ExitFailed, "Application argocd/bookinfo not found (set spec.target.application / --app)"},
		{"API server unreachable", start(clitest.UnreachableKubeconfig(t), "--prometheus", "http://127.0.0.1:1"), nil, command.ExitUnavailable, "cannot reach the Kubernetes API server"},
		{"no kubeconfig", start("/nonexistent/kubeconfig"), nil, command.ExitUnavailable, "kubeconfig"},
		{"destination cluster not given", start(elsewhere, "--prometheus", "http://127.0.0.1:1"), nil, command.ExitUnavailable, "pass --destination-context"},
		{"Prometheus unreachable for too long", nil, ended(rollout.Failed, &rollout.NoDataError{Err: fmt.Errorf("%w: refused", rollout.ErrUnavailable)}), command.ExitUnavailable, ""},
		{"another runner holds the lease", nil, ended(rollout.Failed, &rollout.LeaseHeldError{Lease: "bookinfo/gitshift-reviews", Holder: "ci"}), command.ExitConflict, ""},
		{"a person changed the weights", nil, ended(rollout.Failed, &rollout.ForeignChangeError{}), command.ExitConflict, ""},
		{"no --prometheus", start(withApp), nil, command.ExitUsage, "--prometheus (or $GITSHIFT_PROMETHEUS_URL) is required"},
		{"no Git source", start(chartOnly, "--prometheus", "http://127.0.0.1:1"), nil, command.ExitUsage, "the Application names no Git repoURL: pass --repo"},
		{"bad --steps", []string{"rollout", "start", "--steps", "5,x"}, nil, command.ExitUsage, "--steps"},
		{"bad --author", start(withApp, "--prometheus", "http://127.0.0.1:1", "--author", "nobody"), nil, command.ExitUsage, "Name <email>"},
		{"text|json only", []string{"rollout", "start", "-o", "yaml"}, nil, command.ExitUsage, `unknown output format "yaml"`},
		{"arguments", []string{"rollout", "start", "x"}, nil, command.ExitUsage, "unknown command"},
	})
}

func TestRolloutStatusAndSignalExitCodes(t *testing.T) {
	files := clitest.Files(t, gitopsExample)
	step := map[string]string{"canary/reviews-traffic-90-10.yaml": strings.NewReplacer("weight: 90", "weight: 95", "weight: 10", "weight: 5").Replace(files["canary/reviews-traffic-90-10.yaml"])}
	idle := clitest.LocalRepo(t, files, nil)
	running := clitest.LocalRepo(t, files, step)
	target := []string{"--app", "bookinfo", "--virtualservice", "bookinfo/reviews", "--stable", "v1", "--canary", "v3"}
	with := func(cmd, repo string, more ...string) []string {
		return append(append([]string{"rollout", cmd, "--repo", repo}, target...), more...)
	}
	runExitCases(t, []exitCase{
		{"status: no rollout", with("status", idle), nil, command.ExitOK, ""},
		{"status: a rollout", with("status", running, "-o", "json"), nil, command.ExitOK, ""},
		{"status: repository unreachable", with("status", "git://127.0.0.1:1/x.git"), nil, command.ExitUnavailable, "unavailable"},
		{"status: a branch the remote lacks", with("status", idle, "--branch", "nope"), nil, command.ExitFailed, "branch nope does not exist on " + idle + "; its branches: main"},
		{"status: cluster unreachable (no --repo)", append([]string{"rollout", "status", "--kubeconfig", clitest.UnreachableKubeconfig(t)}, target...), nil, command.ExitUnavailable, "cannot reach"},
		{"status: no such Application (no --repo)", append([]string{"rollout", "status", "--kubeconfig", clitest.FakeAPIServer(t, nil)}, target...), nil, command.ExitFailed, "not found"},
		{"status: unknown output format", with("status", idle, "-o", "xml"), nil, command.ExitUsage, "xml"},
		{"pause: recorded", with("pause", running, "--reason", "lunch"), nil, command.ExitOK, ""},
		{"pause: no rollout in progress", with("pause", idle), nil, command.ExitFailed, "no rollout of bookinfo/reviews in progress"},
		{"abort: repository unreachable", with("abort", "git://127.0.0.1:1/x.git"), nil, command.ExitUnavailable, "unavailable"},
		{"resume: arguments", append(with("resume", idle), "now"), nil, command.ExitUsage, "unknown command"},
		{"promote: unknown flag", with("promote", idle, "--force"), nil, command.ExitUsage, "unknown flag"},
	})
}

func TestLabExitCodes(t *testing.T) {
	noLab := filepath.Join(t.TempDir(), "lab")
	notReady := labState(t, lab.PhaseStarting, 0, "")
	unreachable := labState(t, lab.PhaseReady, 0, clitest.UnreachableKubeconfig(t))
	// A lab whose supervisor is alive (this test process): ready, and up.
	up := labState(t, lab.PhaseReady, os.Getpid(), clitest.UnreachableKubeconfig(t))
	stopped := labState(t, lab.PhaseDown, 0, "")
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	busyPort := strconv.Itoa(held.Addr().(*net.TCPAddr).Port)
	runExitCases(t, []exitCase{
		{"status: healthy", []string{"lab", "status", "--dir", up}, nil, command.ExitOK, ""},
		{"status: not healthy", []string{"lab", "status", "--dir", stopped}, nil, command.ExitFailed, ""},
		{"status: no lab", []string{"lab", "status", "--dir", noLab}, nil, command.ExitFailed, "no lab found"},
		{"status: unknown output format", []string{"lab", "status", "--dir", up, "-o", "xml"}, nil, command.ExitUsage, "xml"},
		{"env: prints", []string{"lab", "env", "--dir", stopped}, nil, command.ExitOK, ""},
		{"env: no lab", []string{"lab", "env", "--dir", noLab}, nil, command.ExitFailed, "no lab found"},
		{"down: nothing running", []string{"lab", "down", "--dir", stopped}, nil, command.ExitOK, ""},
		{"down: no lab", []string{"lab", "down", "--dir", noLab}, nil, command.ExitFailed, "no lab found"},
		{"up: already up", []string{"lab", "up", "--dir", up}, nil, command.ExitConflict, "lab is already up"},
		{"up: port in use", []string{"lab", "up", "--dir", filepath.Join(t.TempDir(), "lab"), "--api-port", busyPort}, nil, command.ExitConflict, "already in use"},
		{"up: a tool does not build", nil, &lab.BuildError{Tool: "kube", Err: errors.New("exit 1")}, command.ExitFailed, ""},
		{"provision: nothing to provision", []string{"lab", "provision", "--core=false", "--istiod=false"}, nil, command.ExitUsage, "leaves nothing to provision"},
		{"faults: no lab", []string{"lab", "faults", "--dir", noLab}, nil, command.ExitFailed, "no lab found"},
		{"faults: lab not ready", []string{"lab", "faults", "--dir", notReady}, nil, command.ExitUnavailable, "not ready"},
		{"faults: API server unreachable", []string{"lab", "faults", "--dir", unreachable}, nil, command.ExitUnavailable, "reading ConfigMap"},
		{"faults clear: API server unreachable", []string{"lab", "faults", "clear", "--dir", unreachable}, nil, command.ExitUnavailable, "updating ConfigMap"},
		{"faults set: invalid profile", []string{"lab", "faults", "set", "reviews.v3", "--error-rate", "2", "--dir", unreachable}, nil, command.ExitUsage, `invalid argument "2" for "--error-rate" flag: must be a number from 0 to 1`},
		{"faults set: no key", []string{"lab", "faults", "set", "--dir", unreachable}, nil, command.ExitUsage, "accepts 1 arg"},
		{"demo: unknown story", []string{"lab", "demo", "--story", "epic"}, nil, command.ExitUsage, `--story "epic"`},
		{"demo: no lab", []string{"lab", "demo", "--dir", noLab}, nil, command.ExitFailed, "no lab found"},
		{"demo: lab not ready", []string{"lab", "demo", "--dir", notReady}, nil, command.ExitUnavailable, "not ready"},
		{"demo: lab unreachable", []string{"lab", "demo", "--dir", unreachable, "--policy", filepath.Join(clitest.Example("bookinfo-gitops"), "argocd", "canary-policy-demo.yaml")}, nil, command.ExitUnavailable, ""},
	})
}

// labState writes a lab state file in a new directory and returns it.
func labState(t *testing.T, phase lab.Phase, supervisor int, kubeconfig string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lab")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	st := &lab.State{Dir: dir, Phase: phase, StartedAt: now, ReadyAt: &now, Supervisor: lab.Proc{PID: supervisor},
		Endpoints: lab.Endpoints{Kubeconfig: kubeconfig, GitURL: "git://127.0.0.1:1/bookinfo.git", PrometheusURL: "http://127.0.0.1:1",
			ArgoCDNS: "argocd", Application: "bookinfo"}}
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	return dir
}
