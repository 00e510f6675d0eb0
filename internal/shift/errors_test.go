package shift

import (
	"context"
	"errors"
	"github.com/gitshift/gitshift/internal/edit"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// TestShiftConflict: a foreign commit changes the same weights while the
// shift runs: ConflictError, and the remote head stays the foreign commit.
func TestShiftConflict(t *testing.T) {
	srv := gittest.Start(t)
	files := tree(t, "../../examples/bookinfo-gitops")
	srv.Create(t, "repo", files)
	w := srv.NewWriter(t, "repo")
	const vsFile = "canary/reviews-traffic-90-10.yaml"
	var theirs string
	testHookEdited = func(attempt int) {
		if attempt == 1 {
			theirs = w.Commit(t, "manual shift", map[string]string{vsFile: strings.Replace(files[vsFile], "weight: 90", "weight: 80", 1)})
			theirs = w.Commit(t, "manual shift 2", map[string]string{vsFile: strings.Replace(files[vsFile], "weight: 10", "weight: 20", 1)})
		}
	}
	defer func() { testHookEdited = nil }()
	res, err := Run(context.Background(), Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews",
		Weights: weights(t, "v1=75,v3=25"), GitEnv: gittest.Env, Backoff: time.Millisecond})
	var ce *gitrepo.ConflictError
	if !errors.As(err, &ce) || !IsConflict(err) {
		t.Fatalf("err = %v, want ConflictError", err)
	}
	if ce.Was != "v1=90,v3=10" || ce.Now != "v1=90,v3=20" {
		t.Errorf("conflict %+v", ce)
	}
	if head := srv.Head(t, "repo"); head != theirs || res.Pushed {
		t.Errorf("remote head %s, want the foreign %s; result %+v", head, theirs, res)
	}
	t.Log(err)
}

