package cli

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

func runExitCases(t *testing.T, cases []exitCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if tt.args == nil {
				if got := exitCode(tt.err); got != tt.code {
					t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.code)
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
	broken := copyExample(t, gitopsExample)
	replaceInFile(t, filepath.Join(broken, "argocd/application.yaml"), "recurse: true", "recurse: false")
	empty := t.TempDir()
	runExitCases(t, []exitCase{
		{"every diagnostic below --fail-on", []string{"check", gitopsExample}, nil, ExitOK, ""},
		{"an error diagnostic", []string{"check", broken}, nil, ExitFailed, ""},
		{"a warning with --fail-on warning", []string{"check", "--fail-on", "warning", broken}, nil, ExitFailed, ""},
		{"no Application", []string{"check", empty}, nil, ExitFailed, "no Argo CD Application found in " + empty + " (use --app FILE"},
		{"no Application of that name", []string{"check", "--name", "nope", gitopsExample}, nil, ExitFailed, `no Application named "nope"`},
		{"missing --app file", []string{"check", "--app", filepath.Join(empty, "nope.yaml"), gitopsExample}, nil, ExitFailed, "nope.yaml"},
		{"not a directory", []string{"check", filepath.Join(empty, "nope")}, nil, ExitUsage, "nope"},
		{"two directories", []string{"check", "a", "b"}, nil, ExitUsage, "accepts at most 1 arg"},
		{"unknown output format", []string{"check", "-o", "xml", gitopsExample}, nil, ExitUsage, `unknown output format "xml"`},
		{"unknown severity", []string{"check", "--fail-on", "fatal", gitopsExample}, nil, ExitUsage, "fatal"},
		{"unknown Argo CD version", []string{"check", "--argocd-version", "latest", gitopsExample}, nil, ExitUsage, `--argocd-version "latest"`},
		{"unknown flag", []string{"check", "--bogus"}, nil, ExitUsage, "unknown flag"},
		// check is offline: nothing to reach (2), nothing to conflict with (3).
	})
}

func TestRenderExitCodes(t *testing.T) {
	broken := copyExample(t, gitopsExample)
	if err := os.WriteFile(filepath.Join(broken, "base", "broken.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runExitCases(t, []exitCase{
		{"renders", []string{"render", gitopsExample}, nil, ExitOK, ""},
		{"a manifest Argo CD fails on", []string{"render", broken}, nil, ExitFailed, "base/broken.yaml:5"},
		{"no Application of that name", []string{"render", "--name", "nope", gitopsExample}, nil, ExitFailed, `no Application named "nope"`},
		{"sarif is check's format", []string{"render", "-o", "sarif", gitopsExample}, nil, ExitUsage, `unknown output format "sarif"`},
		{"not a directory", []string{"render", "/nonexistent/dir"}, nil, ExitUsage, "/nonexistent/dir"},
		{"two directories", []string{"render", "a", "b"}, nil, ExitUsage, "accepts at most 1 arg"},
	})
}

// TestShiftExitCodes adds what TestShiftCommandExitCodes (a git daemon) does
// not reach: the conflicts, and the flags the library's messages leave to
// the CLI.
func TestShiftExitCodes(t *testing.T) {
	files := exampleFiles(t, gitopsExample)
	repo := localRepo(t, files, nil)
	common := []string{"shift", "--repo", repo, "--app", "bookinfo", "--virtualservice", "bookinfo/reviews"}
	vs := "canary/reviews-traffic-90-10.yaml"
	files[vs] += "    - name: beta\n      route:\n        - destination: {host: reviews, subset: v1}\n          weight: 50\n        - destination: {host: reviews, subset: v3}\n          weight: 50\n"
	twoRoutes := localRepo(t, files, nil)
	runExitCases(t, []exitCase{
		{"shifted", append(common, "--set", "v1=80,v3=20"), nil, ExitOK, ""},
		{"nothing to change", append(common, "--set", "v1=80,v3=20"), nil, ExitOK, ""},
		{"stable subset unknown", append(common, "--canary", "v2", "--weight", "5"), nil, ExitFailed, "cannot tell the stable subset of reviews (destinations: v1=80,v3=20): name it (pass --stable)"},
		{"two routes split traffic", []string{"shift", "--repo", twoRoutes, "--app", "bookinfo", "--virtualservice", "bookinfo/reviews", "--set", "v1=100"}, nil, ExitFailed, "name one (pass --route NAME|INDEX)"},
		{"would add a check error", append(common, "--set", "v1=50,v9=50"), nil, ExitFailed, `subset "v9"`},
		{"unreachable remote", []string{"shift", "--repo", "git://127.0.0.1:1/r.git", "--app", "a", "--virtualservice", "x", "--set", "v1=100"}, nil, ExitUnavailable, "unavailable"},
		{"both --set and --canary", append(common, "--set", "v1=100", "--canary", "v3"), nil, ExitUsage, "give either --set or --canary/--weight"},
		{"someone changed the same weights", nil, fmt.Errorf("shifting: %w", &gitrepo.ConflictError{Branch: "main"}), ExitConflict, ""},
		{"the branch kept moving", nil, &gitrepo.BusyError{Branch: "main", Attempts: 8}, ExitConflict, ""},
		{"invalid request", nil, &shift.InputError{Err: errors.New("x")}, ExitFailed, ""},
	})
}

func TestVerifyExitCodes(t *testing.T) {
	noApp := fakeAPIServer(t, nil)
	unreachable := unreachableKubeconfig(t)
	runExitCases(t, []exitCase{
		{"every check passed", nil, verifyOutcome(verify.Report{Outcome: verify.OutcomePassed}), ExitOK, ""},
		{"a check failed", nil, verifyOutcome(verify.Report{Outcome: verify.OutcomeFailed}), ExitFailed, ""},
		{"no such Application", []string{"verify", "--app", "bookinfo", "--kubeconfig", noApp}, nil, ExitFailed, ""},
		{"API server unreachable", []string{"verify", "--app", "bookinfo", "--kubeconfig", unreachable}, nil, ExitUnavailable, "could not check application: "},
		{"no kubeconfig", []string{"verify", "--app", "bookinfo", "--kubeconfig", "/nonexistent/kubeconfig"}, nil, ExitUnavailable, "could not check: kubeconfig"},
		{"API server unreachable (library)", nil, &kube.UnreachableError{Host: "https://k", Err: errors.New("refused")}, ExitUnavailable, ""},
		{"Prometheus unreachable (library)", nil, &metrics.UnavailableError{URL: "http://p", Err: errors.New("refused")}, ExitUnavailable, ""},
		{"Prometheus unreachable", nil, verifyOutcome(verify.Report{Outcome: verify.OutcomeUnavailable,
			Results: []verify.Result{{ID: "traffic-split", Status: verify.Error, Error: "cannot query Prometheus"}}}), ExitUnavailable, ""},
		{"no --app", []string{"verify"}, nil, ExitUsage, "--app is required"},
		{"unknown reporter", []string{"verify", "--app", "a", "--reporter", "both"}, nil, ExitUsage, `--reporter "both"`},
		{"invalid Prometheus URL", []string{"verify", "--app", "a", "--kubeconfig", unreachable, "--prometheus", "nohost"}, nil, ExitUsage, "invalid Prometheus URL"},
		{"unknown output format", []string{"verify", "--app", "a", "-o", "xml"}, nil, ExitUsage, "xml"},
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
	withApp := fakeAPIServer(t, map[string]string{appPath("argocd", "bookinfo"): bookinfoApp})
	elsewhere := fakeAPIServer(t, map[string]string{appPath("argocd", "bookinfo"): strings.Replace(bookinfoApp, "https://kubernetes.default.svc", "https://prod.example", 1)})
	chartOnly := fakeAPIServer(t, map[string]string{appPath("argocd", "bookinfo"): strings.Replace(bookinfoApp, `"path":"."`, `"chart":"reviews"`, 1)})
	badPolicy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(badPolicy, []byte("apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: r}\nspec:\n  stableSubst: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ended := func(phase rollout.Phase, cause error) error {
		return (&rollout.Result{ID: "r1", Phase: phase, Cause: cause}).Err()
	}
	runExitCases(t, []exitCase{
		{"promoted", nil, ended(rollout.Promoted, nil), ExitOK, ""},
		{"rolled back", nil, ended(rollout.RolledBack, &rollout.CanaryFailedError{Step: 2, Reason: "errors"}), ExitFailed, ""},
		{"invalid policy", []string{"rollout", "start", "--policy", badPolicy}, nil, ExitFailed, "policy.yaml:5: spec.stableSubst: unknown field"},
		{"no such Application", start(fakeAPIServer(t, nil), "--prometheus", "http://127.0.0.1:1"), nil, ExitFailed, "Application argocd/bookinfo not found (set spec.target.application / --app)"},
		{"API server unreachable", start(unreachableKubeconfig(t), "--prometheus", "http://127.0.0.1:1"), nil, ExitUnavailable, "cannot reach the Kubernetes API server"},
		{"no kubeconfig", start("/nonexistent/kubeconfig"), nil, ExitUnavailable, "kubeconfig"},
		{"destination cluster not given", start(elsewhere, "--prometheus", "http://127.0.0.1:1"), nil, ExitUnavailable, "pass --destination-context"},
		{"Prometheus unreachable for too long", nil, ended(rollout.Failed, &rollout.NoDataError{Err: fmt.Errorf("%w: refused", rollout.ErrUnavailable)}), ExitUnavailable, ""},
		{"another runner holds the lease", nil, ended(rollout.Failed, &rollout.LeaseHeldError{Lease: "bookinfo/gitshift-reviews", Holder: "ci"}), ExitConflict, ""},
		{"a person changed the weights", nil, ended(rollout.Failed, &rollout.ForeignChangeError{}), ExitConflict, ""},
		{"no --prometheus", start(withApp), nil, ExitUsage, "--prometheus (or $GITSHIFT_PROMETHEUS_URL) is required"},
		{"no Git source", start(chartOnly, "--prometheus", "http://127.0.0.1:1"), nil, ExitUsage, "the Application names no Git repoURL: pass --repo"},
		{"bad --steps", []string{"rollout", "start", "--steps", "5,x"}, nil, ExitUsage, "--steps"},
		{"bad --author", start(withApp, "--prometheus", "http://127.0.0.1:1", "--author", "nobody"), nil, ExitUsage, "Name <email>"},
		{"text|json only", []string{"rollout", "start", "-o", "yaml"}, nil, ExitUsage, `unknown output format "yaml"`},
		{"arguments", []string{"rollout", "start", "x"}, nil, ExitUsage, "unknown command"},
	})
}

func TestRolloutStatusAndSignalExitCodes(t *testing.T) {
	files := exampleFiles(t, gitopsExample)
	step := map[string]string{"canary/reviews-traffic-90-10.yaml": strings.NewReplacer("weight: 90", "weight: 95", "weight: 10", "weight: 5").Replace(files["canary/reviews-traffic-90-10.yaml"])}
	idle := localRepo(t, files, nil)
	running := localRepo(t, files, step)
	target := []string{"--app", "bookinfo", "--virtualservice", "bookinfo/reviews", "--stable", "v1", "--canary", "v3"}
	with := func(cmd, repo string, more ...string) []string {
		return append(append([]string{"rollout", cmd, "--repo", repo}, target...), more...)
	}
	runExitCases(t, []exitCase{
		{"status: no rollout", with("status", idle), nil, ExitOK, ""},
		{"status: a rollout", with("status", running, "-o", "json"), nil, ExitOK, ""},
		{"status: repository unreachable", with("status", "git://127.0.0.1:1/x.git"), nil, ExitUnavailable, "unavailable"},
		{"status: cluster unreachable (no --repo)", append([]string{"rollout", "status", "--kubeconfig", unreachableKubeconfig(t)}, target...), nil, ExitUnavailable, "cannot reach"},
		{"status: no such Application (no --repo)", append([]string{"rollout", "status", "--kubeconfig", fakeAPIServer(t, nil)}, target...), nil, ExitFailed, "not found"},
		{"status: unknown output format", with("status", idle, "-o", "xml"), nil, ExitUsage, "xml"},
		{"pause: recorded", with("pause", running, "--reason", "lunch"), nil, ExitOK, ""},
		{"pause: no rollout in progress", with("pause", idle), nil, ExitFailed, "no rollout of bookinfo/reviews in progress"},
		{"abort: repository unreachable", with("abort", "git://127.0.0.1:1/x.git"), nil, ExitUnavailable, "unavailable"},
		{"resume: arguments", append(with("resume", idle), "now"), nil, ExitUsage, "unknown command"},
		{"promote: unknown flag", with("promote", idle, "--force"), nil, ExitUsage, "unknown flag"},
	})
}

// localRepo is a bare repository on disk holding files; step, when given,
// is a rollout step commit on top (rollout r1 at step 1/4).
func localRepo(t *testing.T, files, step map[string]string) string {
	t.Helper()
	for _, kv := range gittest.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	work, bare := t.TempDir(), filepath.Join(t.TempDir(), "repo.git")
	gittest.WriteFiles(t, work, files)
	gittest.Git(t, work, "init", "-q", "-b", "main")
	gittest.Git(t, work, "add", ".")
	gittest.Git(t, work, "commit", "-q", "-m", "initial")
	if step != nil {
		gittest.WriteFiles(t, work, step)
		gittest.Git(t, work, "commit", "-q", "-a", "-m", "rollout r1: step 1/4\n\nGitshift-Action: rollout-step\nGitshift-Rollout: r1\n"+
			"Gitshift-VirtualService: bookinfo/reviews\nGitshift-Step: 1/4\nGitshift-Weights: v1=95,v3=5\nGitshift-Decision: start")
	}
	gittest.Git(t, work, "clone", "-q", "--bare", work, bare)
	return bare
}

func TestLabExitCodes(t *testing.T) {
	noLab := filepath.Join(t.TempDir(), "lab")
	notReady := labState(t, lab.PhaseStarting, 0, "")
	unreachable := labState(t, lab.PhaseReady, 0, unreachableKubeconfig(t))
	// A lab whose supervisor is alive (this test process): ready, and up.
	up := labState(t, lab.PhaseReady, os.Getpid(), unreachableKubeconfig(t))
	stopped := labState(t, lab.PhaseDown, 0, "")
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	busyPort := strconv.Itoa(held.Addr().(*net.TCPAddr).Port)
	runExitCases(t, []exitCase{
		{"status: healthy", []string{"lab", "status", "--dir", up}, nil, ExitOK, ""},
		{"status: not healthy", []string{"lab", "status", "--dir", stopped}, nil, ExitFailed, ""},
		{"status: no lab", []string{"lab", "status", "--dir", noLab}, nil, ExitFailed, "no lab found"},
		{"status: unknown output format", []string{"lab", "status", "--dir", up, "-o", "xml"}, nil, ExitUsage, "xml"},
		{"env: prints", []string{"lab", "env", "--dir", stopped}, nil, ExitOK, ""},
		{"env: no lab", []string{"lab", "env", "--dir", noLab}, nil, ExitFailed, "no lab found"},
		{"down: nothing running", []string{"lab", "down", "--dir", stopped}, nil, ExitOK, ""},
		{"down: no lab", []string{"lab", "down", "--dir", noLab}, nil, ExitFailed, "no lab found"},
		{"up: already up", []string{"lab", "up", "--dir", up}, nil, ExitConflict, "lab is already up"},
		{"up: port in use", []string{"lab", "up", "--dir", filepath.Join(t.TempDir(), "lab"), "--api-port", busyPort}, nil, ExitConflict, "already in use"},
		{"up: a tool does not build", nil, &lab.BuildError{Tool: "kube", Err: errors.New("exit 1")}, ExitFailed, ""},
		{"faults: no lab", []string{"lab", "faults", "--dir", noLab}, nil, ExitFailed, "no lab found"},
		{"faults: lab not ready", []string{"lab", "faults", "--dir", notReady}, nil, ExitUnavailable, "not ready"},
		{"faults: API server unreachable", []string{"lab", "faults", "--dir", unreachable}, nil, ExitUnavailable, "reading ConfigMap"},
		{"faults clear: API server unreachable", []string{"lab", "faults", "clear", "--dir", unreachable}, nil, ExitUnavailable, "updating ConfigMap"},
		{"faults set: invalid profile", []string{"lab", "faults", "set", "reviews.v3", "--error-rate", "2", "--dir", unreachable}, nil, ExitUsage, "errorRate 2"},
		{"faults set: no key", []string{"lab", "faults", "set", "--dir", unreachable}, nil, ExitUsage, "accepts 1 arg"},
		{"demo: unknown story", []string{"lab", "demo", "--story", "epic"}, nil, ExitUsage, `--story "epic"`},
		{"demo: no lab", []string{"lab", "demo", "--dir", noLab}, nil, ExitFailed, "no lab found"},
		{"demo: lab not ready", []string{"lab", "demo", "--dir", notReady}, nil, ExitUnavailable, "not ready"},
		{"demo: lab unreachable", []string{"lab", "demo", "--dir", unreachable, "--policy", "../../examples/bookinfo-gitops/argocd/canary-policy-demo.yaml"}, nil, ExitUnavailable, ""},
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
