package check

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyFence keeps check offline: no Kubernetes client, and no Helm
// engine (it links client-go; the CLI plugs it in).
func TestDependencyFence(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/gitshift/gitshift/internal/check").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := []string{"k8s.io/client-go", "sigs.k8s.io/controller-runtime", "istio.io/client-go/pkg/clientset",
		"github.com/gitshift/gitshift/internal/source/helmengine"}
	for _, dep := range strings.Fields(string(out)) {
		for _, b := range banned {
			if dep == b || strings.HasPrefix(dep, b+"/") {
				t.Errorf("check imports %s; it must stay offline", dep)
			}
		}
	}
}
