package meshsim

import (
	"os"
	"path/filepath"
	"testing"
)

// writeKubeconfig writes a kubeconfig pointing at a closed port: enough to
// build clients, which do not connect until used.
func writeKubeconfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	const kc = `apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: lab
  user: {token: x}
contexts:
- name: lab
  context: {cluster: lab, user: lab}
current-context: lab
`
	if err := os.WriteFile(p, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