// TestShiftBadInput: every user mistake is an error naming what and where,
// and nothing reaches the remote.
func TestShiftBadInput(t *testing.T) {
	srv := gittest.Start(t)
	files := tree(t, "../../examples/bookinfo-gitops")
	const vsFile = "canary/reviews-traffic-90-10.yaml"
	broken := map[string]string{}
	for k, v := range files {
		broken[k] = v
	}
	broken[vsFile] = strings.Replace(files[vsFile], "weight: 90", "weight: ninety", 1)
	unparsable := map[string]string{}
	for k, v := range files {
		unparsable[k] = v
	}
	unparsable[vsFile] = files[vsFile] + "  bad: [unclosed\n"
	quoted := map[string]string{}
	for k, v := range files {
		quoted[k] = v
	}
	quoted[vsFile] = strings.Replace(files[vsFile], "weight: 90", `weight: "90"`, 1)
	// A chart whose template quotes the weight renders a string whatever
	// the values say: the rendered object names the template.
	helmQuoted := tree(t, "testdata/chart=chart", "testdata/valid-helm-values-block")
	helmQuoted["chart/templates/vs.yaml"] = strings.Replace(helmQuoted["chart/templates/vs.yaml"], "weight: {{ $weight }}", "weight: {{ $weight | quote }}", 1)
	base := srv.Create(t, "repo", files)
	gittest.Git(t, srv.Path("repo"), "tag", "v1", "main")
	gittest.Git(t, srv.Path("repo"), "branch", "dev", "main")
	srv.Create(t, "broken", broken)
	srv.Create(t, "quoted", quoted)
	srv.Create(t, "helm-quoted", helmQuoted)
	srv.Create(t, "unparsable", unparsable)
	tests := []struct {
		name    string
		repo    string
		req     Request
		want    string
		inputEr bool
		remote  bool
		field   string
	}{
		{name: "unknown virtualservice", req: Request{VirtualService: "nope", Weights: mustW("v1=100")}, want: "renders no VirtualService nope", inputEr: true},
		{name: "unknown app", req: Request{App: "nope", VirtualService: "reviews", Weights: mustW("v1=100")}, want: "no Application nope in the repository (found: bookinfo, bookinfo-rollout)", inputEr: true},
		{name: "sum not 100", req: Request{VirtualService: "reviews", Weights: mustW("v1=60,v3=50")}, want: "sum to 110", inputEr: true},
		{name: "negative", req: Request{VirtualService: "reviews", Weights: mustW("v1=110,v3=-10")}, want: "between 0 and 100", inputEr: true},
		{name: "unknown subset fails check", req: Request{VirtualService: "reviews", Weights: mustW("v1=50,v9=50"), AddDestinations: true}, want: `subset "v9"`},
		{name: "subset not in the route", req: Request{VirtualService: "reviews", Weights: mustW("v1=50,v2=50")},
			want: "has no destination for subset v2 (its destinations: v1=90,v3=10); a shift changes weights only", inputEr: true, field: "AddDestinations"},
		{name: "canary not in the route", req: Request{VirtualService: "reviews", Canary: "v2", Stable: "v1", CanaryWeight: 5},
			want: "no destination for subset v2", inputEr: true, field: "AddDestinations"},
		{name: "canary stable ambiguous", req: Request{VirtualService: "reviews", Canary: "v2", CanaryWeight: 5}, want: "cannot tell the stable subset of reviews", inputEr: true, field: "Stable"},
		{name: "non-numeric weight in file", repo: "broken", req: Request{VirtualService: "reviews", Weights: mustW("v1=100")},
			want: vsFile + `:16: weight of v1 is the string "ninety": weight must be an integer`, inputEr: true},
		{name: "quoted weight in file", repo: "quoted", req: Request{VirtualService: "reviews", Weights: mustW("v1=75,v3=25")},
			want: vsFile + `:16: weight of v1 is the string "90": write weight: 90 without quotes; Istio's CRD declares an integer and the API server refuses a string`, inputEr: true},
		{name: "quoted weight rendered by a chart", repo: "helm-quoted", req: Request{App: "mini", VirtualService: "reviews", Weights: mustW("v1=75,v3=25")},
			want: `VirtualService reviews (rendered from chart/templates/vs.yaml:1): weight of v1 is the string "90": write weight: 90 without quotes`, inputEr: true},
		{name: "unparsable file", repo: "unparsable", req: Request{VirtualService: "reviews", Weights: mustW("v1=100")},
			want: vsFile, inputEr: true},
		{name: "missing branch", req: Request{VirtualService: "reviews", Branch: "nope", Weights: mustW("v1=100")},
			want: "branch nope does not exist on " + srv.URL("repo") + "; its branches: dev, main"},
		{name: "a tag is not a branch", req: Request{VirtualService: "reviews", Branch: "v1", Weights: mustW("v1=100")},
			want: "v1 is a tag on " + srv.URL("repo") + ", not a branch: a shift commits to a branch (its branches: dev, main)"},
		{name: "unreachable remote with credentials", repo: "http://bob:s3cret@127.0.0.1:1/x.git", req: Request{VirtualService: "reviews", Weights: mustW("v1=100")},
			want: "http://***@127.0.0.1:1/x.git", remote: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if req.App == "" {
				req.App = "bookinfo"
			}
			req.Repo, req.GitEnv = srv.URL("repo"), gittest.Env
			if tt.repo != "" {
				req.Repo = srv.URL(tt.repo)
				if strings.Contains(tt.repo, "://") {
					req.Repo = tt.repo
				}
			}
			_, err := Run(context.Background(), req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			var ie *InputError
			var re *gitrepo.RemoteError
			if tt.inputEr && !errors.As(err, &ie) || tt.remote && !errors.As(err, &re) {
				t.Errorf("error type %T: %v", err, err)
			}
			if ie != nil && ie.Field != tt.field {
				t.Errorf("field %q, want %q", ie.Field, tt.field)
			}
			if cliFlag.MatchString(err.Error()) {
				t.Errorf("the library names a CLI flag: %v", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("password leaked: %v", err)
			}
			if srv.Head(t, "repo") != base {
				t.Errorf("remote changed")
			}
			t.Log(err)
		})
	}
}

// cliFlag matches the flags of `gitshift shift`: the CLI names them, the
// library names the Request fields.
var cliFlag = regexp.MustCompile(`--(repo|branch|app|app-file|virtualservice|route|set|canary|weight|stable|values-key|in-place|no-push|author|message)\b`)

func mustW(s string) edit.Weights {
	w, err := edit.ParseWeights(s)
	if err != nil {
		panic(err)
	}
	return w
}

// TestShiftExpectAndSignal: the rollout engine's two calls. A shift whose
// Expect differs from Git is a conflict; a signal is an empty commit with
// trailers on top of the remote head.
func TestShiftExpectAndSignal(t *testing.T) {
	srv := gittest.Start(t)
	base := srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
	_, err := Run(context.Background(), Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews",
		Weights: mustW("v1=75,v3=25"), Expect: mustW("v1=95,v3=5"), GitEnv: gittest.Env})
	if !IsConflict(err) || srv.Head(t, "repo") != base {
		t.Fatalf("err = %v, want a conflict and no push", err)
	}
	res, err := Run(context.Background(), Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews",
		Weights: mustW("v1=75,v3=25"), Expect: mustW("v3=10,v1=90"), GitEnv: gittest.Env,
		Trailers: []gitrepo.Trailer{{Key: "Gitshift-Rollout", Value: "r1"}, {Key: "Gitshift-Step", Value: "1"}}})
	if err != nil || !res.Pushed {
		t.Fatalf("%+v %v", res, err)
	}
	sig, err := Signal(context.Background(), SignalRequest{Repo: srv.URL("repo"), Message: "rollout r1: pause", GitEnv: gittest.Env,
		Trailers: []gitrepo.Trailer{{Key: "Gitshift-Action", Value: "pause"}, {Key: "Gitshift-Rollout", Value: "r1"}}})
	if err != nil || !sig.Pushed || srv.Head(t, "repo") != sig.Commit {
		t.Fatalf("signal %+v %v", sig, err)
	}
	bare := &gitrepo.Repo{Dir: srv.Path("repo"), Env: gittest.Env}
	log, err := bare.Log(context.Background(), "main", 3)
	if err != nil || len(log) != 3 {
		t.Fatalf("log %v %v", log, err)
	}
	if a, _ := log[0].Trailer("Gitshift-Action"); a != "pause" || log[0].Parents[0] != res.Commit {
		t.Errorf("signal commit %+v", log[0])
	}
	if s, _ := log[1].Trailer("Gitshift-Step"); s != "1" {
		t.Errorf("shift commit %+v", log[1])
	}
	if files := gittest.Git(t, srv.Path("repo"), "show", "--format=", "--name-only", sig.Commit); files != "" {
		t.Errorf("signal changed files: %s", files)
	}
}
