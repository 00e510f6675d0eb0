//go:build e2e

package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/dashboard/browsertest"
	"github.com/gitshift/gitshift/internal/lab/labtest"
)

// watch is `gitshift dashboard` against the lab, followed in headless
// Chromium while a rollout runs (the suite's healthy rollout: no lab and
// no rollout of its own). Its goroutine records what the page showed.
type watch struct {
	b    *browsertest.Browser
	base string
	id   string
	dir  string // screenshots
	done chan struct{}

	// What the page showed, for the test goroutine once done is closed.
	errs      []string
	stepsSeen []string // #step before and after the live update
	shas      []string // the timeline's commits after the update
	points    int      // measured points checked against Prometheus
}

// watchDashboard starts the dashboard and the browser, and follows rollout
// id from its first commit to its next step.
func (l *labEnv) watchDashboard(t *testing.T, id string) *watch {
	t.Helper()
	b := browsertest.Start(t)
	cmd := labtest.Command(t, l.env, append([]string{"dashboard", "--address", "127.0.0.1:0", "--refresh", "1s", "--discover=false"}, l.flags...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		stop := time.AfterFunc(15*time.Second, func() { _ = cmd.Process.Kill() })
		_ = cmd.Wait()
		stop.Stop()
	})
	serving := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)/ `)
	sc := bufio.NewScanner(stderr)
	base := ""
	for base == "" && sc.Scan() {
		if m := serving.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatal("gitshift dashboard did not start serving")
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }() // its log
	w := &watch{b: b, base: base, id: id, dir: t.ArtifactDir(), done: make(chan struct{})}
	go w.follow(l.st.Endpoints.PrometheusURL)
	return w
}

func (w *watch) fail(format string, args ...any) {
	w.errs = append(w.errs, fmt.Sprintf(format, args...))
}

// follow waits for the rollout on the overview, opens its page, checks
// its chart against Prometheus and waits for the step to advance in place.
func (w *watch) follow(prom string) {
	defer close(w.done)
	row := fmt.Sprintf(`tr[data-rollout=%q]`, w.id)
	if !w.poll(3*time.Minute, func() bool {
		return w.b.Open(w.base+"/") == nil && w.b.WaitFor(`document.querySelector(`+strconv.Quote(row)+`)`, time.Second) == nil
	}) {
		w.fail("the overview never listed rollout %s", w.id)
		return
	}
	w.shot("overview-running.png")
	if err := w.b.Open(w.base + "/rollouts/bookinfo/reviews/" + w.id); err != nil {
		w.fail("%v", err)
		return
	}
	first, _ := w.b.Text("#step")
	w.stepsSeen = append(w.stepsSeen, first)
	if err := w.b.Eval(`window.gitshiftMark = 1`, nil); err != nil {
		w.fail("%v", err)
		return
	}
	// The step advances (the healthy canary's first step needs its 300
	// canary requests at 5%: about two minutes).
	err := w.b.WaitFor(`document.getElementById("step") && document.getElementById("step").innerText.trim() !== `+strconv.Quote(first), 5*time.Minute)
	if err != nil {
		w.fail("the page did not update from step %s: %v", first, err)
		return
	}
	var mark int
	if err := w.b.Eval(`window.gitshiftMark || 0`, &mark); err != nil || mark != 1 {
		w.fail("the page was reloaded instead of updated in place (mark %d, %v)", mark, err)
	}
	next, _ := w.b.Text("#step")
	w.stepsSeen = append(w.stepsSeen, next)
	// Let the new step gather a few buckets of traffic, then read the
	// page as it is now: its commits and its split chart.
	time.Sleep(30 * time.Second)
	rows, err := w.b.Data("#timeline tr[data-sha]")
	if err != nil {
		w.fail("%v", err)
	}
	for _, r := range rows {
		w.shas = append(w.shas, r["sha"])
	}
	w.checkChart(prom)
	w.shot("rollout-running.png")
}

// checkChart compares each measured point of the split chart (a bucket's
// canary and baseline requests) with Prometheus: the increase of
// `sum by (destination_version) (<the page's query>)` between the
// bucket's edges, two instant queries. The newest bucket is left out: its
// last scrape may land after the page was read.
func (w *watch) checkChart(prom string) {
	query, _ := w.b.Text("#traffic-query")
	pts, err := w.b.Data(`svg#split g.series.measured g.pt`)
	if err != nil || query == "" || len(pts) < 4 {
		w.fail("split chart: query %q, %d points (%v)", query, len(pts), err)
		return
	}
	canaryPts := 0
	for _, p := range pts[:len(pts)-1] {
		start, _ := strconv.ParseInt(p["start"], 10, 64)
		end, _ := strconv.ParseInt(p["end"], 10, 64)
		at0, err0 := sumByVersion(prom, query, start)
		at1, err1 := sumByVersion(prom, query, end)
		if err0 != nil || err1 != nil {
			w.fail("Prometheus: %v %v", err0, err1)
			return
		}
		want := map[string]string{"canary": strconv.FormatInt(at1["v3"]-at0["v3"], 10), "stable": strconv.FormatInt(at1["v1"]-at0["v1"], 10)}
		if p["canary"] != want["canary"] || p["stable"] != want["stable"] {
			w.fail("bucket %s..%s: page canary=%s stable=%s, Prometheus %s %s", p["start"], p["end"], p["canary"], p["stable"], want["canary"], want["stable"])
		}
		if p["canary"] != "0" {
			canaryPts++
		}
		w.points++
	}
	if canaryPts < 3 {
		w.fail("only %d buckets with canary traffic on the chart", canaryPts)
	}
}

// sumByVersion is `sum by (destination_version) (query)` at unixMilli.
func sumByVersion(prom, query string, unixMilli int64) (map[string]int64, error) {
	v := url.Values{"query": {"sum by (destination_version) (" + query + ")"}, "time": {fmt.Sprintf("%.3f", float64(unixMilli)/1000)}}
	resp, err := http.Get(prom + "/api/v1/query?" + v.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		return nil, fmt.Errorf("query %s: status %q, %v", v.Get("query"), body.Status, err)
	}
	out := map[string]int64{}
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		out[r.Metric["destination_version"]] = int64(f + 0.5)
	}
	return out, nil
}

