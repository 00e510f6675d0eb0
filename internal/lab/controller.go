package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/gitshift/gitshift/internal/rollout/wire"
)

// `gitshift controller` as a lab component: plain processes (replicas)
// supervised like the others and restarted when they exit, as a
// Deployment's pods would be. They run as the chart's ServiceAccount with
// the chart's RBAC (a token from the TokenRequest API), so the lab proves
// those rules are enough: a missing verb fails here, not in production.

// ControllerPorts are one controller replica's ports.
type ControllerPorts struct{ Metrics, Probe int }

// ControllerTokenTTL is how long the controller's ServiceAccount token
// lives; every start of the lab requests a new one.
const ControllerTokenTTL = 7 * 24 * time.Hour

// ControllerName is the component name of replica i.
func ControllerName(i int) string { return "gitshift-controller-" + strconv.Itoa(i) }

// ControllerDir holds the controller's kubeconfig and the failpoint file.
func (l Layout) ControllerDir() string { return l.Path("controller") }

// ControllerKubeconfig is the ServiceAccount's kubeconfig.
func (l Layout) ControllerKubeconfig() string { return l.Path("controller", "kubeconfig") }

// FailpointFile arms a one-shot failpoint in whichever replica pushes the
// step it names (wire.FailpointFileEnv; tests only).
func (l Layout) FailpointFile() string { return l.Path("controller", "failpoint") }

// NotificationsLog is where the lab's receiver appends each notification.
func (l Layout) NotificationsLog() string { return l.Path("logs", "notifications.jsonl") }

// ReceiverURL is the lab's notification receiver.
func (p *Plan) ReceiverURL() string { return "http://" + addr(p.Ports.Receiver) + "/" }

func (p *Plan) controllerSpecs() []ProcSpec {
	l := p.Layout
	var out []ProcSpec
	for i := 0; i < p.Controllers && i < len(p.Ports.Controllers); i++ {
		pt := p.Ports.Controllers[i]
		args := []string{p.Self, "controller",
			"--kubeconfig=" + l.ControllerKubeconfig(), "--leader-election-namespace=" + ControllerNamespace,
			"--prometheus=" + p.PrometheusURL(),
			"--metrics-bind-address=" + addr(pt.Metrics), "--health-probe-bind-address=" + addr(pt.Probe),
			"--log-format=text"}
		if p.Istiod {
			// With istiod the lab's controllers wait, per step, until it
			// applied the step (as `lab env` makes the CLI do).
			args = append(args, "--istiod-debug="+p.IstiodDebugURL())
		}
		out = append(out, ProcSpec{Name: ControllerName(i), Restart: true, Args: args,
			Env: []string{wire.FailpointFileEnv + "=" + l.FailpointFile()}})
	}
	return out
}

// controllerEndpoints are the replicas' addresses for the state file.
func (p *Plan) controllerEndpoints() []ControllerEndpoint {
	var out []ControllerEndpoint
	for i := 0; i < p.Controllers && i < len(p.Ports.Controllers); i++ {
		pt := p.Ports.Controllers[i]
		out = append(out, ControllerEndpoint{Name: ControllerName(i),
			Metrics: "http://" + addr(pt.Metrics) + "/metrics", Probes: "http://" + addr(pt.Probe)})
	}
	return out
}

// ControllerEndpoint is one controller replica's addresses.
type ControllerEndpoint struct {
	Name    string `json:"name"`
	Metrics string `json:"metrics"` // /metrics
	Probes  string `json:"probes"`  // base of /healthz and /readyz
}

