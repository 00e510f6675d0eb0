package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/istiod"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/metrics"
)

// scenario is one state of Git, Argo CD, cluster and traffic.
type scenario struct {
	repo    string // the Git checkout; "" is testdata/repo
	cfg     Config
	apps    *fakeApps
	live    []*unstructured.Unstructured
	pods    []*corev1.Pod
	prom    *fakeProm
	querier metrics.Querier // instead of prom when set
	noProm  bool
	cluster Cluster
	dests   *Destinations
	cp      *fakeControlPlane
}

func healthy(t *testing.T) *scenario {
	return &scenario{
		cfg:  Config{App: "bookinfo", Window: 60 * time.Second},
		apps: &fakeApps{app: loadApp(t)},
		live: repoObjects(t),
		pods: []*corev1.Pod{pod("reviews-v1-7d9f8c6b5-abcde", "v1", true, true), pod("reviews-v3-5c8b9d7f4-fghij", "v3", true, true)},
		prom: &fakeProm{window: 60 * time.Second, ok: map[string]int64{"v1": 1795, "v3": 203}, bad: map[string]int64{"v1": 2}},
	}
}

func (sc *scenario) run(t *testing.T) Report {
	t.Helper()
	repo := sc.repo
	if repo == "" {
		repo = filepath.Join("testdata", "repo")
	}
	deps := Deps{Apps: sc.apps, Git: fakeGit{dir: repo}, Destinations: sc.dests}
	deps.Cluster = sc.cluster
	if deps.Cluster == nil {
		deps.Cluster = fakeCluster(t, sc.live, sc.pods)
	}
	if !sc.noProm {
		deps.Metrics = sc.prom
	}
	if sc.querier != nil {
		deps.Metrics = sc.querier
	}
	if sc.cp != nil {
		deps.ControlPlane = sc.cp
	}
	return Run(context.Background(), sc.cfg, deps)
}

// setDestination points the Application (spec and comparedTo) at a cluster.
func (sc *scenario) setDestination(server string) {
	for _, d := range []map[string]any{sc.apps.app.Spec.Destination, sc.apps.app.Status.Sync.ComparedTo.Destination} {
		d["server"] = server
	}
}

func (sc *scenario) liveObject(kind string) *unstructured.Unstructured {
	for _, o := range sc.live {
		if o.GetKind() == kind {
			return o
		}
	}
	return nil
}

// liveWeights sets the live VirtualService's first route to v1/v3 weights
// (an edit in the cluster, or Git's change never applied).
func (sc *scenario) liveWeights(v1, v3 int64) {
	vs := sc.liveObject("VirtualService")
	route, _, _ := unstructured.NestedSlice(vs.Object, "spec", "http")
	dests := route[0].(map[string]any)["route"].([]any)
	dests[0].(map[string]any)["weight"] = v1
	dests[1].(map[string]any)["weight"] = v3
	_ = unstructured.SetNestedSlice(vs.Object, route, "spec", "http")
}