func (w *watch) poll(timeout time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		if ok() {
			return true
		}
	}
	return false
}

func (w *watch) shot(name string) {
	if err := w.b.Screenshot(filepath.Join(w.dir, name)); err != nil {
		w.fail("%v", err)
	}
}

// check waits for follow, reports what it found and compares the commits
// the page showed with Git's; then it loads the finished rollout's page.
func (w *watch) check(t *testing.T, l *labEnv) {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(5 * time.Minute):
		t.Fatal("the browser is still following the rollout")
	}
	for _, e := range w.errs {
		t.Error("dashboard: " + e)
	}
	if len(w.stepsSeen) == 2 && (w.stepsSeen[0] == w.stepsSeen[1] || !strings.HasSuffix(w.stepsSeen[0], "/4")) {
		t.Errorf("dashboard steps %v: want a running step that advanced", w.stepsSeen)
	}
	var git []string
	for _, c := range l.commits(t, w.id) {
		git = append(git, c.SHA)
	}
	for _, sha := range w.shas {
		if !slices.Contains(git, sha) {
			t.Errorf("the page shows commit %s, not one of the rollout's in Git %v", sha, git)
		}
	}
	if len(git) < 2 || len(w.shas) < 2 || !slices.Contains(w.shas, git[0]) || !slices.Contains(w.shas, git[1]) {
		t.Errorf("the page showed commits %v after the step advanced; want Git's first two %v", w.shas, git[:min(2, len(git))])
	}
	// The finished rollout, for the record.
	if err := w.b.Open(w.base + "/rollouts/bookinfo/reviews/" + w.id); err != nil {
		t.Fatal(err)
	}
	if err := w.b.WaitFor(`document.getElementById("phase").innerText.trim() === "Promoted"`, 30*time.Second); err != nil {
		t.Error(err)
	}
	w.shot("rollout-promoted.png")
	if err := w.b.Open(w.base + "/"); err == nil {
		w.shot("overview.png")
	}
	t.Logf("dashboard: steps %v, %d commits, %d chart points equal to Prometheus; screenshots in %s", w.stepsSeen, len(w.shas), w.points, w.dir)
}
