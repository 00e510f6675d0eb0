package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gitshift/gitshift/internal/tlsca"
)

// istiod as a lab component (lab up --istiod): Istio's own pilot-discovery,
// built from istio.io/istio, runs as a plain process against the lab's API
// server (a kubeconfig instead of in-cluster credentials), with a mesh
// config file and a serving certificate from the lab's CA. What a real
// install gets from its Helm chart, the lab does here:
//   - Istio's CRDs from the same module version (IstiodCRDsAsset);
//   - a ValidatingWebhookConfiguration pointing at istiod's /validate with
//     failurePolicy Fail, so the API server refuses an invalid Istio object
//     at apply time and Argo CD's sync fails, as in a real cluster;
//   - the mesh simulator connected to its plaintext xDS port.
//
// istiod's own CA, sidecar injector and webhook patching are off: the lab
// has no pods to give certificates to, its own injector, and registers
// the webhook itself.

// IstiodNamespace is istiod's namespace (the mesh's root namespace).
const IstiodNamespace = "istio-system"

// IstiodWebhookName is the ValidatingWebhookConfiguration the lab
// registers for istiod (deleted again by lab down).
const IstiodWebhookName = "gitshift-lab-istiod-validator"

// IstiodPorts are istiod's loopback ports.
type IstiodPorts struct {
	HTTP       int // readiness (/ready) and debug endpoints
	GRPC       int // plaintext xDS (ADS)
	Webhook    int // HTTPS: /validate
	Monitoring int // /metrics
}

// IstiodDir holds istiod's mesh config and serving certificate.
func (l Layout) IstiodDir() string { return l.Path("istiod") }

func (l Layout) istiodFile(name string) string { return filepath.Join(l.IstiodDir(), name) }

func (p *Plan) istiodSpec() ProcSpec {
	l, pt := p.Layout, p.Ports.Istiod
	return ProcSpec{Name: ComponentIstiod, Args: []string{p.bin("pilot-discovery"), "discovery",
		"--kubeconfig=" + l.Kubeconfig(),
		"--meshConfig=" + l.istiodFile("mesh.yaml"), "--networksConfig=" + l.istiodFile("meshNetworks.yaml"),
		"--namespace=" + IstiodNamespace, "--clusterID=Kubernetes", "--domain=cluster.local",
		"--httpAddr=" + addr(pt.HTTP), "--grpcAddr=" + addr(pt.GRPC), "--secureGRPCAddr=",
		"--httpsAddr=" + addr(pt.Webhook), "--monitoringAddr=" + addr(pt.Monitoring),
		"--tlsCertFile=" + l.istiodFile("tls.crt"), "--tlsKeyFile=" + l.istiodFile("tls.key"),
		"--caCertFile=" + l.istiodFile("ca.crt"),
		"--log_output_level=default:info,ads:warn,model:warn"},
		Env: istiodEnv()}
}

// istiodEnv turns off what needs a pod: its CA, the sidecar injector, the
// webhook patching (the lab registers the webhook itself), Gateway API
// controllers (no Gateway API CRDs in the lab).
func istiodEnv() []string {
	return []string{
		"POD_NAME=istiod-lab", "POD_NAMESPACE=" + IstiodNamespace, "REVISION=default",
		"ENABLE_CA_SERVER=false", "INJECT_ENABLED=false",
		"VALIDATION_WEBHOOK_CONFIG_NAME=", "INJECTION_WEBHOOK_CONFIG_NAME=",
		"PILOT_ENABLE_GATEWAY_API=false", "PILOT_ENABLE_GATEWAY_API_STATUS=false",
		"PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER=false", "PILOT_ENABLE_GATEWAY_API_GATEWAYCLASS_CONTROLLER=false",
		"CLUSTER_ID=Kubernetes", "PILOT_TRACE_SAMPLING=0",
		// A push follows a config change after 100 ms of quiet (default),
		// at most 1 s later: the lab measures push→data plane with it.
		"PILOT_DEBOUNCE_AFTER=100ms", "PILOT_DEBOUNCE_MAX=1s",
	}
}