func TestChecklistScenarios(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*scenario)
		want    map[string]Status
		outcome Outcome
		// text must appear in the failing check's summary, details or cause.
		text map[string]string
		// absent must appear in no check's text.
		absent []string
	}{{
		name:    "healthy",
		setup:   func(*scenario) {},
		want:    map[string]Status{"application": Pass, "git": Pass, "argocd": Pass, "objects-live": Pass, "files-applied": Pass, "virtualservice": Pass, "control-plane": Skip, "destinationrule": Pass, "pods": Pass, "traffic-split": Pass, "traffic-health": Pass},
		outcome: OutcomePassed,
		text:    map[string]string{"control-plane": "not checked: no istiod debug address (--istiod-debug), so \"live\" means the API server's copy"},
	}, {
		name: "istiod applied the live VirtualService, both proxies acknowledged",
		setup: func(sc *scenario) {
			sc.liveObject("VirtualService").SetResourceVersion("7")
			sc.cp = &fakeControlPlane{states: []istiod.State{istiod.Applied}}
		},
		want:    map[string]Status{"virtualservice": Pass, "control-plane": Pass, "traffic-split": Pass},
		outcome: OutcomePassed,
		text:    map[string]string{"control-plane": "applied by istiod: bookinfo/reviews rv 7, 2/2 proxies acknowledged"},
	}, {
		name: "istiod pushes after a moment: the check waits for it",
		setup: func(sc *scenario) {
			sc.cp = &fakeControlPlane{states: []istiod.State{istiod.Pending, istiod.Pending, istiod.Applied}}
		},
		want:    map[string]Status{"control-plane": Pass},
		outcome: OutcomePassed,
	}, {
		name: "istiod never acknowledged: pending, with what",
		setup: func(sc *scenario) {
			sc.cp = &fakeControlPlane{states: []istiod.State{istiod.Pending}}
			sc.cfg.ControlPlaneWait = 300 * time.Millisecond
		},
		want:    map[string]Status{"virtualservice": Pass, "control-plane": Fail},
		outcome: OutcomeFailed,
		text:    map[string]string{"control-plane": "proxy gitshift-meshsim.default: RDS push 2026-12-05T10:30:51Z/7 not acknowledged"},
	}, {
		name:    "istiod with no proxy connected: insufficient",
		setup:   func(sc *scenario) { sc.cp = &fakeControlPlane{states: []istiod.State{istiod.NoProxies}} },
		want:    map[string]Status{"control-plane": Insufficient},
		outcome: OutcomeFailed,
		text:    map[string]string{"control-plane": "no proxy is connected to this istiod"},
	}, {
		name: "istiod unreachable: could not check",
		setup: func(sc *scenario) {
			sc.cp = &fakeControlPlane{err: fmt.Errorf("istiod /debug/configz at http://127.0.0.1:1: %w", istiod.ErrUnreachable)}
		},
		want:    map[string]Status{"control-plane": Error, "traffic-split": Pass},
		outcome: OutcomeUnavailable,
		text:    map[string]string{"control-plane": "kubectl -n istio-system port-forward deploy/istiod 8080"},
	}, {
		name: "Git's weights not live (refused sync): istiod cannot have applied them",
		setup: func(sc *scenario) {
			sc.liveWeights(100, 0)
			sc.cp = &fakeControlPlane{states: []istiod.State{istiod.Applied}}
		},
		want:    map[string]Status{"virtualservice": Fail, "control-plane": Skip},
		outcome: OutcomeFailed,
		text: map[string]string{"control-plane": "Git's weights are not live (virtualservice check), so istiod cannot have applied them",
			"virtualservice": "Git 90, live 100"},
	}, {
		name: "no recurse: Synced but never applied, with file names",
		setup: func(sc *scenario) {
			sc.apps.app.Spec.Source["directory"] = map[string]any{}
			sc.apps.app.Status.Sync.ComparedTo.Source["directory"] = map[string]any{}
			sc.live = []*unstructured.Unstructured{sc.liveObject("Namespace")}
		},
		want:    map[string]Status{"argocd": Pass, "objects-live": Pass, "files-applied": Fail, "virtualservice": Fail, "destinationrule": Skip, "traffic-split": Skip},
		outcome: OutcomeFailed,
		text: map[string]string{
			"files-applied":  "Synced but never applied: 3 files in subdirectories of . are in Git but not applied: base/reviews.yaml, canary/destination-rule.yaml, canary/virtual-service.yaml",
			"virtualservice": "canary/virtual-service.yaml",
		},
	}, {
		name: "live edit of the weights with selfHeal off: drift",
		setup: func(sc *scenario) {
			sc.liveWeights(100, 0)
			sc.apps.app.Status.Sync.Status = argocd.SyncOutOfSync
			sc.prom.ok, sc.prom.bad = map[string]int64{"v1": 2000}, nil
		},
		want:    map[string]Status{"argocd": Fail, "virtualservice": Fail, "traffic-split": Fail},
		outcome: OutcomeFailed,
		text: map[string]string{"virtualservice": "http[0] reviews/v1: Git 90, live 100", "argocd": "selfHeal is off",
			"traffic-split": "traffic follows the live VirtualService"},
	}, {
		// Found in the lab with istiod: a commit istiod's webhook refuses
		// leaves the old VirtualService live; verify must name the refusal,
		// not blame selfHeal or a fight over the object.
		name: "sync refused by istiod's webhook, selfHeal on",
		setup: func(sc *scenario) {
			sc.liveWeights(100, 0)
			sc.apps.app.Spec.SyncPolicy = map[string]any{"automated": map[string]any{"prune": true, "selfHeal": true}}
			sc.apps.app.Status.Sync.Status = argocd.SyncOutOfSync
			sc.apps.app.Status.OperationState = &argocd.OperationState{Phase: argocd.PhaseFailed,
				Message:    `one or more objects failed to apply, reason: admission webhook "rev.validation.istio.io" denied the request: configuration is invalid: weight -10 < 0`,
				SyncResult: &argocd.SyncResult{Revision: sc.apps.app.Status.Sync.Revision}}
			sc.prom.ok, sc.prom.bad = map[string]int64{"v1": 2000}, nil
		},
		want:    map[string]Status{"argocd": Fail, "virtualservice": Fail, "traffic-split": Fail},
		outcome: OutcomeFailed,
		text: map[string]string{"argocd": "istiod's validating webhook (rev.validation.istio.io) refused an object: configuration is invalid: weight -10 < 0",
			"virtualservice": "Argo CD's last sync failed", "traffic-split": "Argo CD's sync of Git's weights failed"},
		absent: []string{"selfHeal is off", "something else writes", "argocd app sync"},
	}, {
		name: "namespace without injection: missing sidecars",
		setup: func(sc *scenario) {
			sc.liveObject("Namespace").SetLabels(nil)
			sc.pods = []*corev1.Pod{pod("reviews-v1-a", "v1", false, true), pod("reviews-v3-a", "v3", false, true)}
		},
		want:    map[string]Status{"pods": Fail},
		outcome: OutcomeFailed,
		text:    map[string]string{"pods": "namespace bookinfo has no istio-injection=enabled label"},
	}, {
		name:    "mis-routed traffic: split mismatch",
		setup:   func(sc *scenario) { sc.prom.ok = map[string]int64{"v1": 1000, "v3": 1000} },
		want:    map[string]Status{"virtualservice": Pass, "traffic-split": Fail},
		outcome: OutcomeFailed,
		text:    map[string]string{"traffic-split": "v3 50.0% [47.8, 52.1] vs Git 10% MISMATCH"},
	}, {
		name:    "too little traffic: insufficient, with n",
		setup:   func(sc *scenario) { sc.prom.ok, sc.prom.bad = map[string]int64{"v1": 30, "v3": 7}, nil },
		want:    map[string]Status{"traffic-split": Insufficient, "traffic-health": Pass},
		outcome: OutcomeFailed,
		text:    map[string]string{"traffic-split": "only 37 requests in 1m0s (need 100"},
	}, {
		name:    "canary failing requests",
		setup:   func(sc *scenario) { sc.prom.ok["v3"], sc.prom.bad = 163, map[string]int64{"v3": 40} },
		want:    map[string]Status{"traffic-split": Pass, "traffic-health": Fail},
		outcome: OutcomeFailed,
		text:    map[string]string{"traffic-health": "reviews.bookinfo v3: error rate at least"},
	}, {
		name: "Prometheus down: could not check",
		setup: func(sc *scenario) {
			sc.prom.err = &metrics.UnavailableError{URL: "http://127.0.0.1:9090", Err: fmt.Errorf("connection refused")}
		},
		want:    map[string]Status{"pods": Pass, "traffic-split": Error, "traffic-health": Skip},
		outcome: OutcomeUnavailable,
		text:    map[string]string{"traffic-split": "cannot query Prometheus at http://127.0.0.1:9090"},
	}, {
		name:    "no Prometheus configured: traffic skipped",
		setup:   func(sc *scenario) { sc.noProm = true },
		want:    map[string]Status{"pods": Pass, "traffic-split": Skip},
		outcome: OutcomePassed,
	}, {
		name: "API server down: could not check",
		setup: func(sc *scenario) {
			sc.apps.err = &kube.UnreachableError{Host: "https://127.0.0.1:6443", Err: fmt.Errorf("connection refused")}
		},
		want:    map[string]Status{"application": Error, "git": Skip, "traffic-split": Skip},
		outcome: OutcomeUnavailable,
	}, {
		name:    "Argo CD behind: older revision, no refresh",
		setup:   func(sc *scenario) { sc.apps.app.Status.Sync.Revision = "8f3c1a9e77d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9" },
		want:    map[string]Status{"argocd": Fail, "virtualservice": Pass},
		outcome: OutcomeFailed,
		text:    map[string]string{"argocd": "run with --refresh"},
	}, {
		name: "--refresh: annotation set, then live",
		setup: func(sc *scenario) {
			good := sc.apps.app
			good.Status.ReconciledAt = ptr(time.Now().Add(time.Second))
			sc.apps.afterRefresh = &good
			sc.apps.app.Status.Sync.Revision = "8f3c1a9e77d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9"
			sc.cfg.Refresh, sc.cfg.Wait = true, time.Second
		},
		want:    map[string]Status{"argocd": Pass},
		outcome: OutcomePassed,
	}, {
		name: "destination is another cluster: could not check, never a guess",
		setup: func(sc *scenario) {
			sc.setDestination("https://prod.example.com:6443")
			sc.dests = &Destinations{Host: "https://127.0.0.1:6443"}
		},
		want:    map[string]Status{"application": Pass, "argocd": Pass, "objects-live": Error, "virtualservice": Error},
		outcome: OutcomeUnavailable,
		text: map[string]string{"objects-live": "deploys to https://prod.example.com:6443, not to https://127.0.0.1:6443",
			"virtualservice": "--destination-context"},
	}, {
		name: "destination is the kube context's own address",
		setup: func(sc *scenario) {
			sc.setDestination("https://127.0.0.1:6443/")
			sc.dests = &Destinations{Host: "https://127.0.0.1:6443"}
		},
		want:    map[string]Status{"objects-live": Pass, "virtualservice": Pass, "pods": Pass, "traffic-split": Pass},
		outcome: OutcomePassed,
	}, {
		name: "--destination-context opens the named cluster",
		setup: func(sc *scenario) {
			sc.setDestination("https://prod.example.com:6443")
			dest := fakeCluster(t, sc.live, sc.pods)
			sc.cluster = fakeCluster(t, nil, nil) // Argo CD's cluster holds none of the app's objects
			sc.dests = &Destinations{Host: "https://127.0.0.1:6443", Context: "prod",
				Open: func(name string) (Cluster, error) {
					if name != "prod" {
						return nil, fmt.Errorf("context %q", name)
					}
					return dest, nil
				}}
		},
		want:    map[string]Status{"objects-live": Pass, "virtualservice": Pass, "pods": Pass},
		outcome: OutcomePassed,
	}, {
		name:    "Application not found",
		setup:   func(sc *scenario) { sc.cfg.App = "nope" },
		want:    map[string]Status{"application": Fail, "git": Skip},
		outcome: OutcomeFailed,
		text:    map[string]string{"application": "no Application nope in namespace argocd"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := healthy(t)
			tt.setup(sc)
			rep := sc.run(t)
			got := map[string]Result{}
			for _, r := range rep.Results {
				got[r.ID] = r
			}
			for id, want := range tt.want {
				if got[id].Status != want {
					t.Errorf("%s = %s, want %s: %s %v %s %s", id, got[id].Status, want, got[id].Summary, got[id].Details, got[id].Cause, got[id].Error)
				}
			}
			for id, text := range tt.text {
				r := got[id]
				all := strings.Join(append([]string{r.Summary, r.Cause, r.Fix, r.Error}, r.Details...), "\n")
				if !strings.Contains(all, text) {
					t.Errorf("%s: %q not in\n%s", id, text, all)
				}
			}
			for id, r := range got {
				all := strings.Join(append([]string{r.Summary, r.Cause, r.Fix, r.Error}, r.Details...), "\n")
				for _, text := range tt.absent {
					if strings.Contains(all, text) {
						t.Errorf("%s: says %q:\n%s", id, text, all)
					}
				}
			}
			if rep.Outcome != tt.outcome {
				t.Errorf("outcome = %s, want %s", rep.Outcome, tt.outcome)
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Errorf("report does not encode: %v", err)
			}
		})
	}
}

