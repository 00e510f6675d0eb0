package controller_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/gitshift/gitshift/internal/cli"
	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/controller"
)

func port(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestCommandSmoke runs `gitshift controller` as the lab will: a plain
// process with a kubeconfig for a user bound to exactly the controller's
// RBAC. It becomes ready, serves /metrics and the dashboard, reconciles a policy whose
// Argo CD Application does not exist into Ready=False with the reason, and
// stops cleanly (exit 0) on cancellation.
func TestCommandSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts etcd and kube-apiserver")
	}
	admin, user := controller.APIServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, dyn := controller.Install(t, ctx, admin)

	kc := clientcmdapi.NewConfig()
	kc.Clusters["lab"] = &clientcmdapi.Cluster{Server: user.Host, CertificateAuthority: user.CAFile}
	kc.AuthInfos["controller"] = &clientcmdapi.AuthInfo{Token: user.BearerToken}
	kc.Contexts["lab"] = &clientcmdapi.Context{Cluster: "lab", AuthInfo: "controller"}
	kc.CurrentContext = "lab"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	metrics, probes, dash := port(t), port(t), port(t)
	var logs clitest.SyncBuffer
	cctx, stop := context.WithCancel(ctx)
	code := make(chan int, 1)
	go func() {
		code <- cli.Main(cctx, []string{"controller", "--kubeconfig", path, "--leader-election-namespace", "gitshift-system",
			"--prometheus", "http://127.0.0.1:1", "--metrics-bind-address", metrics, "--health-probe-bind-address", probes, "--log-format", "text",
			"--dashboard-address", dash},
			command.Streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: &logs})
	}()
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case c := <-code:
				t.Fatalf("the controller exited %d while waiting for %s:\n%s", c, what, logs.String())
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s:\n%s", what, logs.String())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	wait("/readyz", func() bool { c, _ := get("http://" + probes + "/readyz"); return c == 200 })

	gvr := schema.GroupVersionResource{Group: "gitshift.dev", Version: "v1alpha1", Resource: "canarypolicies"}
	pol := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "gitshift.dev/v1alpha1", "kind": "CanaryPolicy",
		"metadata": map[string]any{"name": "reviews", "namespace": "bookinfo"},
		"spec": map[string]any{"target": map[string]any{"application": "bookinfo", "virtualService": map[string]any{"name": "reviews"}},
			"stableSubset": "v1", "canarySubset": "v3"}}}
	if _, err := dyn.Resource(gvr).Namespace("bookinfo").Create(ctx, pol, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var ready map[string]any
	wait("the Ready condition", func() bool {
		o, err := dyn.Resource(gvr).Namespace("bookinfo").Get(ctx, "reviews", metav1.GetOptions{})
		if err != nil {
			return false
		}
		conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == "Ready" {
				ready = m
				return true
			}
		}
		return false
	})
	if ready["status"] != "False" || !strings.Contains(fmt.Sprint(ready["message"]), "bookinfo") {
		t.Errorf("Ready %v", ready)
	}
	_, body := get("http://" + metrics + "/metrics")
	for _, want := range []string{`gitshift_rollouts{phase="Idle"} 1`, "controller_runtime_reconcile_total", "leader_election_master_status"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The dashboard, through the controller's RBAC: the discovered policy's
	// Application is listed.
	if c, body := get("http://" + dash + "/"); c != 200 || !strings.Contains(body, `href="/apps/argocd/bookinfo"`) {
		t.Errorf("dashboard: %d\n%s", c, body)
	}
	stop()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d on cancellation:\n%s", c, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the controller did not stop")
	}
}
