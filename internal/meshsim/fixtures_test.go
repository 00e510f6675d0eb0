package meshsim

import (
	"time"

	apinet "istio.io/api/networking/v1alpha3"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/mesh"
)

const ns = "bookinfo"

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func service(name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": name}},
	}
}

type podOpt func(*corev1.Pod)

func notReady(p *corev1.Pod)  { p.Status.Conditions[0].Status = corev1.ConditionFalse }
func noSidecar(p *corev1.Pod) { p.Spec.Containers = p.Spec.Containers[:1] }
func terminating(p *corev1.Pod) {
	t := metav1.NewTime(epoch)
	p.DeletionTimestamp = &t
}

// pod returns a ready, injected pod of Deployment app-version.
func pod(app, version, suffix string, opts ...podOpt) *corev1.Pod {
	yes := true
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      app + "-" + version + "-abc12-" + suffix,
			Namespace: ns,
			Labels:    map[string]string{"app": app, "version": version, "pod-template-hash": "abc12"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: app + "-" + version + "-abc12", Controller: &yes,
			}},
		},
		Spec: corev1.PodSpec{
			ServiceAccountName: "bookinfo-" + app,
			Containers:         []corev1.Container{{Name: app}, {Name: mesh.ProxyContainerName}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func dest(host, subset string, weight int32) *apinet.HTTPRouteDestination {
	return &apinet.HTTPRouteDestination{Destination: &apinet.Destination{Host: host, Subset: subset}, Weight: weight}
}

func route(dests ...*apinet.HTTPRouteDestination) *apinet.HTTPRoute {
	return &apinet.HTTPRoute{Route: dests}
}

func matched(r *apinet.HTTPRoute) *apinet.HTTPRoute {
	r.Match = []*apinet.HTTPMatchRequest{{Uri: &apinet.StringMatch{MatchType: &apinet.StringMatch_Prefix{Prefix: "/x"}}}}
	return r
}

func virtualService(name string, hosts, gateways []string, age int, routes ...*apinet.HTTPRoute) *networkingv1.VirtualService {
	return &networkingv1.VirtualService{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, CreationTimestamp: metav1.NewTime(epoch.Add(-time.Duration(age) * time.Hour))},
		Spec:       apinet.VirtualService{Hosts: hosts, Gateways: gateways, Http: routes},
	}
}

func destinationRule(name, namespace, host string, subsets ...string) *networkingv1.DestinationRule {
	dr := &networkingv1.DestinationRule{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       apinet.DestinationRule{Host: host},
	}
	for _, s := range subsets {
		dr.Spec.Subsets = append(dr.Spec.Subsets, &apinet.Subset{Name: s, Labels: map[string]string{"version": s}})
	}
	return dr
}

// bookinfo is the reference project's state: reviews v1/v3 at 90/10.
func bookinfo(w1, w3 int32) Snapshot {
	return Snapshot{
		Services: []*corev1.Service{service("productpage"), service("reviews")},
		Pods: []*corev1.Pod{
			pod("productpage", "v1", "a"),
			pod("reviews", "v1", "a"), pod("reviews", "v3", "a"),
		},
		DestinationRules: []*networkingv1.DestinationRule{destinationRule("reviews", ns, "reviews", "v1", "v2", "v3")},
		VirtualServices: []*networkingv1.VirtualService{
			virtualService("reviews", []string{"reviews"}, nil, 1, route(dest("reviews", "v1", w1), dest("reviews", "v3", w3))),
		},
	}
}
