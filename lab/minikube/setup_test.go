// Package minikube holds the test of setup.sh, the seed's environment on
// Minikube. The script itself needs Docker and is not run in CI; its
// --dry-run plan is checked here.
package minikube

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestSetupDryRunPlan(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	cmd := exec.Command("bash", "setup.sh", "--dry-run", "--repo-url", "https://git.example.com/me/bookinfo.git")
	cmd.Env = append(cmd.Environ(), "ISTIO_VERSION=1.29.2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("setup.sh --dry-run: %v\n%s", err, out)
	}
	plan := string(out)
	// In order: cluster, Istio, add-ons, Argo CD, the Application, then
	// the verify command.
	want := []string{
		"+ minikube start --profile gitshift --driver=docker",
		"+ istioctl install --set profile=demo --skip-confirmation",
		"release-1.29/samples/addons/prometheus.yaml",
		"release-1.29/samples/addons/kiali.yaml",
		"release-1.29/samples/addons/jaeger.yaml",
		"argo-cd/v2.14.21/manifests/install.yaml",
		"repoURL: https://git.example.com/me/bookinfo.git#",
		"examples/bookinfo-gitops/argocd/application.yaml | kubectl apply -f -",
		"gitshift verify --app bookinfo --refresh --wait 5m --prometheus http://127.0.0.1:9090",
	}
	at := 0
	for _, w := range want {
		i := strings.Index(plan[at:], w)
		if i < 0 {
			t.Fatalf("plan lacks %q after offset %d:\n%s", w, at, plan)
		}
		at += i + len(w)
	}
}

func TestSetupRefusesUnknownArgument(t *testing.T) {
	out, err := exec.Command("bash", "setup.sh", "--bogus").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 4 || !strings.Contains(string(out), "unknown argument --bogus") {
		t.Fatalf("want exit 4 naming the argument, got %v\n%s", err, out)
	}
}
