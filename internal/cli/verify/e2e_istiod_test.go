//go:build e2e

package verify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/argocd"
	checkcli "github.com/gitshift/gitshift/internal/cli/check"
	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/testenv"
	"github.com/gitshift/gitshift/internal/verify"
)

// TestIstiodVerifyE2E is issue 18's acceptance list on a lab started with
// --istiod (make e2e-verify): the simulator's routes come from istiod's
// xDS, istiod's webhook refuses an invalid VirtualService at apply time,
// and the same object pushed by commit is flagged by check before the
// push, fails Argo CD's sync, and verify names istiod's refusal.
func TestIstiodVerifyE2E(t *testing.T) {
	l := needLab(t)
	if l.st.Endpoints.IstiodXDS == "" {
		testenv.Missing(t, "e2e: the lab runs without istiod (gitshift lab up --istiod)")
	}
	app := l.st.Endpoints.Application
	sim := strings.TrimSuffix(l.st.Endpoints.MeshsimMetrics, "/metrics")
	if l.st.Endpoints.IstiodDebug == "" {
		t.Fatal("the lab's state has no istiodDebug address: a lab from an older gitshift, restart it (lab down, lab up --istiod)")
	}
	cp, err := istiod.New(l.st.Endpoints.IstiodDebug)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("90/10 measured with routes from istiod's xDS", func(t *testing.T) {
		st := l.xdsStatus(t, sim)
		if st.Mode != "xds" || st.Sidecar[rdsType] == "" {
			t.Fatalf("simulator mode %q, accepted versions %v: want routes from xDS", st.Mode, st.Sidecar)
		}
		routes := httpGet(t, sim+"/debug/routes")
		if !strings.Contains(routes, "mesh reviews.bookinfo.svc.cluster.local via bookinfo/reviews: v1=90") ||
			!strings.Contains(routes, "v3=10") {
			t.Fatalf("routes from istiod:\n%s", routes)
		}
		r := l.verify(t, "--app", app, "--refresh", "--wait", "3m", "--window", "30s")
		if r.code != command.ExitOK || r.result("traffic-split").Status != verify.Pass {
			t.Fatalf("exit %d, traffic-split %s %q", r.code, r.result("traffic-split").Status, r.result("traffic-split").Summary)
		}
	})

	t.Run("push to data plane: Argo CD applied, istiod pushed, simulator routing changed", func(t *testing.T) {
		work := t.TempDir()
		gitRun(t, work, "clone", "--quiet", l.st.Endpoints.GitURL, ".")
		file := filepath.Join(work, "canary", "reviews-traffic-90-10.yaml")
		var applied, pushed, routed, acked []time.Duration
		for i, w := range [][2]string{{"80", "20"}, {"90", "10"}, {"80", "20"}, {"90", "10"}} {
			before := l.xdsStatus(t, sim)
			setWeights(t, file, w[0], w[1])
			start := time.Now()
			push(t, work, "reviews "+w[0]+"/"+w[1]+" (e2e timing)")
			l.patchApp(t, app, `{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`)
			var a, p, r, c time.Duration
			var want istiod.Want
			pending := 0 // istiod's answers "pending" after the API server had the commit
			deadline := time.Now().Add(2 * time.Minute)
			for (a == 0 || p == 0 || r == 0 || c == 0) && time.Now().Before(deadline) {
				if a == 0 {
					if vs, err := l.kc.VirtualService(context.Background(), "bookinfo", "reviews"); err == nil && vs != nil {
						if h, _, _ := unstructuredSlice(vs.Object, "spec", "http"); strings.Contains(h, `"weight":`+w[0]) {
							a, want = time.Since(start), istiod.WantFor(vs)
						}
					}
				}
				// Applied by the control plane: istiod holds the API
				// server's resourceVersion and both proxies ACKed the push.
				if a != 0 && c == 0 {
					if st, err := cp.Status(context.Background(), want); err != nil {
						t.Fatal(err)
					} else if st.State != istiod.Applied {
						pending++
					} else {
						c = time.Since(start)
						if st.Proxies != 2 || st.Held != want.ResourceVersion {
							t.Errorf("applied with %d proxies, istiod holds %s; want 2 and the live %s", st.Proxies, st.Held, want.ResourceVersion)
						}
					}
				}
				if st := l.xdsStatus(t, sim); p == 0 && st.Sidecar[rdsType] != before.Sidecar[rdsType] {
					p = st.Updated.Sub(start)
				}
				if r == 0 && strings.Contains(httpGet(t, sim+"/debug/routes"), "via bookinfo/reviews: v1="+w[0]) {
					r = time.Since(start)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if a == 0 || p == 0 || r == 0 || c == 0 {
				t.Fatalf("step %d (%s/%s): applied %v, istiod pushed %v, routing changed %v, istiod reports applied+acked %v", i, w[0], w[1], a, p, r, c)
			}
			// The simulator's ACK time is exact, c is when the loop saw
			// "applied": istiod must never say applied before its proxy had
			// the routes.
			if c < p {
				t.Errorf("step %d: istiod reported applied+acked at %v, before the simulator accepted the push at %v", i, c, p)
			}
			t.Logf("step %d %s/%s: commit -> Argo CD applied (API server) %v -> istiod pushed (simulator ACKed) %v -> istiod reports applied+acked %v (%d pending answers before) -> simulator routing changed %v",
				i, w[0], w[1], a.Round(time.Millisecond), p.Round(time.Millisecond), c.Round(time.Millisecond), pending, r.Round(time.Millisecond))
			applied, pushed, routed, acked = append(applied, a), append(pushed, p), append(routed, r), append(acked, c)
		}
		t.Logf("median over %d commits: Argo CD applied %v, istiod pushed %v, istiod reports applied+acked %v, simulator routing changed %v",
			len(applied), median(applied), median(pushed), median(acked), median(routed))
	})

	t.Run("control plane: istiod applied the 90/10 commit at the live resourceVersion", func(t *testing.T) {
		r := l.verify(t, "--app", app, "--refresh", "--wait", "3m", "--window", "10s", "--istiod-debug", l.st.Endpoints.IstiodDebug)
		live, err := l.kc.VirtualService(context.Background(), "bookinfo", "reviews")
		if err != nil || live == nil {
			t.Fatalf("live VirtualService: %v", err)
		}
		c := r.result("control-plane")
		if c.Status != verify.Pass || c.Evidence["state"] != "applied" ||
			!strings.Contains(c.Summary, "bookinfo/reviews rv "+live.GetResourceVersion()+", 2/2 proxies acknowledged") {
			t.Fatalf("control-plane = %s %q (evidence %v); want applied at resourceVersion %s by both proxies", c.Status, c.Summary, c.Evidence, live.GetResourceVersion())
		}
		if vs := r.result("virtualservice"); vs.Status != verify.Pass || !strings.Contains(vs.Summary, "reviews/v1 90%") {
			t.Fatalf("virtualservice = %s %q, want 90/10 live", vs.Status, vs.Summary)
		}
	})

	t.Run("istiod's webhook refuses an invalid VirtualService at apply", func(t *testing.T) {
		m, err := l.kc.Mapper.RESTMapping(kube.VirtualServiceKind.GroupKind())
		if err != nil {
			t.Fatal(err)
		}
		vs := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
			"metadata": map[string]any{"name": "e2e-invalid", "namespace": "bookinfo"},
			"spec": map[string]any{"hosts": []any{"reviews"}, "http": []any{map[string]any{"route": []any{
				map[string]any{"destination": map[string]any{"host": "reviews", "subset": "v1"}, "weight": int64(110)},
				map[string]any{"destination": map[string]any{"host": "reviews", "subset": "v3"}, "weight": int64(-10)},
			}}}},
		}}
		_, err = l.kc.Dynamic.Resource(m.Resource).Namespace("bookinfo").Create(context.Background(), vs, metav1.CreateOptions{})
		if err == nil {
			_ = l.kc.Dynamic.Resource(m.Resource).Namespace("bookinfo").Delete(context.Background(), "e2e-invalid", metav1.DeleteOptions{})
			t.Fatal("the API server accepted a VirtualService with a negative weight")
		}
		t.Logf("refused: %v", err)
		for _, want := range []string{"admission webhook", "denied the request", "weight -10 < 0"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal %q lacks %q", err, want)
			}
		}
	})

	t.Run("invalid VirtualService by commit: check flags it, Argo CD fails, verify names istiod", func(t *testing.T) {
		work := t.TempDir()
		gitRun(t, work, "clone", "--quiet", l.st.Endpoints.GitURL, ".")
		file := filepath.Join(work, "canary", "reviews-traffic-90-10.yaml")
		setWeights(t, file, "110", "-10")

		code, stdout, stderr := runCheck(t, work)
		if code != command.ExitFailed || !strings.Contains(stdout, "GS2007") {
			t.Fatalf("check before the push: exit %d, want 1 with GS2007\n%s%s", code, stdout, stderr)
		}

		push(t, work, "reviews: negative canary weight (e2e)")
		t.Cleanup(func() { l.restoreWeights(t, work, file) })
		l.patchApp(t, app, `{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`)
		var msg string
		eventually(t, 3*time.Minute, "Argo CD to report the failed sync", func() bool {
			a, err := argocd.Reader{Client: l.kc.Dynamic}.Get(context.Background(), l.st.Endpoints.ArgoCDNS, app)
			if err != nil || a.Status.OperationState == nil {
				return false
			}
			msg = a.Status.OperationState.Message
			return strings.Contains(msg, "denied the request")
		})
		t.Logf("Argo CD: %s", msg)

		r := l.verify(t, "--app", app, "--window", "10s", "--istiod-debug", l.st.Endpoints.IstiodDebug)
		if r.code != command.ExitFailed {
			t.Fatalf("exit %d, want 1", r.code)
		}
		all := r.stdout + r.text()
		if strings.Contains(all, "selfHeal is off") {
			t.Errorf("verify blames selfHeal for a failed sync (selfHeal is on)")
		}
		a := r.result("argocd")
		if a.Status != verify.Fail || !strings.Contains(a.Cause, "istiod") || !strings.Contains(a.Cause, "weight -10 < 0") {
			t.Errorf("argocd = %s, cause %q: want istiod's refusal named", a.Status, a.Cause)
		}
		if vs := r.result("virtualservice"); !strings.Contains(vs.Cause, "sync failed") {
			t.Errorf("virtualservice cause %q: want the failed sync, not drift", vs.Cause)
		}
		// istiod still holds (and pushed) the previous VirtualService: the
		// refused commit is not applied by the control plane.
		if c := r.result("control-plane"); c.Status == verify.Pass || c.Evidence["state"] == "applied" ||
			!strings.Contains(c.Summary, "Git's weights are not live") {
			t.Errorf("control-plane = %s %q (evidence %v): the refused commit must not count as applied", c.Status, c.Summary, c.Evidence["state"])
		}
	})
}

