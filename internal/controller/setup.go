package controller

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// Config is how `gitshift controller` runs.
type Config struct {
	// Namespace limits the controller to one namespace's policies and
	// workloads ("" all): a shard.
	Namespace string
	// Selector limits it to policies with these labels (nil all): a shard.
	Selector labels.Selector
	// Leader election: one active replica; the others wait on the Lease.
	LeaderElection          bool
	LeaderElectionID        string
	LeaderElectionNamespace string
	LeaseDuration           time.Duration
	RenewDeadline           time.Duration
	RetryPeriod             time.Duration
	MetricsAddr, ProbeAddr  string
	MaxConcurrentReconciles int
	Reconcile               Options
	// Name of the controller in metrics and logs ("canarypolicy");
	// controller-runtime wants it unique per process.
	Name   string
	Logger *slog.Logger
}

// Scheme knows the core kinds and CanaryPolicy.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := api.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// NewManager builds the manager: caches limited to the shard, leader
// election on a Lease, metrics and probes. slog is bridged to logr so
// controller-runtime and gitshift log through one handler.
func NewManager(cfg *rest.Config, c Config) (manager.Manager, error) {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	ctrl.SetLogger(logr.FromSlogHandler(c.Logger.Handler()))
	scheme, err := Scheme()
	if err != nil {
		return nil, err
	}
	co := cache.Options{DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{&api.CanaryPolicy{}: {Label: c.Selector}}}
	if c.Namespace != "" {
		co.DefaultNamespaces = map[string]cache.Config{c.Namespace: {}}
	}
	mo := ctrl.Options{Scheme: scheme, Cache: co,
		Metrics:                       metricsserver.Options{BindAddress: c.MetricsAddr},
		HealthProbeBindAddress:        c.ProbeAddr,
		LeaderElection:                c.LeaderElection,
		LeaderElectionID:              c.LeaderElectionID,
		LeaderElectionNamespace:       c.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
	}
	if c.LeaseDuration > 0 {
		mo.LeaseDuration, mo.RenewDeadline, mo.RetryPeriod = &c.LeaseDuration, &c.RenewDeadline, &c.RetryPeriod
	}
	mgr, err := ctrl.NewManager(cfg, mo)
	if err != nil {
		return nil, fmt.Errorf("controller manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	// Ready once the informers have synced: a replica that cannot list
	// CanaryPolicies (RBAC, API down) is not ready.
	if err := mgr.AddReadyzCheck("informers", func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return fmt.Errorf("informers not synced")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return mgr, nil
}

// Setup registers the reconciler with mgr: CanaryPolicies (spec and
// annotation changes: status writes do not loop back), the Deployments and
// StatefulSets behind canary subsets (template changes and their rollout),
// and a shutdown hook that releases the VirtualService leases.
func Setup(mgr manager.Manager, r *Reconciler, c Config) error {
	if err := r.Metrics.Register(crmetrics.Registry); err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	// Workload events look policies up by their VirtualService's namespace
	// in the cache's index instead of copying every policy.
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &api.CanaryPolicy{}, vsNamespaceIndex, func(o client.Object) []string {
		return []string{vsNamespace(o.(*api.CanaryPolicy))}
	}); err != nil {
		return fmt.Errorf("indexing CanaryPolicies: %w", err)
	}
	workloadChanges := predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool { return workloadChanged(e.ObjectOld, e.ObjectNew) }}
	name := c.Name
	if name == "" {
		name = "canarypolicy"
	}
	err := ctrl.NewControllerManagedBy(mgr).Named(name).
		For(&api.CanaryPolicy{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&appsv1.Deployment{}, handler.EnqueueRequestsFromMapFunc(r.policiesFor), builder.WithPredicates(workloadChanges)).
		Watches(&appsv1.StatefulSet{}, handler.EnqueueRequestsFromMapFunc(r.policiesFor), builder.WithPredicates(workloadChanges)).
		WithOptions(ctrlcontroller.Options{MaxConcurrentReconciles: max(1, c.MaxConcurrentReconciles)}).
		Complete(r)
	if err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.ReleaseAll(rctx)
		return nil
	}))
}

// policiesFor maps a workload to the workload-triggered policies whose
// VirtualService is in its namespace (the subset rule then decides).
func (r *Reconciler) policiesFor(ctx context.Context, o client.Object) []reconcile.Request {
	var list api.CanaryPolicyList
	if err := r.Client.List(ctx, &list, client.MatchingFields{vsNamespaceIndex: o.GetNamespace()}); err != nil {
		r.Logger.Warn("listing CanaryPolicies for a workload event", "err", err)
		return nil
	}
	var out []reconcile.Request
	for _, p := range list.Items {
		if vsNamespace(&p) == o.GetNamespace() && (p.Spec.Trigger == "" || p.Spec.Trigger == policy.TriggerWorkload) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&p)})
		}
	}
	return out
}

const vsNamespaceIndex = "spec.target.virtualService.namespace"

// vsNamespace is where the policy's VirtualService (and its workloads) live.
func vsNamespace(p *api.CanaryPolicy) string {
	if ns := p.Spec.Target.VirtualService.Namespace; ns != "" {
		return ns
	}
	return p.Namespace
}

// workloadChanged: a new template (generation) or progress of its rollout.
func workloadChanged(old, new client.Object) bool {
	if old.GetGeneration() != new.GetGeneration() {
		return true
	}
	switch n := new.(type) {
	case *appsv1.Deployment:
		o, _ := old.(*appsv1.Deployment)
		return o == nil || o.Status.UpdatedReplicas != n.Status.UpdatedReplicas || o.Status.AvailableReplicas != n.Status.AvailableReplicas ||
			o.Status.ObservedGeneration != n.Status.ObservedGeneration
	case *appsv1.StatefulSet:
		o, _ := old.(*appsv1.StatefulSet)
		return o == nil || o.Status.UpdatedReplicas != n.Status.UpdatedReplicas || o.Status.ReadyReplicas != n.Status.ReadyReplicas ||
			o.Status.CurrentRevision != n.Status.CurrentRevision
	}
	return false
}
