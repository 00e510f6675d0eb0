package metrics

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyFence keeps metrics a Prometheus reader only: the rollout's
// analysis imports it, and it must not drag in a Kubernetes client.
func TestDependencyFence(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/gitshift/gitshift/internal/metrics").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"k8s.io/client-go", "k8s.io/apimachinery", "sigs.k8s.io/controller-runtime"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("metrics imports %s; it must stay free of Kubernetes clients", dep)
			}
		}
	}
}
