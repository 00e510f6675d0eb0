package shift

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/edit"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

var bot = &gitrepo.Signature{Name: "Shift Bot", Email: "shift@example.com"}

// tree reads fixture directories into one file map; "dir=prefix" places dir
// under prefix.
func tree(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, d := range dirs {
		dir, prefix, _ := strings.Cut(d, "=")
		err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(filepath.Join(prefix, rel))] = string(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func weights(t *testing.T, s string) edit.Weights {
	t.Helper()
	w, err := edit.ParseWeights(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// diffLines returns the -/+ lines of a commit's unified diff.
func diffLines(t *testing.T, bare, rev string) (removed, added []string) {
	t.Helper()
	out := gittest.Git(t, bare, "show", "--format=", "--unified=0", rev)
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
		case strings.HasPrefix(l, "-"):
			removed = append(removed, l[1:])
		case strings.HasPrefix(l, "+"):
			added = append(added, l[1:])
		}
	}
	return removed, added
}

var digits = regexp.MustCompile(`\d+`)

func TestShiftAgainstGitDaemon(t *testing.T) {
	tests := []struct {
		name      string
		files     []string
		vs        string
		set       string
		valuesKey string
		wantFile  string
		// insertOK lists patterns added lines may match when destinations or
		// keys are inserted; otherwise each removed line must reappear with
		// only its digits changed.
		insertOK *regexp.Regexp
		addDest  bool // --add-destination
	}{
		{name: "plain file (example)", files: []string{"../../examples/bookinfo-gitops"}, vs: "bookinfo/reviews", set: "v1=75,v3=25",
			wantFile: "canary/reviews-traffic-90-10.yaml"},
		{name: "multi-document file, quoted weight under an !!int tag", files: []string{"testdata/valid-multidoc"}, vs: "reviews", set: "v1=60,v3=40",
			wantFile: "mesh/routes.yaml"},
		{name: "destination insert", files: []string{"testdata/valid-insert"}, vs: "shop/reviews", set: "v1=90,v3=10",
			wantFile: "mesh/reviews.yaml", insertOK: regexp.MustCompile(`^\s*(- destination:|host: reviews|subset: v3|weight: \d+)$`), addDest: true},
		{name: "helm values file (example)", files: []string{"../../examples/bookinfo-helm"}, vs: "reviews", set: "v1=50,v3=50",
			wantFile: "chart/values.yaml"},
		{name: "helm valuesObject", files: []string{"testdata/chart=chart", "testdata/valid-helm-valuesobject"}, vs: "reviews", set: "v1=70,v3=30",
			valuesKey: "reviews.canary.weights", wantFile: "argocd/app.yaml"},
		{name: "helm parameters", files: []string{"testdata/chart=chart", "testdata/valid-helm-parameters"}, vs: "reviews", set: "v1=70,v3=30",
			wantFile: "argocd/app.yaml"},
		{name: "helm values block", files: []string{"testdata/chart=chart", "testdata/valid-helm-values-block"}, vs: "reviews", set: "v1=70,v3=30",
			wantFile: "argocd/app.yaml"},
		{name: "helm new subset goes next to its siblings", files: []string{"testdata/chart=chart", "testdata/valid-helm-valuesobject"}, vs: "reviews", set: "v1=80,v2=10,v3=10",
			wantFile: "argocd/app.yaml", insertOK: regexp.MustCompile(`^\s*(v2: 10)$`), addDest: true},
	}
	srv := gittest.Start(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("repo%d", i)
			base := srv.Create(t, name, tree(t, tt.files...))
			app := "mini"
			if strings.Contains(tt.files[0], "examples") {
				app = "bookinfo"
			}
			res, err := Run(context.Background(), Request{
				Repo: srv.URL(name), App: app, VirtualService: tt.vs,
				Weights: weights(t, tt.set), ValuesKey: tt.valuesKey, AddDestinations: tt.addDest, Author: bot, GitEnv: gittest.Env,
			})
			if err != nil {
				t.Fatal(err)
			}
			head := srv.Head(t, name)
			if !res.Pushed || res.Commit != head || len(res.Files) != 1 || res.Files[0] != tt.wantFile {
				t.Fatalf("result %+v (remote head %s)", res, head)
			}
			if !res.New.Equal(weights(t, tt.set)) {
				t.Errorf("new weights %s, want %s", res.New, tt.set)
			}
			if parent := gittest.Git(t, srv.Path(name), "rev-parse", head+"^"); parent != base {
				t.Errorf("parent %s, want the original head %s", parent, base)
			}
			numstat := gittest.Git(t, srv.Path(name), "show", "--format=", "--numstat", head)
			if !strings.HasSuffix(numstat, "\t"+tt.wantFile) || strings.Count(numstat, "\n") != 0 {
				t.Errorf("numstat %q: want one file %s", numstat, tt.wantFile)
			}
			removed, added := diffLines(t, srv.Path(name), head)
			for _, r := range removed {
				if !containsLike(added, r) {
					t.Errorf("removed line %q has no counterpart differing only in digits; added %q", r, added)
				}
			}
			for _, a := range added {
				if !containsLike(removed, a) && (tt.insertOK == nil || !tt.insertOK.MatchString(a)) {
					t.Errorf("added line %q is not a weight change", a)
				}
			}
			log := gittest.Git(t, srv.Path(name), "log", "-1", "--format=%(trailers:key=Gitshift-Weights,valueonly)", head)
			if log != res.New.String() {
				t.Errorf("weights trailer %q, want %q", log, res.New)
			}
		})
	}
}