func TestRefreshSetsAnnotation(t *testing.T) {
	sc := healthy(t)
	sc.cfg.Refresh, sc.cfg.Wait = true, time.Second
	good := sc.apps.app
	good.Status.ReconciledAt = ptr(time.Now().Add(time.Second))
	sc.apps.afterRefresh = &good
	sc.run(t)
	if sc.apps.refreshed != argocd.RefreshNormal {
		t.Fatalf("refresh = %q, want normal", sc.apps.refreshed)
	}
}

func TestRefreshTimesOutAsFailure(t *testing.T) {
	sc := healthy(t)
	sc.cfg.Refresh, sc.cfg.Wait = true, 100*time.Millisecond
	sc.apps.app.Status.Sync.Revision = "8f3c1a9e77d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9"
	rep := sc.run(t)
	r := rep.Results[2]
	if r.ID != "argocd" || r.Status != Fail || !strings.Contains(r.Cause, "not live after waiting") {
		t.Fatalf("argocd = %s %s: %s", r.Status, r.Summary, r.Cause)
	}
}

func TestLinks(t *testing.T) {
	sc := healthy(t)
	sc.cfg.ArgoCDURL, sc.cfg.KialiURL, sc.cfg.JaegerURL = "https://argocd.example/", "https://kiali.example/kiali", "https://jaeger.example"
	rep := sc.run(t)
	want := map[string]string{
		"argocd":         "https://argocd.example/applications/argocd/bookinfo",
		"kiali":          "https://kiali.example/kiali/console/graph/namespaces/?namespaces=bookinfo&graphType=versionedApp&duration=60",
		"jaeger:reviews": "https://jaeger.example/search?service=reviews.bookinfo",
	}
	for k, v := range want {
		if rep.Links[k] != v {
			t.Errorf("link %s = %q, want %q", k, rep.Links[k], v)
		}
	}
}

func ptr[T any](v T) *T { return &v }
