package meshsim

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	istioclient "istio.io/client-go/pkg/clientset/versioned"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// maxStep caps one simulation step, so a process paused for a while (a busy
// machine, a debugger) does not emit a burst of requests on resume.
const maxStep = time.Second

// Run simulates the mesh until ctx is cancelled, serving metrics on
// cfg.ListenAddr. It returns nil after a cancellation, an error when the
// configuration is invalid, the cluster unreachable for setup, or the
// address busy.
func Run(ctx context.Context, cfg Config) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return fmt.Errorf("mesh simulator config: %w", err)
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = cfg.Kubeconfig
	rest, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: cfg.Context}).ClientConfig()
	if err != nil {
		return fmt.Errorf("loading kubeconfig %q: %w", cfg.Kubeconfig, err)
	}
	rest.UserAgent = "gitshift-lab-meshsim"
	kube, err := kubernetes.NewForConfig(rest)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	istio, err := istioclient.NewForConfig(rest)
	if err != nil {
		return fmt.Errorf("istio client: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("mesh simulator listening on %s: %w", cfg.ListenAddr, err)
	}
	wait := func(ctx context.Context) error { return waitForIstioAPI(ctx, kube.Discovery(), cfg.Log) }
	return run(ctx, cfg, ln, kube, istio, wait)
}

// run is Run with the listener and clients supplied, so tests can use an
// ephemeral port and fake clients. It closes ln. waitAPI, when set, blocks
// until the watched APIs are served; /healthz answers 503 meanwhile.
func run(ctx context.Context, cfg Config, ln net.Listener, kube kubernetes.Interface, istio istioclient.Interface,
	waitAPI func(context.Context) error) error {
	defer ln.Close()
	log := cfg.Log
	w, err := newWatcher(kube, istio, cfg.Namespaces, cfg.FaultsConfigMap, log)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	rec, err := NewRecorder(reg, cfg.TagHeaders...)
	if err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}

	var synced atomic.Bool
	var table atomic.Pointer[Table]
	table.Store(BuildTable(Snapshot{}))
	x := newXDSFeed(cfg, w.touch)
	srv := &http.Server{Handler: mux(reg, &synced, &table, x), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	log.Info("mesh simulator serving metrics", "addr", ln.Addr().String(),
		"flows", len(cfg.Flows), "rps", cfg.RPS, "namespaces", cfg.Namespaces, "faultsConfigMap", cfg.FaultsConfigMap)

	if waitAPI != nil {
		if err := waitAPI(ctx); err != nil {
			return nil // only a cancellation ends the wait
		}
	}
	if !w.start(ctx) {
		return nil // cancelled before the caches filled
	}
	if x != nil {
		x.start(ctx)
		if !x.waitComplete(ctx) {
			return nil
		}
		log.Info("routes from istiod's xDS", "addr", cfg.XDS, "versions", x.sidecar.Load().Versions)
	}
	synced.Store(true)
	log.Info("mesh simulator caches synced; generating traffic")

	sim := NewSimulator(rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15)), rec, cfg.Flows, cfg.RPS, cfg.IgnoreSidecars)
	var faults *Faults
	var summary string
	ticker := time.NewTicker(cfg.Tick)
	defer ticker.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return fmt.Errorf("mesh simulator metrics server: %w", err)
		case now := <-ticker.C:
			if w.changed() {
				t := x.build(w.snapshot())
				table.Store(t)
				faults = w.faults()
				if s := t.Summary(); s != summary {
					summary = s
					log.Info("live routing changed", "routes", s)
				}
			}
			sim.Step(min(now.Sub(last), maxStep), table.Load(), faults)
			last = now
		}
	}
}

func mux(reg *prometheus.Registry, synced *atomic.Bool, table *atomic.Pointer[Table], x *xdsFeed) *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn)}))
	m.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !synced.Load() {
			http.Error(w, "waiting for informer caches", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	// /debug/routes shows the live routing the simulator uses, for people
	// comparing it with Git.
	m.HandleFunc("/debug/routes", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(table.Load().Summary() + "\n"))
	})
	// /debug/xds shows the xDS versions the simulator accepted (ACKed).
	m.HandleFunc("/debug/xds", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(x.status())
	})
	return m
}
