package edit_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyFence keeps edit offline: no Kubernetes client in its
// imports (it runs in CI and pre-commit, with only Go and git).
func TestDependencyFence(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/gitshift/gitshift/internal/edit").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"k8s.io/client-go", "sigs.k8s.io/controller-runtime", "istio.io/client-go/pkg/clientset"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("edit imports %s; it must stay offline", dep)
			}
		}
	}
}
