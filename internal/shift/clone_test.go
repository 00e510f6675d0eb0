package shift

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

const trafficFile = "canary/reviews-traffic-90-10.yaml"

// TestKeptCloneSafety shifts step after step through one kept Clone while
// the kept tree is tampered with between steps and a colleague pushes: each
// step's commit sits on the remote head of its time (no foreign commit
// lost, nothing forced), changes only the weights file (no leftover of the
// tree in it), and the clone is reused rather than made again.
func TestKeptCloneSafety(t *testing.T) {
	srv := gittest.Start(t)
	first := srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
	w := srv.NewWriter(t, "repo")
	var kept Clone
	defer kept.Close()
	var dir string
	tamper := []struct {
		name string
		do   func(t *testing.T, dir string)
	}{
		{"nothing", func(*testing.T, string) {}},
		{"an untracked file and an edited tracked file", func(t *testing.T, dir string) {
			gittest.WriteFiles(t, dir, map[string]string{"stray.yaml": "kind: ConfigMap\n", "base/bookinfo.yaml": "garbage: true\n"})
		}},
		{"a local commit that never reached the remote", func(t *testing.T, dir string) {
			gittest.WriteFiles(t, dir, map[string]string{"unpushed.txt": "x\n"})
			gittest.Git(t, dir, "add", "-A")
			gittest.Git(t, dir, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "--quiet", "-m", "unpushed")
		}},
		{"a colleague's push since the last step", func(t *testing.T, _ string) {
			w.Commit(t, "colleague", map[string]string{"docs/colleague.md": "hello\n"})
		}},
	}
	canary := []int{5, 25, 50, 100}
	foreign := []string{first}
	for i, tm := range tamper {
		if dir != "" {
			tm.do(t, dir)
		}
		before := srv.Head(t, "repo")
		res, err := Run(context.Background(), Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews",
			Canary: "v3", CanaryWeight: canary[i], Author: bot, GitEnv: gittest.Env, Clone: &kept})
		if err != nil {
			t.Fatalf("step %d after %s: %v", i+1, tm.name, err)
		}
		if dir == "" {
			dir = kept.ws.repo.Dir
		} else if kept.ws.repo.Dir != dir {
			t.Errorf("step %d: cloned again (%s, was %s)", i+1, kept.ws.repo.Dir, dir)
		}
		head := srv.Head(t, "repo")
		parent := gittest.Git(t, srv.Path("repo"), "rev-parse", head+"^")
		files := gittest.Git(t, srv.Path("repo"), "show", "--format=", "--name-only", head)
		if !res.Pushed || res.Commit != head || parent != before || files != trafficFile {
			t.Errorf("step %d after %s: pushed %v commit %s, remote head %s with parent %s (want %s) changing %q",
				i+1, tm.name, res.Pushed, res.Commit, head, parent, before, files)
		}
		foreign = append(foreign, before)
	}
	bare := &gitrepo.Repo{Dir: srv.Path("repo"), Env: gittest.Env}
	head := srv.Head(t, "repo")
	for _, c := range foreign {
		if ok, err := bare.IsAncestor(context.Background(), c, head); err != nil || !ok {
			t.Errorf("%s was lost from the remote", c)
		}
	}
	if got := gittest.Git(t, srv.Path("repo"), "log", "--format=%s", "-8", head); strings.Contains(got, "unpushed") {
		t.Errorf("a local commit reached the remote:\n%s", got)
	}
	kept.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s: %v", dir, err)
	}
}

// TestKeptCloneRecovers: a kept clone git cannot use any more (here its
// .git is gone) is replaced by a fresh clone, and the step still lands.
func TestKeptCloneRecovers(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
	var kept Clone
	defer kept.Close()
	req := Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews", Canary: "v3", Author: bot, GitEnv: gittest.Env, Clone: &kept}
	for i, weight := range []int{5, 25} {
		if i == 1 {
			os.RemoveAll(filepath.Join(kept.ws.repo.Dir, ".git"))
		}
		req.CanaryWeight = weight
		if res, err := Run(context.Background(), req); err != nil || !res.Pushed || res.Commit != srv.Head(t, "repo") {
			t.Fatalf("step %d: %+v %v", i+1, res, err)
		}
	}
}

// BenchmarkStepCommit measures one rollout step's commit→push against a
// real bare repository (git daemon) two ways, alternating so both see the
// same load: a fresh temporary clone per step (before) and the kept Clone
// (after). It reports each one's median and their ratio.
func BenchmarkStepCommit(b *testing.B) {
	srv := gittest.Start(b)
	// One repository each: a step through the kept clone must not find the
	// other way's commits (that is a race, which the CAS loop handles).
	files := tree(b, "../../examples/bookinfo-gitops")
	srv.Create(b, "fresh", files)
	srv.Create(b, "kept", files)
	var kept Clone
	defer kept.Close()
	k := 0
	step := func(repo string, c *Clone) time.Duration {
		k++
		weight := 1 + k%98 // a different weight every step: each one commits
		start := time.Now()
		res, err := Run(context.Background(), Request{Repo: srv.URL(repo), App: "bookinfo", VirtualService: "reviews",
			Canary: "v3", CanaryWeight: weight, Author: bot, GitEnv: gittest.Env, Clone: c})
		if err != nil || !res.Pushed {
			b.Fatalf("step: %+v %v", res, err)
		}
		return time.Since(start)
	}
	step("kept", &kept) // the kept clone's first step clones; steady state is what a rollout sees
	var fresh, reused []time.Duration
	for b.Loop() {
		fresh = append(fresh, step("fresh", nil))
		reused = append(reused, step("kept", &kept))
	}
	f, r := median(fresh), median(reused)
	b.ReportMetric(float64(f.Microseconds())/1000, "fresh-ms")
	b.ReportMetric(float64(r.Microseconds())/1000, "kept-ms")
	b.ReportMetric(float64(f)/float64(r), "fresh/kept")
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// TestKeptCloneRewind: someone moves the branch back (a force push to an
// older commit) between two steps. A fresh clone sees the older weights
// and refuses (Expect: a person changed them); the kept clone must too,
// and must not publish again the commits the rewind removed.
func TestKeptCloneRewind(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(map[bool]string{false: "fresh clone", true: "kept clone"}[keep], func(t *testing.T) {
			srv := gittest.Start(t)
			first := srv.Create(t, "repo", tree(t, "../../examples/bookinfo-gitops"))
			var kept Clone
			defer kept.Close()
			req := Request{Repo: srv.URL("repo"), App: "bookinfo", VirtualService: "reviews", Canary: "v3", CanaryWeight: 5, Author: bot, GitEnv: gittest.Env}
			if keep {
				req.Clone = &kept
			}
			step1, err := Run(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			gittest.Git(t, srv.Path("repo"), "update-ref", "refs/heads/main", first) // the rewind
			req.CanaryWeight, req.Expect = 25, weights(t, "v1=95,v3=5")
			res, err := Run(context.Background(), req)
			if !IsConflict(err) || srv.Head(t, "repo") != first {
				t.Errorf("after a rewind: %+v, %v; remote head %s, want a conflict and %s (step 1 was %s)", res, err, srv.Head(t, "repo"), first, step1.Commit)
			}
		})
	}
}