// prepareController runs before the first replica starts: the chart's
// ServiceAccount and RBAC, a token for it, its kubeconfig, the
// notification receiver and the Secrets the example's policies name.
func prepareController(ctx context.Context, s *Supervisor) error {
	c, chart := s.cluster, s.chart
	if c == nil || chart == nil {
		return fmt.Errorf("the controller needs the lab's API server and the rendered chart")
	}
	if err := c.Apply(ctx, namespaceObject(ControllerNamespace)); err != nil {
		return err
	}
	if err := c.Apply(ctx, chart.RBAC()...); err != nil {
		return fmt.Errorf("applying the chart's RBAC: %w", err)
	}
	sa, err := chart.ServiceAccount()
	if err != nil {
		return err
	}
	token, err := c.ServiceAccountToken(ctx, ControllerNamespace, sa, ControllerTokenTTL)
	if err != nil {
		return err
	}
	l := s.Plan.Layout
	if err := writeKubeconfig(l.ControllerKubeconfig(), s.Plan.APIServerURL(), s.Plan.PKI.CACert, "system:serviceaccount:"+ControllerNamespace+":"+sa, token, ControllerNamespace); err != nil {
		return err
	}
	_ = os.Remove(l.FailpointFile())
	if err := s.startReceiver(); err != nil {
		return err
	}
	secrets, err := policySecrets(s.Plan, s.Plan.ReceiverURL())
	if err != nil {
		return err
	}
	if err := c.Apply(ctx, secrets...); err != nil {
		return fmt.Errorf("applying the policies' notification Secrets: %w", err)
	}
	s.mu.Lock()
	s.State.Endpoints.ControllerKubeconfig = l.ControllerKubeconfig()
	s.State.Endpoints.Notifications = s.Plan.ReceiverURL()
	s.State.Endpoints.NotificationsLog = l.NotificationsLog()
	s.State.Endpoints.Controllers = s.Plan.controllerEndpoints()
	s.mu.Unlock()
	s.progressf("controller: ServiceAccount %s/%s with the chart's RBAC (%d objects), token for %s; notifications to %s",
		ControllerNamespace, sa, len(chart.RBAC()), ControllerTokenTTL, s.Plan.ReceiverURL())
	return nil
}

// ServiceAccountToken requests a token for the ServiceAccount through the
// TokenRequest API (what the kubelet mounts into a pod).
func (c *Cluster) ServiceAccountToken(ctx context.Context, ns, name string, ttl time.Duration) (string, error) {
	kc, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return "", fmt.Errorf("creating client: %w", err)
	}
	secs := int64(ttl.Seconds())
	tr, err := kc.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &secs}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("requesting a token for ServiceAccount %s/%s: %w", ns, name, err)
	}
	return tr.Status.Token, nil
}

func namespaceObject(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": name}}}
}

// policySecrets are the Secrets the example's CanaryPolicies name for
// their notifications, every key pointing at the lab's receiver (and their
// namespaces, which Argo CD creates only later).
func policySecrets(p *Plan, url string) ([]*unstructured.Unstructured, error) {
	pols, err := examplePolicies(p)
	if err != nil {
		return nil, err
	}
	type key struct{ ns, name string }
	data := map[key]map[string]any{}
	var order []key
	for _, pol := range pols {
		ns := defaultString(pol.GetNamespace(), "default")
		receivers, _, _ := unstructured.NestedSlice(pol.Object, "spec", "notifications")
		for _, n := range receivers {
			m, _ := n.(map[string]any)
			ref, _ := m["secretRef"].(map[string]any)
			name, _ := ref["name"].(string)
			if name == "" {
				continue
			}
			k := key{ns, name}
			if data[k] == nil {
				data[k] = map[string]any{}
				order = append(order, k)
			}
			secretKey, _ := ref["key"].(string)
			data[k][defaultString(secretKey, "url")] = url
		}
	}
	var out []*unstructured.Unstructured
	seen := map[string]bool{}
	for _, k := range order {
		if !seen[k.ns] {
			seen[k.ns] = true
			out = append(out, namespaceObject(k.ns))
		}
		out = append(out, &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": k.name, "namespace": k.ns}, "type": "Opaque", "stringData": data[k]}})
	}
	return out, nil
}

// examplePolicies reads the CanaryPolicies the policy Application applies
// (its source path in the example).
func examplePolicies(p *Plan) ([]*unstructured.Unstructured, error) {
	if p.PolicyAppFile == "" {
		return nil, nil
	}
	app, err := LabApplication(p.PolicyAppFile, "", "")
	if err != nil {
		return nil, err
	}
	path, _, _ := unstructured.NestedString(app.Object, "spec", "source", "path")
	dir := filepath.Join(p.Example, filepath.FromSlash(path))
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		objs, err := DecodeYAML(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, o := range objs {
			if o.GetKind() == "CanaryPolicy" {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
