//go:build e2e

package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/testenv"
	"github.com/gitshift/gitshift/internal/verify"
)

// e2eLab is a running lab (gitshift lab up) and clients to change it.
type e2eLab struct {
	st   *lab.State
	kc   *kube.Client
	root string // the gitshift clone (examples/)
}

// needLab skips the test unless a lab is up: $GITSHIFT_LAB_DIR, else .lab
// in this clone, in phase ready. Under CI (GITSHIFT_CI, set by make e2e) a
// missing lab fails the test instead: CI must not pass by skipping.
func needLab(t *testing.T) *e2eLab {
	t.Helper()
	skip := func(format string, args ...any) { t.Helper(); testenv.Missing(t, format, args...) }
	if testing.Short() {
		skip("e2e: needs the lab")
	}
	root, err := lab.FindRepoRoot()
	if err != nil {
		skip("e2e: %v", err)
	}
	dir := os.Getenv("GITSHIFT_LAB_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".lab")
	}
	st, err := lab.LoadState(dir)
	if err != nil || st.Phase != lab.PhaseReady {
		skip("e2e: no ready lab in %s (gitshift lab up): %v", dir, err)
	}
	kc, err := kube.New(kube.Options{Kubeconfig: st.Endpoints.Kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.Ping(context.Background()); err != nil {
		skip("e2e: lab API server: %v", err)
	}
	return &e2eLab{st: st, kc: kc, root: root}
}

// verifyRun is one `gitshift verify` run.
type verifyRun struct {
	code           int
	stdout, stderr string
	report         verify.Report // with -o json
}

func (r verifyRun) result(id string) verify.Result {
	for _, x := range r.report.Results {
		if x.ID == id {
			return x
		}
	}
	return verify.Result{}
}

// verify runs the real command in-process against the lab, as JSON.
func (l *e2eLab) verify(t *testing.T, args ...string) verifyRun {
	t.Helper()
	all := append([]string{"--kubeconfig", l.st.Endpoints.Kubeconfig, "--argocd-namespace", l.st.Endpoints.ArgoCDNS,
		"--prometheus", l.st.Endpoints.PrometheusURL, "-o", "json"}, args...)
	code, stdout, stderr := clitest.Run(t, NewCommand, all...)
	r := verifyRun{code: code, stdout: stdout, stderr: stderr}
	if err := json.Unmarshal([]byte(stdout), &r.report); err != nil && stdout != "" {
		t.Fatalf("verify output is not JSON: %v\n%s", err, stdout)
	}
	t.Logf("gitshift %s -> exit %d\n%s", strings.Join(args, " "), code, r.text())
	return r
}

// text renders the report like the text output, for test logs.
func (r verifyRun) text() string {
	var b bytes.Buffer
	w := newChecklistWriter(&b, r.report.App, r.report.Namespace)
	for _, x := range r.report.Results {
		w.result(x)
	}
	w.finish(r.report)
	return b.String() + r.stderr
}

func (l *e2eLab) app(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := l.kc.Dynamic.Resource(argocd.GVR).Namespace(l.st.Endpoints.ArgoCDNS).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (l *e2eLab) patchApp(t *testing.T, name, patch string) {
	t.Helper()
	_, err := l.kc.Dynamic.Resource(argocd.GVR).Namespace(l.st.Endpoints.ArgoCDNS).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// variantApp serves a copy of the example, edited, from a new repo of the
// lab's Git server, and creates an Application for it modelled on the
// lab's own; both are removed when the test ends.
func (l *e2eLab) variantApp(t *testing.T, name, namespace string, recurse bool, edit func(string) string) {
	t.Helper()
	ctx := context.Background()
	repo := name + ".git"
	bare := filepath.Join(lab.Layout{Dir: l.st.Dir}.GitBase(), repo)
	_ = os.RemoveAll(bare)
	gitRun(t, "", "init", "--quiet", "--bare", "--initial-branch=main", bare)
	t.Cleanup(func() { _ = os.RemoveAll(bare) })
	work := t.TempDir()
	src := filepath.Join(l.root, "examples", "bookinfo-gitops")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(work, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, []byte(edit(string(b))), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	gitRun(t, work, "init", "--quiet", "--initial-branch=main")
	gitRun(t, work, "add", "-A")
	gitRun(t, work, "-c", "user.name=e2e", "-c", "user.email=e2e@example.com", "commit", "--quiet", "-m", "variant "+name)
	url := strings.TrimSuffix(l.st.Endpoints.GitURL, path.Base(l.st.Endpoints.GitURL)) + repo
	gitRun(t, work, "push", "--quiet", url, "main")

	app := l.app(t, l.st.Endpoints.Application).DeepCopy()
	obj := map[string]any{"apiVersion": app.GetAPIVersion(), "kind": app.GetKind(), "spec": app.Object["spec"]}
	u := &unstructured.Unstructured{Object: obj}
	u.SetName(name)
	u.SetNamespace(l.st.Endpoints.ArgoCDNS)
	u.SetFinalizers([]string{"resources-finalizer.argocd.argoproj.io"})
	_ = unstructured.SetNestedField(u.Object, url, "spec", "source", "repoURL")
	_ = unstructured.SetNestedField(u.Object, recurse, "spec", "source", "directory", "recurse")
	_ = unstructured.SetNestedField(u.Object, namespace, "spec", "destination", "namespace")
	_ = unstructured.SetNestedStringSlice(u.Object, []string{"CreateNamespace=true"}, "spec", "syncPolicy", "syncOptions")
	ri := l.kc.Dynamic.Resource(argocd.GVR).Namespace(l.st.Endpoints.ArgoCDNS)
	_ = ri.Delete(ctx, name, metav1.DeleteOptions{})
	if _, err := ri.Create(ctx, u, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ri.Delete(context.Background(), name, metav1.DeleteOptions{}) })
}

// renamespace moves the example's objects to namespace ns.
func renamespace(ns string) func(string) string {
	return func(s string) string {
		s = strings.ReplaceAll(s, "namespace: bookinfo", "namespace: "+ns)
		s = strings.ReplaceAll(s, "  name: bookinfo\n  labels:", "  name: "+ns+"\n  labels:")
		return strings.ReplaceAll(s, ".bookinfo.svc", "."+ns+".svc")
	}
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// eventually polls f until it returns true or d passes.
func eventually(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if f() {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

// unstructuredSlice renders a nested field as compact JSON for matching.
func unstructuredSlice(obj map[string]any, fields ...string) (string, bool, error) {
	v, ok, err := unstructured.NestedFieldNoCopy(obj, fields...)
	if err != nil || !ok {
		return "", ok, err
	}
	b, err := json.Marshal(v)
	return string(b), true, err
}
