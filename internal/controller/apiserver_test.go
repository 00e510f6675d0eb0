package controller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/testenv"
)

// labBinary finds a binary the lab built (~/.cache/gitshift/lab/<name>-*/<name>).
func labBinary(name string) string {
	home, _ := os.UserHomeDir()
	m, _ := filepath.Glob(filepath.Join(home, ".cache", "gitshift", "lab", name+"-*", name))
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1]
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// apiServer starts etcd and kube-apiserver (the lab's binaries, the lab's
// PKI code) with RBAC and a token for a "gitshift-controller" user, and
// returns the admin's and the controller's configs.
func apiServer(t *testing.T) (admin, ctrlUser *rest.Config) {
	t.Helper()
	etcdBin, apiBin := labBinary("etcd"), labBinary("kube-apiserver")
	if etcdBin == "" || apiBin == "" {
		// `make test` may run before the lab's tools exist (a cold CI
		// machine builds them in `make e2e`, which runs these tests again
		// with GITSHIFT_E2E=1 and must not skip them).
		msg := "etcd/kube-apiserver not built (gitshift lab provision builds them into ~/.cache/gitshift/lab)"
		if os.Getenv("GITSHIFT_E2E") != "" {
			testenv.Missing(t, "%s", msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	pki, err := lab.GeneratePKI(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	f, err := os.OpenFile(pki.TokenAuthFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "%s,gitshift-controller,gitshift-controller-uid\n", token)
	f.Close()
	etcdPort, peerPort, apiPort := freePort(t), freePort(t), freePort(t)
	start := func(name string, args ...string) {
		log, _ := os.Create(filepath.Join(dir, name+".log"))
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}
	addr := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	start("etcd", etcdBin, "--name=t", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls=http://"+addr(etcdPort), "--advertise-client-urls=http://"+addr(etcdPort),
		"--listen-peer-urls=http://"+addr(peerPort), "--initial-advertise-peer-urls=http://"+addr(peerPort),
		"--initial-cluster=t=http://"+addr(peerPort), "--unsafe-no-fsync", "--log-level=warn")
	start("kube-apiserver", apiBin, "--etcd-servers=http://"+addr(etcdPort),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(apiPort),
		"--cert-dir="+filepath.Join(dir, "apiserver"), "--tls-cert-file="+pki.ServingCert, "--tls-private-key-file="+pki.ServingKey,
		"--service-account-issuer=https://kubernetes.default.svc", "--service-account-key-file="+pki.SAPub,
		"--service-account-signing-key-file="+pki.SAKey, "--token-auth-file="+pki.TokenAuthFile, "--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.0.0.0/24", "--endpoint-reconciler-type=none", "--enable-priority-and-fairness=false", "--v=0")
	cfg := func(tok string) *rest.Config {
		return &rest.Config{Host: "https://" + addr(apiPort), BearerToken: tok, TLSClientConfig: rest.TLSClientConfig{CAFile: pki.CACert}, QPS: 50, Burst: 100}
	}
	admin = cfg(pki.AdminToken)
	kc := kubernetes.NewForConfigOrDie(admin)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := kc.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(context.Background()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "kube-apiserver.log"))
			t.Fatalf("kube-apiserver not ready: %s", tail(string(b), 2000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	return admin, cfg(token)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// TestAgainstAPIServer runs the controller's manager against a real API
// server as a user bound to exactly controller.Rules: leader election, the
// informers, the status subresource, Events and the VirtualService Lease all
// work with those rules (a missing verb fails here), and the server's own
// table output (what kubectl get prints) shows the printer columns.
func TestAgainstAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts etcd and kube-apiserver")
	}
	admin, user := apiServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	kc, dyn := install(t, ctx, admin)

	cfg := Config{LeaderElection: true, LeaderElectionID: "gitshift-controller", LeaderElectionNamespace: "gitshift-system",
		LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
		MetricsAddr: "0", ProbeAddr: "0", MaxConcurrentReconciles: 2, Name: "canarypolicy-apiserver-test", Reconcile: Options{MaxBlock: time.Second},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mgr, err := NewManager(user, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ukc := kubernetes.NewForConfigOrDie(user)
	backend := &fakeBackend{clock: rollout.WallClock(), leases: ukc, repos: map[string]*fakeRepo{}, identity: "gitshift-controller gitshift-system/gitshift-controller",
		notify: adapt.NewDispatcher(adapt.DispatcherOptions{})}
	backend.repos["bookinfo/reviews"] = &fakeRepo{clock: rollout.WallClock(), weights: map[string]int32{"v1": 100, "v3": 0},
		live: map[string]int32{"v1": 100, "v3": 0}, perLook: 2000, canaryErr: 0.005, canary: "v3"}
	r := NewReconciler(mgr.GetClient(), backend, mgr.GetEventRecorder("gitshift-controller"), NewMetrics(), cfg.Reconcile, nil)
	if err := Setup(mgr, r, cfg); err != nil {
		t.Fatal(err)
	}
	mctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { stop(); <-done }()

	cp := &api.CanaryPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "gitshift.dev/v1alpha1", Kind: "CanaryPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "reviews", Namespace: "bookinfo"},
		Spec: policy.Spec{Target: policy.Target{Application: "bookinfo", VirtualService: policy.ObjectRef{Name: "reviews"}},
			StableSubset: "v1", CanarySubset: "v3", Trigger: policy.TriggerManual,
			Steps:        []policy.Step{{Weight: 20}, {Weight: 100}},
			StepDefaults: policy.StepDefaults{MinDuration: policy.D(time.Second), MinCanaryRequests: 100},
			Analysis:     policy.Analysis{Interval: policy.D(time.Second), NoDataTimeout: policy.D(time.Minute)}}}
	u := &unstructured.Unstructured{}
	raw, _ := json.Marshal(cp)
	_ = json.Unmarshal(raw, &u.Object)
	gvr := schema.GroupVersionResource{Group: "gitshift.dev", Version: "v1alpha1", Resource: "canarypolicies"}
	if _, err := dyn.Resource(gvr).Namespace("bookinfo").Create(ctx, u, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	get := func() *unstructured.Unstructured {
		o, err := dyn.Resource(gvr).Namespace("bookinfo").Get(ctx, "reviews", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	waitFor(t, ctx, "the baseline status", func() bool {
		ph, _, _ := unstructured.NestedString(get().Object, "status", "phase")
		return ph == "Idle"
	})
	o := get()
	o.SetAnnotations(map[string]string{api.StartAnnotation: "now"})
	if _, err := dyn.Resource(gvr).Namespace("bookinfo").Update(ctx, o, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "promotion", func() bool {
		ph, _, _ := unstructured.NestedString(get().Object, "status", "phase")
		return ph == "Promoted"
	})

	// What kubectl get prints: the server's table for the CRD's columns.
	tb, err := kubernetes.NewForConfigOrDie(admin).Discovery().RESTClient().Get().AbsPath("/apis/gitshift.dev/v1alpha1/namespaces/bookinfo/canarypolicies").
		SetHeader("Accept", "application/json;as=Table;g=meta.k8s.io;v=v1").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var table metav1.Table
	if err := json.Unmarshal(tb, &table); err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			cols = append(cols, c.Name)
		}
	}
	if len(table.Rows) != 1 || strings.Join(cols, ",") != "Name,Phase,Step,Canary,Decision,Age" {
		t.Fatalf("table columns %v rows %d", cols, len(table.Rows))
	}
	row := fmt.Sprint(table.Rows[0].Cells[:5])
	if row != "[reviews Promoted 2/2 100 promote]" {
		t.Errorf("kubectl get row %s", row)
	}
	// Events on the policy, the leader Lease and the VirtualService Lease.
	evs, err := kc.EventsV1().Events("bookinfo").List(ctx, metav1.ListOptions{})
	if err != nil || len(evs.Items) == 0 {
		t.Errorf("no Events on the policy: %v", err)
	}
	found := map[string]bool{}
	for _, e := range evs.Items {
		found[e.Reason] = true
	}
	for _, want := range []string{"RolloutCommit", "RolloutPromoted"} {
		if !found[want] {
			t.Errorf("no %s Event (got %v)", want, found)
		}
	}
	if _, err := kc.CoordinationV1().Leases("gitshift-system").Get(ctx, "gitshift-controller", metav1.GetOptions{}); err != nil {
		t.Errorf("leader Lease: %v", err)
	}
	if l, err := kc.CoordinationV1().Leases("bookinfo").Get(ctx, "gitshift-reviews", metav1.GetOptions{}); err != nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != "" {
		t.Errorf("VirtualService Lease after the rollout (released): %+v %v", l, err)
	}
	if got := r.Active(); got != 0 {
		t.Errorf("%d rollouts still active", got)
	}
}

func waitEstablished(t *testing.T, ctx context.Context, dyn dynamic.Interface) {
	t.Helper()
	waitFor(t, ctx, "the CRD established", func() bool {
		o, err := dyn.Resource(crdGVR).Get(ctx, "canarypolicies.gitshift.dev", metav1.GetOptions{})
		if err != nil {
			return false
		}
		conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return true
			}
		}
		return false
	})
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// install applies the CRD, the namespaces bookinfo and gitshift-system, and
// binds controller.Rules (a ClusterRole) to the user gitshift-controller.
func install(t *testing.T, ctx context.Context, admin *rest.Config) (kubernetes.Interface, dynamic.Interface) {
	t.Helper()
	kc := kubernetes.NewForConfigOrDie(admin)
	dyn := dynamic.NewForConfigOrDie(admin)
	b, err := os.ReadFile("../../config/crd/gitshift.dev_canarypolicies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crd := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(b, &crd.Object); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("the CRD does not apply: %v", err)
	}
	for _, ns := range []string{"bookinfo", "gitshift-system"} {
		if _, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kc.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "gitshift-controller"}, Rules: Rules}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "gitshift-controller"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "gitshift-controller"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "gitshift-controller"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitEstablished(t, ctx, dyn)
	return kc, dyn

}