// containsLike reports whether lines has l with only digits changed (the
// weight scalars; quotes and comments must stay).
func containsLike(lines []string, l string) bool {
	for _, x := range lines {
		if digits.ReplaceAllString(x, "N") == digits.ReplaceAllString(l, "N") && x != l {
			return true
		}
	}
	return false
}

func TestShiftDryRunAndNoop(t *testing.T) {
	srv := gittest.Start(t)
	base := srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
	req := Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews", Canary: "v3", CanaryWeight: 25, DryRun: true, GitEnv: gittest.Env}
	res, err := Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Diff, "-          weight: 90 # stable\n+          weight: 75 # stable") || srv.Head(t, "repo") != base {
		t.Fatalf("dry run: %+v", res)
	}
	req.DryRun, req.Canary, req.Weights = false, "", weights(t, "v1=90,v3=10")
	res, err = Run(context.Background(), req)
	if err != nil || !res.Unchanged || res.Commit != "" || srv.Head(t, "repo") != base {
		t.Fatalf("no-op: %+v %v", res, err)
	}
}

// TestShiftRace: another writer pushes 10 unrelated commits while the shift
// runs; all of them survive, the weights land, nothing is rewritten.
func TestShiftRace(t *testing.T) {
	srv := gittest.Start(t)
	first := srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
	w := srv.NewWriter(t, "repo")
	var foreign []string
	pushed := 0
	testHookEdited = func(int) {
		// Each attempt loses to 1-3 foreign pushes until all 10 are in.
		for k := 0; k < 3 && pushed < 10; k++ {
			foreign = append(foreign, w.Commit(t, "unrelated", map[string]string{"docs/note" + string(rune('a'+pushed)) + ".md": "x\n"}))
			pushed++
		}
	}
	defer func() { testHookEdited = nil }()
	start := time.Now()
	res, err := Run(context.Background(), Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews",
		Weights: weights(t, "v1=75,v3=25"), GitEnv: gittest.Env, Backoff: 10 * time.Millisecond, MaxAttempts: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("race: %d attempts, %d foreign commits, %v", res.Attempts, len(foreign), time.Since(start).Round(time.Millisecond))
	head := srv.Head(t, "repo")
	bare := &gitrepo.Repo{Dir: srv.Path("repo"), Env: gittest.Env}
	for _, c := range append(foreign, first) {
		if ok, err := bare.IsAncestor(context.Background(), c, head); err != nil || !ok {
			t.Errorf("%s is not an ancestor of %s", c, head)
		}
	}
	if head != res.Commit || res.Attempts < 2 {
		t.Errorf("head %s, result %+v", head, res)
	}
	if got := gittest.Git(t, srv.Path("repo"), "show", head+":canary/reviews-traffic-90-10.yaml"); !strings.Contains(got, "weight: 75 # stable") {
		t.Errorf("weights did not land:\n%s", got)
	}
}
