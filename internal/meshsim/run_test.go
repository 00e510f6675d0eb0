package meshsim

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	istioclient "istio.io/client-go/pkg/clientset/versioned"
	istiofake "istio.io/client-go/pkg/clientset/versioned/fake"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	kubefake "k8s.io/client-go/kubernetes/fake"
)

// scrape returns the sum of istio_requests_total samples whose label set
// contains every want label.
func scrape(t *testing.T, base string, want ...string) float64 {
	t.Helper()
	body := get(t, base+"/metrics")
	var sum float64
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, RequestsTotal+"{") {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		if err != nil {
			t.Fatalf("bad sample %q", line)
		}
		sum += v
	}
	return sum
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(b)
}

// eventually polls cond until it holds or 15 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startSim runs the simulator over the fake clients on a free loopback port
// (routes from the ADS server at xdsAddr, or from the objects when it is
// empty) until the test ends, and returns its base URL once it is healthy.
func startSim(t *testing.T, kube kubernetes.Interface, istio istioclient.Interface, xdsAddr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg, err := Config{
		Namespaces: []string{ns},
		Flows:      []Flow{{From: "productpage", To: "reviews", RPS: 3000}},
		Tick:       10 * time.Millisecond,
		Seed:       1,
		XDS:        xdsAddr,
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, ln, kube, istio, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	eventually(t, "healthz", func() bool { return get(t, base+"/healthz") == "ok\n" })
	return base
}

// TestRunWatchesLiveState drives the whole simulator through fake API
// clients: routing must follow VirtualService, ConfigMap and Pod changes
// made while it runs.
func TestRunWatchesLiveState(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator for a few seconds")
	}
	// Istio's generated fake clientset cannot serve client-go's streaming
	// list (no initial-events bookmark); a real API server can.
	t.Setenv("KUBE_FEATURE_WatchListClient", "false")
	snap := bookinfo(90, 10)
	kube := kubefake.NewClientset(snap.Services[0], snap.Services[1], snap.Pods[0], snap.Pods[1], snap.Pods[2])
	istio := istiofake.NewSimpleClientset(snap.DestinationRules[0], snap.VirtualServices[0])
	base := startSim(t, kube, istio, "")
	ctx := context.Background()

	src := `reporter="source"`
	eventually(t, "5000 requests", func() bool { return scrape(t, base, src) >= 5000 })
	n, k := scrape(t, base, src), scrape(t, base, src, `destination_version="v3"`)
	if lo, hi := wilson(int(k), int(n), z999); 0.1 < lo || 0.1 > hi {
		t.Errorf("v3 share %v/%v: interval [%.4f, %.4f] excludes 10%%", k, n, lo, hi)
	}

	// Shift all traffic to v3 in the cluster (as Argo CD would after a commit).
	vs := snap.VirtualServices[0].DeepCopy()
	vs.Spec.Http[0].Route[0].Weight, vs.Spec.Http[0].Route[1].Weight = 0, 100
	if _, err := istio.NetworkingV1().VirtualServices(ns).Update(ctx, vs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "route 0/100", func() bool { return strings.Contains(get(t, base+"/debug/routes"), "v3=100") })
	v1 := scrape(t, base, src, `destination_version="v1"`)
	total := scrape(t, base, src)
	eventually(t, "more requests", func() bool { return scrape(t, base, src) >= total+2000 })
	if got := scrape(t, base, src, `destination_version="v1"`); got != v1 {
		t.Errorf("v1 received %v requests after its weight went to 0", got-v1)
	}

	// Break v3 through the fault ConfigMap.
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: DefaultFaultsConfigMap, Namespace: ns},
		Data:       map[string]string{"reviews.v3": `{"errorRate":1}`},
	}
	if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "500s from v3", func() bool {
		return scrape(t, base, src, `destination_version="v3"`, `response_code="500"`) > 0
	})

	// No ready pod left in the subset: 503 UH, reported by the caller only.
	if err := kube.CoreV1().Pods(ns).Delete(ctx, snap.Pods[2].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "503 UH", func() bool {
		return scrape(t, base, src, `response_code="503"`, `response_flags="UH"`) > 0
	})
	if got := scrape(t, base, `reporter="destination"`, `response_flags="UH"`); got != 0 {
		t.Errorf("destination reported %v UH requests", got)
	}
}

func TestRunBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Run(context.Background(), Config{ListenAddr: ln.Addr().String(), Kubeconfig: writeKubeconfig(t)})
	if err == nil || !strings.Contains(err.Error(), "listening") {
		t.Errorf("Run on a busy port = %v, want a listening error", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []Config{{RPS: -1}, {Tick: time.Microsecond}, {Flows: []Flow{{From: "a"}}}} {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}

func TestWaitForIstioAPI(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name      string
		resources []*metav1.APIResourceList
		wantErr   bool
	}{
		{name: "served", resources: []*metav1.APIResourceList{{
			GroupVersion: istioGroupVersion,
			APIResources: []metav1.APIResource{{Name: "virtualservices"}, {Name: "destinationrules"}},
		}}},
		{name: "CRDs missing: waits until cancelled", wantErr: true},
		{name: "only one CRD", wantErr: true, resources: []*metav1.APIResourceList{{
			GroupVersion: istioGroupVersion, APIResources: []metav1.APIResource{{Name: "virtualservices"}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kube := kubefake.NewClientset()
			kube.Resources = tt.resources
			ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
			defer cancel()
			if err := waitForIstioAPI(ctx, kube.Discovery(), log); (err != nil) != tt.wantErr {
				t.Errorf("waitForIstioAPI = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}
