package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/argocd"
)

// What the demo and the tests read about a controller-run rollout: the
// CanaryPolicy's status, the row `kubectl get canarypolicies` prints, and
// the health Argo CD gives the Application that carries the policy.

// CanaryPolicyGVR is the CanaryPolicy resource.
var CanaryPolicyGVR = api.GroupVersion.WithResource("canarypolicies")

// CanaryPolicy reads one policy with its status.
func (c *Cluster) CanaryPolicy(ctx context.Context, ns, name string) (*api.CanaryPolicy, error) {
	u, err := c.Dynamic.Resource(CanaryPolicyGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading CanaryPolicy %s/%s: %w", ns, name, err)
	}
	var cp api.CanaryPolicy
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cp); err != nil {
		return nil, fmt.Errorf("decoding CanaryPolicy %s/%s: %w", ns, name, err)
	}
	return &cp, nil
}

// PolicyRows are the rows `kubectl get canarypolicies -n ns` prints: the
// API server's Table for the CRD's printer columns (priority 0 only), the
// header first, each row's cells joined by spaces.
func (c *Cluster) PolicyRows(ctx context.Context, ns string) ([]string, error) {
	kc, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return nil, fmt.Errorf("table client: %w", err)
	}
	gv := api.GroupVersion
	b, err := kc.Discovery().RESTClient().Get().AbsPath("/apis", gv.Group, gv.Version, "namespaces", ns, CanaryPolicyGVR.Resource).
		SetHeader("Accept", "application/json;as=Table;g=meta.k8s.io;v=v1").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing CanaryPolicies in %s as a table: %w", ns, err)
	}
	var t metav1.Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("decoding the CanaryPolicy table: %w", err)
	}
	var keep []int
	var head []string
	for i, col := range t.ColumnDefinitions {
		if col.Priority == 0 {
			keep = append(keep, i)
			head = append(head, strings.ToUpper(col.Name))
		}
	}
	rows := []string{strings.Join(head, " ")}
	for _, r := range t.Rows {
		var cells []string
		for _, i := range keep {
			if i < len(r.Cells) {
				cells = append(cells, fmt.Sprint(r.Cells[i]))
			}
		}
		rows = append(rows, strings.Join(cells, " "))
	}
	return rows, nil
}

// AppHealth is an Application's sync and health, and the health Argo CD
// computed for each of its resources ("Kind/namespace/name").
type AppHealth struct {
	Sync, Health string
	Message      string
	Resources    map[string]string
}

// Health reads the Application's health as Argo CD shows it.
func (c *Cluster) Health(ctx context.Context, ns, app string) (AppHealth, error) {
	a, err := argocd.Reader{Client: c.Dynamic}.Get(ctx, ns, app)
	if err != nil {
		return AppHealth{}, err
	}
	h := AppHealth{Sync: a.Status.Sync.Status, Health: a.Status.Health.Status, Message: a.Status.Health.Message, Resources: map[string]string{}}
	for _, r := range a.Status.Resources {
		if r.Health != nil {
			h.Resources[r.Kind+"/"+r.Namespace+"/"+r.Name] = r.Health.Status
		}
	}
	return h, nil
}
