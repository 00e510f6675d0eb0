package controller

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"time"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// workloads reads the canary's workloads (resolved live by the Backend)
// from the informer cache: their pod-template hash and whether it rolled
// out. Kinds the controller does not watch are skipped.
func (r *Reconciler) workloads(ctx context.Context, pol *policy.CanaryPolicy) ([]Workload, error) {
	refs, err := r.Backend.CanaryWorkloads(ctx, pol)
	if err != nil {
		return nil, err
	}
	var out []Workload
	for _, ref := range refs {
		key := types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}
		w := Workload{Key: ref.Kind + "/" + ref.Namespace + "/" + ref.Name}
		switch ref.Kind {
		case "Deployment":
			var d appsv1.Deployment
			if err := r.Client.Get(ctx, key, &d); err != nil {
				return nil, fmt.Errorf("reading Deployment %s: %w", key, err)
			}
			w.Template, w.RolledOut = TemplateHash(d.Spec.Template), deploymentRolledOut(&d)
		case "StatefulSet":
			var s appsv1.StatefulSet
			if err := r.Client.Get(ctx, key, &s); err != nil {
				return nil, fmt.Errorf("reading StatefulSet %s: %w", key, err)
			}
			w.Template, w.RolledOut = TemplateHash(s.Spec.Template), statefulSetRolledOut(&s)
		default:
			continue
		}
		out = append(out, w)
	}
	return out, nil
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// deploymentRolledOut: the Deployment controller saw the template and every
// replica runs it and is available (kubectl rollout status' rule).
func deploymentRolledOut(d *appsv1.Deployment) bool {
	n := replicas(d.Spec.Replicas)
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas >= n && s.AvailableReplicas >= n && s.Replicas == s.UpdatedReplicas
}

func statefulSetRolledOut(st *appsv1.StatefulSet) bool {
	n := replicas(st.Spec.Replicas)
	s := st.Status
	return s.ObservedGeneration >= st.Generation && s.UpdatedReplicas >= n && s.ReadyReplicas >= n &&
		(s.UpdateRevision == "" || s.CurrentRevision == s.UpdateRevision)
}

// metaTime is a status time at the API's one-second resolution, so a
// status compares equal to its own read-back and is not patched again.
func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t.UTC().Truncate(time.Second)) }
