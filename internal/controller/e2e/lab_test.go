//go:build e2e

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/lab/labtest"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// The example's canary and the Applications the lab applies.
const (
	ns          = "bookinfo"
	policyName  = "reviews"
	bookinfoApp = "bookinfo"
	rolloutApp  = "bookinfo-rollout"
	v3Image     = "docker.io/istio/examples-bookinfo-reviews-v3"
	// The controller's identity in the VirtualService's Lease (both replicas).
	controllerIdentity = "gitshift-controller gitshift-system/gitshift-controller"
	policyKey          = "CanaryPolicy/bookinfo/reviews"
)

// ctlLab is one lab with two controller replicas, shared by the scenarios.
type ctlLab struct {
	*labtest.Lab
	env      []string // the admin's kubeconfig and Prometheus, for the CLI
	hooks    *receiver
	releases int
}

// startLab starts the lab (with flags added to `lab up`'s) with two
// controller replicas and triple the default simulated traffic (each step decides in well under a minute),
// waits for both Applications and the policy's baseline, and points the
// policy's notifications at a receiver in this test.
func startLab(t *testing.T, flags ...string) *ctlLab {
	t.Helper()
	began := time.Now()
	l := &ctlLab{Lab: labtest.Up(t, append([]string{"--controller", "--meshsim-rps", "150"}, flags...)...)}
	ep := l.State.Endpoints
	if len(ep.Controllers) != 2 || ep.PolicyApplication != rolloutApp {
		t.Fatalf("lab endpoints %+v: want 2 controllers and the %s Application", ep, rolloutApp)
	}
	l.env = []string{"KUBECONFIG=" + ep.Kubeconfig, "GITSHIFT_PROMETHEUS_URL=" + ep.PrometheusURL}
	ctx := context.Background()
	head, err := lab.RemoteHead(ctx, ep.GitURL, "main")
	if err != nil {
		t.Fatal(err)
	}
	for _, app := range []string{bookinfoApp, rolloutApp} {
		if _, err := l.Cluster.WaitApp(ctx, ep.ArgoCDNS, app, head, 3*time.Minute); err != nil {
			t.Fatalf("Application %s: %v", app, err)
		}
	}
	l.hooks = newReceiver(t)
	secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "gitshift-hooks", Namespace: ns}, StringData: map[string]string{"webhook": l.hooks.srv.URL}}
	if err := l.Cluster.ApplyTyped(ctx, secret); err != nil {
		t.Fatal(err)
	}
	l.waitPolicy(t, "the policy's baseline", time.Minute, func(cp *api.CanaryPolicy) bool {
		return cp.Status.Phase == api.PhaseIdle && cp.Status.Trigger != nil && len(cp.Status.Trigger.Templates) > 0
	})
	t.Logf("lab with the controller ready in %s", time.Since(began).Round(time.Second))
	return l
}

func (l *ctlLab) policy(t *testing.T) *api.CanaryPolicy {
	t.Helper()
	cp, err := l.Cluster.CanaryPolicy(context.Background(), ns, policyName)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// waitPolicy polls the policy until cond holds.
func (l *ctlLab) waitPolicy(t *testing.T, what string, timeout time.Duration, cond func(*api.CanaryPolicy) bool) *api.CanaryPolicy {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		cp := l.policy(t)
		if cond(cp) {
			return cp
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(cp.Status, "", "  ")
			t.Fatalf("timed out after %s waiting for %s; status:\n%s", timeout, what, b)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// release resets the weights to v1=100 (a plain shift, as after a
// promotion a team rebases), then pushes a commit that changes the v3
// Deployment's image, and asks Argo CD to refresh. It returns the rollout
// the controller starts for it.
func (l *ctlLab) release(t *testing.T, what string) string {
	t.Helper()
	ctx := context.Background()
	ep := l.State.Endpoints
	prev := l.policy(t).Status.RolloutID
	r := labtest.Run(t, l.env, "shift", "--repo", ep.GitURL, "--app", bookinfoApp, "--virtualservice", ns+"/"+policyName, "--set", "v1=100,v3=0")
	if r.Code != 0 {
		t.Fatalf("reset shift: exit %d %s", r.Code, r.Stderr)
	}
	l.releases++
	tag := fmt.Sprintf("1.20.3-e2e.%d.%d", time.Now().Unix(), l.releases)
	sha, err := lab.Release{GitURL: ep.GitURL, Branch: "main", Files: []string{"base/bookinfo.yaml"}, Image: v3Image, Tag: tag,
		Message: "release reviews v3 " + tag + " (" + what + ")"}.Push(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// What a Git webhook does in production: Argo CD need not poll.
	if err := (argocd.Reader{Client: l.Cluster.Dynamic}).Refresh(ctx, ep.ArgoCDNS, bookinfoApp, argocd.RefreshNormal); err != nil {
		t.Fatal(err)
	}
	cp := l.waitPolicy(t, "the controller to start a rollout for "+short(sha), 3*time.Minute, func(cp *api.CanaryPolicy) bool {
		return cp.Status.RolloutID != "" && cp.Status.RolloutID != prev && cp.Status.Trigger != nil && cp.Status.Trigger.Rollout == cp.Status.RolloutID
	})
	t.Logf("release %s (%s) started rollout %s: %s", short(sha), tag, cp.Status.RolloutID, cp.Status.Trigger.Reason)
	return cp.Status.RolloutID
}

// waitEnd waits for the rollout to end and returns the policy then.
func (l *ctlLab) waitEnd(t *testing.T, id string, timeout time.Duration) *api.CanaryPolicy {
	t.Helper()
	return l.waitPolicy(t, "rollout "+id+" to end", timeout, func(cp *api.CanaryPolicy) bool {
		return cp.Status.RolloutID == id && cp.Status.FinishedAt != nil && !running(cp.Status.Phase)
	})
}

func running(phase string) bool {
	switch phase {
	case api.PhaseIdle, "Promoted", "RolledBack", "Aborted", "Failed":
		return false
	}
	return true
}

// history returns gitshift's weight commits of rollout id, oldest first,
// as "action step".
func (l *ctlLab) history(t *testing.T, id string) []string {
	t.Helper()
	return labtest.RolloutHistory(t, l.State.Endpoints.GitURL, id)
}

func short(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}

// receiver is the policy's webhook receiver: it keeps every message.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []adapt.Message
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var m adapt.Message
		b, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, m)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// decisions are the messages of rollout id as "decision step/steps".
func (r *receiver) decisions(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.got {
		if m.Rollout == id {
			out = append(out, string(m.Decision)+" "+strconv.Itoa(m.Step)+"/"+strconv.Itoa(m.Steps))
		}
	}
	return out
}