// istiodMeshConfig is the mesh config file istiod reads (Istio's defaults
// otherwise); the discovery address is what a sidecar would be told.
func istiodMeshConfig(grpc string) []byte {
	return []byte("rootNamespace: " + IstiodNamespace + "\ntrustDomain: cluster.local\nenableTracing: false\n" +
		"defaultConfig:\n  discoveryAddress: " + grpc + "\n")
}

// prepareIstiod writes the mesh config and a serving certificate for
// 127.0.0.1 signed by a fresh CA, kept for the webhook's caBundle.
func prepareIstiod(ctx context.Context, s *Supervisor) error {
	l := s.Plan.Layout
	ca, err := tlsca.New("gitshift lab istiod CA", 365*24*time.Hour)
	if err != nil {
		return fmt.Errorf("istiod CA: %w", err)
	}
	cert, key, err := ca.Serving("istiod.istio-system.svc", []string{"127.0.0.1", "localhost", "istiod.istio-system.svc"}, 365*24*time.Hour)
	if err != nil {
		return fmt.Errorf("istiod serving certificate: %w", err)
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"ca.crt", ca.CertPEM(), 0o644}, {"tls.crt", cert, 0o644}, {"tls.key", key, 0o600},
		{"mesh.yaml", istiodMeshConfig(addr(s.Plan.Ports.Istiod.GRPC)), 0o644},
		{"meshNetworks.yaml", []byte("networks: {}\n"), 0o644},
	}
	for _, f := range files {
		if err := os.WriteFile(l.istiodFile(f.name), f.data, f.mode); err != nil {
			return fmt.Errorf("writing istiod's %s: %w", f.name, err)
		}
	}
	s.istiodCA = ca.CertPEM()
	if s.cluster == nil {
		return fmt.Errorf("istiod needs the lab's API server")
	}
	return s.cluster.Apply(ctx, namespaceObject(IstiodNamespace))
}

// registerIstiodWebhook registers istiod's validation with the API server
// once istiod serves it.
func registerIstiodWebhook(ctx context.Context, s *Supervisor) error {
	if s.cluster == nil {
		return fmt.Errorf("registering istiod's webhook: the API server is not part of this lab")
	}
	url := "https://" + addr(s.Plan.Ports.Istiod.Webhook) + "/validate"
	if err := s.cluster.ApplyTyped(ctx, IstiodWebhookConfiguration(url, s.istiodCA)); err != nil {
		return fmt.Errorf("registering istiod's validating webhook: %w", err)
	}
	s.progressf("registered ValidatingWebhookConfiguration %s -> %s (failurePolicy Fail)", IstiodWebhookName, url)
	return nil
}

var validatingGVR = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"}

// unregisterIstiodWebhook runs before istiod stops: with failurePolicy
// Fail a webhook left behind would refuse every Istio object.
func unregisterIstiodWebhook(ctx context.Context, s *Supervisor) error {
	if s.cluster == nil {
		return nil
	}
	return s.cluster.Delete(ctx, validatingGVR, "", IstiodWebhookName)
}

// IstiodWebhookConfiguration is what Istio's chart registers for istiod's
// validation (its rules: every Istio config group, create and update),
// pointing at url with caPEM as trust anchor. failurePolicy is Fail as in
// Istio once istiod is ready: an object istiod cannot check is refused.
func IstiodWebhookConfiguration(url string, caPEM []byte) *admissionregistrationv1.ValidatingWebhookConfiguration {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(10)
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: IstiodWebhookName,
			Labels: map[string]string{"app.kubernetes.io/part-of": "gitshift-lab", "app": "istiod"}},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "rev.validation.istio.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{
					APIGroups:   []string{"security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"},
					APIVersions: []string{"*"}, Resources: []string{"*"},
				},
			}},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
		}},
	}
}

func istiodProbe(p *Plan) Probe {
	return httpProbe("http://"+addr(p.Ports.Istiod.HTTP)+"/ready", "")
}

// IstiodDebugURL is istiod's debug endpoint base (e.g. /debug/configz).
func (p *Plan) IstiodDebugURL() string { return "http://" + addr(p.Ports.Istiod.HTTP) + "/debug" }
