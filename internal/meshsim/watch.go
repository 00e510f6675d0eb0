package meshsim

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	istioclient "istio.io/client-go/pkg/clientset/versioned"
	istioinformers "istio.io/client-go/pkg/informers/externalversions"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// watcher keeps informer caches of the objects routing depends on and flags
// when any of them changed, so the table is rebuilt only then.
type watcher struct {
	log      *slog.Logger
	faultsCM string

	vs, dr, svc, pod, cm []cache.SharedIndexInformer
	starters             []interface{ Start(<-chan struct{}) }
	dirty                atomic.Bool
	// seenCM remembers the resourceVersion of each fault ConfigMap whose
	// parse errors were logged, so a broken key is reported once.
	seenCM map[string]string
}

func newWatcher(kube kubernetes.Interface, istio istioclient.Interface, namespaces []string, faultsCM string, log *slog.Logger) (*watcher, error) {
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	w := &watcher{log: log, faultsCM: faultsCM, seenCM: map[string]string{}}
	w.dirty.Store(true)
	onChange := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { w.dirty.Store(true) },
		UpdateFunc: func(any, any) { w.dirty.Store(true) },
		DeleteFunc: func(any) { w.dirty.Store(true) },
	}
	for _, ns := range namespaces {
		kf := informers.NewSharedInformerFactoryWithOptions(kube, 0,
			informers.WithNamespace(ns), informers.WithTransform(stripManagedFields))
		// Only the fault ConfigMaps: watching every ConfigMap of the cluster
		// would cost memory for nothing.
		cf := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithNamespace(ns),
			informers.WithTweakListOptions(func(o *metav1.ListOptions) {
				o.FieldSelector = fields.OneTermEqualSelector("metadata.name", faultsCM).String()
			}))
		isf := istioinformers.NewSharedInformerFactoryWithOptions(istio, 0,
			istioinformers.WithNamespace(ns), istioinformers.WithTransform(stripManagedFields))
		add := func(dst *[]cache.SharedIndexInformer, inf cache.SharedIndexInformer) error {
			if _, err := inf.AddEventHandler(onChange); err != nil {
				return fmt.Errorf("watching namespace %q: %w", ns, err)
			}
			*dst = append(*dst, inf)
			return nil
		}
		for _, e := range []struct {
			dst *[]cache.SharedIndexInformer
			inf cache.SharedIndexInformer
		}{
			{&w.svc, kf.Core().V1().Services().Informer()},
			{&w.pod, kf.Core().V1().Pods().Informer()},
			{&w.cm, cf.Core().V1().ConfigMaps().Informer()},
			{&w.vs, isf.Networking().V1().VirtualServices().Informer()},
			{&w.dr, isf.Networking().V1().DestinationRules().Informer()},
		} {
			if err := add(e.dst, e.inf); err != nil {
				return nil, err
			}
		}
		w.starters = append(w.starters, kf, cf, isf)
	}
	return w, nil
}

func stripManagedFields(obj any) (any, error) {
	if a, err := meta.Accessor(obj); err == nil {
		a.SetManagedFields(nil)
	}
	return obj, nil
}

// start runs the informers until ctx ends and blocks until their caches
// are filled (false if ctx ended first).
func (w *watcher) start(ctx context.Context) bool {
	for _, s := range w.starters {
		s.Start(ctx.Done())
	}
	var synced []cache.InformerSynced
	for _, group := range [][]cache.SharedIndexInformer{w.svc, w.pod, w.cm, w.vs, w.dr} {
		for _, inf := range group {
			synced = append(synced, inf.HasSynced)
		}
	}
	return cache.WaitForCacheSync(ctx.Done(), synced...)
}

// touch marks the table stale (new xDS resources).
func (w *watcher) touch() { w.dirty.Store(true) }

// changed reports and clears the dirty flag.
func (w *watcher) changed() bool { return w.dirty.Swap(false) }

func (w *watcher) snapshot() Snapshot {
	var s Snapshot
	each(w.vs, func(o *networkingv1.VirtualService) { s.VirtualServices = append(s.VirtualServices, o) })
	each(w.dr, func(o *networkingv1.DestinationRule) { s.DestinationRules = append(s.DestinationRules, o) })
	each(w.svc, func(o *corev1.Service) { s.Services = append(s.Services, o) })
	each(w.pod, func(o *corev1.Pod) { s.Pods = append(s.Pods, o) })
	return s
}

// faults parses every fault ConfigMap. The name is checked again because
// not every client (fake ones, in tests) honours field selectors.
func (w *watcher) faults() *Faults {
	byNS := map[string]NamespaceFaults{}
	each(w.cm, func(cm *corev1.ConfigMap) {
		if cm.Name != w.faultsCM {
			return
		}
		nf, errs := ParseFaults(cm.Data)
		byNS[cm.Namespace] = nf
		key := cm.Namespace + "/" + cm.Name
		if w.seenCM[key] != cm.ResourceVersion {
			w.seenCM[key] = cm.ResourceVersion
			for _, err := range errs {
				w.log.Warn("ignoring fault ConfigMap key", "configmap", key, "err", err)
			}
			w.log.Info("fault profiles loaded", "configmap", key,
				"profiles", len(nf.Profiles), "misroutes", len(nf.Misroute), "errors", len(errs))
		}
	})
	return NewFaults(byNS)
}

func each[T any](infs []cache.SharedIndexInformer, f func(T)) {
	for _, inf := range infs {
		for _, o := range inf.GetStore().List() {
			if t, ok := o.(T); ok {
				f(t)
			}
		}
	}
}

// istioGroupVersion is the API the informers use; the lab applies Istio's
// CRDs from istio.io/api, which serve it.
const istioGroupVersion = "networking.istio.io/v1"

// waitForIstioAPI polls discovery until VirtualServices and
// DestinationRules are served. Starting informers earlier would make their
// reflectors back off for up to half a minute after the CRDs appear, which
// would delay the first traffic of a fresh lab by as much.
func waitForIstioAPI(ctx context.Context, disc discovery.DiscoveryInterface, log *slog.Logger) error {
	const every = 500 * time.Millisecond
	logged := false
	for {
		res, err := disc.ServerResourcesForGroupVersion(istioGroupVersion)
		if err == nil && served(res, "virtualservices", "destinationrules") {
			return nil
		}
		if !logged {
			log.Info("waiting for the Istio networking API (CRDs not applied yet?)", "groupVersion", istioGroupVersion, "err", err)
			logged = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

func served(res *metav1.APIResourceList, names ...string) bool {
	if res == nil {
		return false
	}
	have := map[string]bool{}
	for _, r := range res.APIResources {
		have[r.Name] = true
	}
	for _, n := range names {
		if !have[n] {
			return false
		}
	}
	return true
}