// xdsStatus is the simulator's /debug/xds.
type xdsStatus struct {
	Mode    string            `json:"mode"`
	Sidecar map[string]string `json:"sidecar"`
	Updated time.Time         `json:"updated"`
}

func (l *e2eLab) xdsStatus(t *testing.T, sim string) xdsStatus {
	t.Helper()
	var st xdsStatus
	if err := json.Unmarshal([]byte(httpGet(t, sim+"/debug/xds")), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// rdsType is the route type URL in /debug/xds.
const rdsType = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url) //nolint:gosec // the lab's loopback address
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

// runCheck runs `gitshift check` on a clone of the lab's repository: the
// Application in it names the example's GitHub URL, the lab serves a copy.
func runCheck(t *testing.T, dir string) (int, string, string) {
	t.Helper()
	return clitest.Run(t, checkcli.NewCheckCommand, "--repo-url", "https://github.com/gitshift/bookinfo-gitops.git", dir)
}

func setWeights(t *testing.T, file, stable, canary string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := replaceWeight(replaceWeight(string(b), "# stable", stable), "# canary", canary)
	if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func push(t *testing.T, work, msg string) string {
	t.Helper()
	gitRun(t, work, "-c", "user.name=e2e", "-c", "user.email=e2e@example.com", "commit", "--quiet", "-am", msg)
	gitRun(t, work, "push", "--quiet", "origin", "HEAD:main")
	return gitRun(t, work, "rev-parse", "HEAD")
}

// restoreWeights commits 90/10 again and waits until Argo CD synced it.
// Argo CD retries the refused sync (an automated sync's retry limit is 5,
// about 2.5 minutes of backoff) and applies no newer revision meanwhile, so
// the retry is terminated first, as `argocd app terminate-op` does.
func (l *e2eLab) restoreWeights(t *testing.T, work, file string) {
	app := l.st.Endpoints.Application
	l.patchApp(t, app, `{"status":{"operationState":{"phase":"Terminating"}}}`)
	setWeights(t, file, "90", "10")
	sha := push(t, work, "reviews: back to 90/10 (e2e)")
	l.patchApp(t, app, `{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`)
	eventually(t, 3*time.Minute, "Argo CD to compare 90/10", func() bool {
		a, err := argocd.Reader{Client: l.kc.Dynamic}.Get(context.Background(), l.st.Endpoints.ArgoCDNS, app)
		return err == nil && argocd.Assess(a, sha, time.Time{}).Live
	})
	// The live objects never left 90/10, so Argo CD sees the commit Synced
	// and never syncs it; the next test (a live edit with selfHeal off)
	// needs a sync attempt of the head, or automated sync would undo its
	// edit. Sync it as `argocd app sync` does.
	l.patchApp(t, app, `{"operation":{"initiatedBy":{"username":"e2e"},"sync":{"revision":"`+sha+`","syncOptions":["CreateNamespace=true","ApplyOutOfSyncOnly=true"]}}}`)
	eventually(t, 2*time.Minute, "Argo CD to sync 90/10", func() bool {
		a, err := argocd.Reader{Client: l.kc.Dynamic}.Get(context.Background(), l.st.Endpoints.ArgoCDNS, app)
		op := a.Status.OperationState
		return err == nil && a.Operation == nil && op != nil && op.Phase == argocd.PhaseSucceeded &&
			op.SyncResult != nil && op.SyncResult.Revision == sha
	})
}
