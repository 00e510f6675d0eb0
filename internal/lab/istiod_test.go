package lab

import (
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

func istiodPlan() *Plan {
	p := testPlan(true)
	p.Istiod = true
	p.Ports.Istiod = IstiodPorts{HTTP: 20, GRPC: 21, Webhook: 22, Monitoring: 23}
	p.Bins["pilot-discovery"] = "/c/pilot-discovery"
	return p
}

// TestIstiodSpecs: istiod starts after the API server and kwok and before
// Argo CD (so the first sync is validated), the simulator gets its xDS
// address, and istiod is probed and scraped.
func TestIstiodSpecs(t *testing.T) {
	p := istiodPlan()
	probes := p.Probes()
	var names []string
	var istiod, meshsim ProcSpec
	for _, s := range p.Specs() {
		names = append(names, s.Name)
		switch s.Name {
		case ComponentIstiod:
			istiod = s
		case "meshsim":
			meshsim = s
		}
		if probes[s.Name] == nil {
			t.Errorf("%s has no readiness probe", s.Name)
		}
	}
	if i, j := slices.Index(names, ComponentIstiod), slices.Index(names, "argocd-application-controller"); i < slices.Index(names, "kwok") || i > j {
		t.Errorf("order %v: istiod must start after kwok and before Argo CD", names)
	}
	args := strings.Join(istiod.Args, " ")
	for _, want := range []string{"/c/pilot-discovery discovery", "--grpcAddr=127.0.0.1:21", "--httpsAddr=127.0.0.1:22",
		"--httpAddr=127.0.0.1:20", "--monitoringAddr=127.0.0.1:23", "--secureGRPCAddr= ", "--kubeconfig=/tmp/lab/kubeconfig",
		"--tlsCertFile=/tmp/lab/istiod/tls.crt"} {
		if !strings.Contains(args+" ", want) {
			t.Errorf("istiod args lack %q: %s", want, args)
		}
	}
	if !slices.Contains(istiod.Env, "ENABLE_CA_SERVER=false") || !slices.Contains(istiod.Env, "VALIDATION_WEBHOOK_CONFIG_NAME=") {
		t.Errorf("istiod env %v", istiod.Env)
	}
	if !slices.Contains(meshsim.Args, "--xds=127.0.0.1:21") {
		t.Errorf("meshsim args %v lack istiod's xDS address", meshsim.Args)
	}
	b, err := p.PrometheusConfig()
	if err != nil || !strings.Contains(string(b), `job_name: istiod`) || !strings.Contains(string(b), `"127.0.0.1:23"`) {
		t.Errorf("prometheus config does not scrape istiod (%v):\n%s", err, b)
	}
	if !slices.Contains(p.Dirs(), "/tmp/lab/istiod") {
		t.Errorf("dirs %v lack istiod's", p.Dirs())
	}
}

func TestIstiodWebhookConfiguration(t *testing.T) {
	c := IstiodWebhookConfiguration("https://127.0.0.1:22/validate", []byte("CA"))
	if c.Name != IstiodWebhookName || len(c.Webhooks) != 1 {
		t.Fatalf("%+v", c)
	}
	w := c.Webhooks[0]
	if *w.FailurePolicy != admissionregistrationv1.Fail || string(w.ClientConfig.CABundle) != "CA" || *w.ClientConfig.URL != "https://127.0.0.1:22/validate" {
		t.Errorf("webhook %+v", w)
	}
	r := w.Rules[0]
	if !slices.Contains(r.APIGroups, "networking.istio.io") || !slices.Contains(r.Operations, admissionregistrationv1.Update) {
		t.Errorf("rules %+v", r)
	}
}

// TestIstiodControllerFlag: a lab with istiod and controllers runs the
// controllers with --istiod-debug at istiod's debug address; without
// istiod they have none.
func TestIstiodControllerFlag(t *testing.T) {
	for _, withIstiod := range []bool{true, false} {
		p := testPlan(true)
		if withIstiod {
			p = istiodPlan()
		}
		p.Controllers = 1
		p.Ports.Controllers = []ControllerPorts{{Metrics: 30, Probe: 31}}
		specs := p.controllerSpecs()
		if len(specs) != 1 {
			t.Fatalf("istiod %v: %d controller specs, want 1", withIstiod, len(specs))
		}
		has := slices.Contains(specs[0].Args, "--istiod-debug=http://127.0.0.1:20/debug")
		if has != withIstiod || !withIstiod && slices.ContainsFunc(specs[0].Args, func(a string) bool { return strings.HasPrefix(a, "--istiod-debug") }) {
			t.Errorf("istiod %v: controller args %v", withIstiod, specs[0].Args)
		}
	}
}
