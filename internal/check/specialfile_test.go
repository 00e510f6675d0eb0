package check

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

const appInDir = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app, namespace: argocd}
spec:
  source: {repoURL: https://example.com/r.git, path: app}
  destination: {server: https://kubernetes.default.svc, namespace: app}
  syncPolicy: {automated: {prune: true, selfHeal: true}}
`

func writeFiles(t *testing.T, root string, files map[string]string) {
	sourcetest.WriteFiles(t, root, files)
}

func fifo(t *testing.T, p string) { sourcetest.Mkfifo(t, p) }

// TestSpecialAndHugeFiles: check never opens a named pipe (in an app path
// it reports it, GS1016) and never loads a file over the size limit to see
// what an unapplied manifest holds; it neither hangs nor balloons.
func TestSpecialAndHugeFiles(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"argocd/app.yaml": appInDir,
		"app/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
	})
	fifo(t, filepath.Join(root, "app", "pipe.yaml"))
	fifo(t, filepath.Join(root, "stray", "pipe.yaml"))
	if err := os.Symlink("pipe.yaml", filepath.Join(root, "stray", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(root, "stray", "big.yaml")
	writeFiles(t, root, map[string]string{"stray/big.yaml": "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"})
	if err := os.Truncate(big, 256<<20); err != nil {
		t.Fatal(err)
	}
	type out struct{ diags []Diagnostic }
	done := make(chan out, 1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	go func() {
		_, diags := checkRepo(t, root)
		done <- out{diags}
	}()
	var got []string
	select {
	case o := <-done:
		for _, d := range o.diags {
			got = append(got, short(d))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("check did not return: it opened a named pipe")
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Errorf("check allocated %d MiB: it loaded the 256 MiB file", n>>20)
	}
	want := map[string]bool{"GS1016 warning app/pipe.yaml:0": true}
	found := false
	for _, g := range got {
		if want[g] {
			found = true
		}
	}
	if !found {
		t.Errorf("diagnostics = %q, want GS1016 for app/pipe.yaml", got)
	}
}

// TestLoadBoundsTheApplicationFile: --app may name a pipe (the user's own,
// e.g. <(kubectl get app -o yaml)), but not an endless stream: it is read
// up to the manifest size limit.
func TestLoadBoundsTheApplicationFile(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make(chan error, 1)
	go func() {
		_, err := Load(context.Background(), t.TempDir(), Selection{AppFile: "/dev/zero"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("err = %v, want the size limit", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Load still reading /dev/zero after 20s")
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<20 {
		t.Errorf("Load allocated %d MiB reading --app", n>>20)
	}
}
