package kube

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Pod is what verify reports about one pod of a subset.
type Pod struct {
	Name  string `json:"name"`
	Phase string `json:"phase"`
	// Ready is the pod's Ready condition (all containers ready).
	Ready bool `json:"ready"`
	// ReadyContainers is kubectl's READY column, e.g. "2/2".
	ReadyContainers string `json:"readyContainers"`
	Sidecar         bool   `json:"sidecar"`
	Deleting        bool   `json:"deleting,omitempty"`
}

// OK reports Running, Ready, with a sidecar and not being deleted.
func (p Pod) OK() bool {
	return p.Phase == string(corev1.PodRunning) && p.Ready && p.Sidecar && !p.Deleting
}

// ServiceSelector returns a Service's pod selector; (nil, nil) when the
// Service does not exist.
func (c *Client) ServiceSelector(ctx context.Context, namespace, name string) (map[string]string, error) {
	svc, err := c.Core.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.Classify(fmt.Errorf("getting Service %s/%s: %w", namespace, name, err))
	}
	if svc.Spec.Selector == nil {
		return map[string]string{}, nil
	}
	return svc.Spec.Selector, nil
}

// SubsetPods lists the pods a DestinationRule subset routes to: those the
// Service selects that also carry the subset's labels (Istio intersects the
// two the same way).
func (c *Client) SubsetPods(ctx context.Context, namespace string, serviceSelector, subsetLabels map[string]string) ([]Pod, error) {
	sel := maps.Clone(serviceSelector)
	if sel == nil {
		sel = map[string]string{}
	}
	maps.Copy(sel, subsetLabels)
	if len(sel) == 0 {
		return nil, fmt.Errorf("refusing to list every pod of %s: empty selector", namespace)
	}
	l, err := c.Core.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(sel).String(),
	})
	if err != nil {
		return nil, c.Classify(fmt.Errorf("listing pods in %s: %w", namespace, err))
	}
	out := make([]Pod, 0, len(l.Items))
	for i := range l.Items {
		out = append(out, PodStatus(&l.Items[i]))
	}
	return out, nil
}

// PodStatus summarizes a pod like kubectl get pods does.
func PodStatus(p *corev1.Pod) Pod {
	ready, total := 0, len(p.Spec.Containers)
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready {
			ready++
		}
	}
	out := Pod{
		Name:            p.Name,
		Phase:           string(p.Status.Phase),
		ReadyContainers: fmt.Sprintf("%d/%d", ready, total),
		Sidecar:         HasSidecar(p),
		Deleting:        p.DeletionTimestamp != nil,
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			out.Ready = true
		}
	}
	return out
}
