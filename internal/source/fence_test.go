package source

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyFence keeps client-go (and with it any cluster access) out
// of package source: check and render must run offline. Helm's engine,
// which links client-go, is plugged in from package source/helmengine.
func TestDependencyFence(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "k8s.io/client-go") {
			t.Errorf("package source depends on %s", dep)
		}
	}
}
