//go:build e2e

package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/lab/labtest"
)

// TestScaleControllerLab is a benchmark, not a timed test (`make
// bench-controller-lab`): N generated canaries (namespaces scale-01…, each
// an Application with a Service, v1 and v3 Deployments, a DestinationRule
// and a VirtualService, plus the mesh's productpage calling it), their
// CanaryPolicies in one Application, and one controller replica. One
// commit releases a new v3 image everywhere; the test waits until every
// rollout is promoted and reports the controller's peak RSS and CPU time
// from /proc.
func TestScaleControllerLab(t *testing.T) {
	if os.Getenv("GITSHIFT_BENCH_CONTROLLER_LAB") == "" {
		t.Skip("a benchmark: GITSHIFT_BENCH_CONTROLLER_LAB=1 (make bench-controller-lab)")
	}
	n := 20
	if v, err := strconv.Atoi(os.Getenv("GITSHIFT_BENCH_POLICIES")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	l := labtest.Up(t, "--controller=1")
	ep := l.State.Endpoints
	gitURL := strings.TrimSuffix(ep.GitURL, "bookinfo-gitops.git") + "scale.git"
	src := filepath.Join(t.TempDir(), "scale")
	if err := writeScaleRepo(src, n, gitURL, ep.APIServer); err != nil {
		t.Fatal(err)
	}
	if _, err := lab.SeedRepo(ctx, lab.Layout{Dir: l.Dir}.GitBase(), "scale", src); err != nil {
		t.Fatal(err)
	}
	var apps []string
	for i := 1; i <= n; i++ {
		apps = append(apps, scaleNS(i))
	}
	apps = append(apps, "scale-policies")
	for _, name := range apps {
		path := "apps/" + name
		if name == "scale-policies" {
			path = "policies"
		}
		if err := l.Cluster.Apply(ctx, scaleApp(name, path, gitURL, ep.APIServer)); err != nil {
			t.Fatal(err)
		}
	}
	head, err := lab.RemoteHead(ctx, gitURL, "main")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range apps {
		if _, err := l.Cluster.WaitApp(ctx, ep.ArgoCDNS, name, head, 5*time.Minute); err != nil {
			t.Fatalf("Application %s: %v", name, err)
		}
	}
	waitAll(t, l, n, "every policy's baseline", 3*time.Minute, func(phase, id string, base bool) bool { return base })

	st, _ := lab.LoadState(l.Dir)
	ctl := st.Component(lab.ControllerName(0))
	before, err := cpuSeconds(ctl.Proc.PID)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	var v3s []string
	for i := 1; i <= n; i++ {
		v3s = append(v3s, "apps/"+scaleNS(i)+"/v3.yaml")
	}
	sha, err := lab.Release{GitURL: gitURL, Branch: "main", Files: v3s, Image: "docker.io/istio/examples-bookinfo-reviews-v3",
		Tag: "1.20.3-scale", Message: "release reviews v3 1.20.3-scale in every namespace"}.Push(ctx)
	if err == nil {
		err = refreshAll(ctx, l, apps[:n])
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("release %s pushed; %d rollouts should start", short(sha), n)
	peak := int64(0)
	waitAll(t, l, n, "every rollout promoted", 30*time.Minute, func(phase, id string, _ bool) bool {
		if rss := vmRSS(ctl.Proc.PID); rss > peak {
			peak = rss
		}
		return phase == "Promoted" && id != ""
	})
	took := time.Since(began)
	after, err := cpuSeconds(ctl.Proc.PID)
	if err != nil {
		t.Fatal(err)
	}
	cpu := after - before
	t.Logf("%d rollouts promoted by one controller in %s; controller (pid %d): peak RSS %.1f MiB (VmHWM %.1f MiB), CPU %.1f s (%.1f%% of one core on average)",
		n, took.Round(time.Second), ctl.Proc.PID, float64(peak)/(1<<20), float64(procStatus(ctl.Proc.PID, "VmHWM:"))/(1<<20), cpu, 100*cpu/took.Seconds())
}

// cpuSeconds is the process's user+system CPU time (/proc/<pid>/stat
// fields 14 and 15, in USER_HZ = 100 ticks per second on Linux).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	k, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return (u + k) / 100, nil
}

func vmRSS(pid int) int64 { return procStatus(pid, "VmRSS:") }

// procStatus reads a "kB" line of /proc/<pid>/status in bytes.
func procStatus(pid int, key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// waitAll polls the scale policies until cond holds for each (phase,
// rollout id, baseline recorded).
func waitAll(t *testing.T, l *labtest.Lab, n int, what string, timeout time.Duration, cond func(phase, id string, base bool) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var pending []string
		for i := 1; i <= n; i++ {
			cp, err := l.Cluster.CanaryPolicy(context.Background(), scaleNS(i), "reviews")
			if err != nil || !cond(cp.Status.Phase, cp.Status.RolloutID, cp.Status.Trigger != nil && len(cp.Status.Trigger.Templates) > 0) {
				phase := "?"
				if err == nil {
					phase = cp.Status.Phase + " " + cp.Status.Step
				}
				pending = append(pending, scaleNS(i)+" "+phase)
			}
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, pending)
		}
		time.Sleep(time.Second)
	}
}

func refreshAll(ctx context.Context, l *labtest.Lab, apps []string) error {
	r := argocd.Reader{Client: l.Cluster.Dynamic}
	for _, a := range apps {
		if err := r.Refresh(ctx, l.State.Endpoints.ArgoCDNS, a, argocd.RefreshNormal); err != nil {
			return err
		}
	}
	return nil
}

func scaleNS(i int) string { return fmt.Sprintf("scale-%02d", i) }

func scaleApp(name, path, repo, server string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": name, "namespace": "argocd"},
		"spec": map[string]any{"project": "default",
			"source":      map[string]any{"repoURL": repo, "targetRevision": "main", "path": path},
			"destination": map[string]any{"server": server, "namespace": name},
			"syncPolicy": map[string]any{"automated": map[string]any{"prune": true, "selfHeal": true},
				"syncOptions": []any{"CreateNamespace=true"}}}}}
}

// writeScaleRepo generates the repository: apps/scale-NN/ per canary (its
// v3 Deployment in v3.yaml), argocd/scale-NN.yaml with its Application (the
// engine finds the Application that renders the VirtualService in Git, as
// for the example's argocd/), and policies/ with every CanaryPolicy.
func writeScaleRepo(dir string, n int, repo, server string) error {
	files := map[string]string{}
	var policies bytes.Buffer
	for i := 1; i <= n; i++ {
		ns := scaleNS(i)
		app, err := yaml.Marshal(scaleApp(ns, "apps/"+ns, repo, server).Object)
		if err != nil {
			return err
		}
		files["argocd/"+ns+".yaml"] = string(app)
		for name, tmpl := range map[string]*template.Template{"canary.yaml": scaleTmpl, "v3.yaml": scaleV3Tmpl} {
			var b bytes.Buffer
			if err := tmpl.Execute(&b, map[string]string{"NS": ns}); err != nil {
				return err
			}
			files["apps/"+ns+"/"+name] = b.String()
		}
		if err := scalePolicyTmpl.Execute(&policies, map[string]string{"NS": ns}); err != nil {
			return err
		}
	}
	files["policies/policies.yaml"] = policies.String()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

var scaleTmpl = template.Must(template.New("app").Parse(`apiVersion: v1
kind: Namespace
metadata: {name: {{.NS}}, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: {{.NS}}, labels: {app: reviews, service: reviews}}
spec: {ports: [{port: 9080, name: http}], selector: {app: reviews}}
---
apiVersion: v1
kind: Service
metadata: {name: productpage, namespace: {{.NS}}, labels: {app: productpage, service: productpage}}
spec: {ports: [{port: 9080, name: http}], selector: {app: productpage}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: productpage-v1, namespace: {{.NS}}, labels: {app: productpage, version: v1}}
spec:
  replicas: 1
  selector: {matchLabels: {app: productpage, version: v1}}
  template:
    metadata: {labels: {app: productpage, version: v1}}
    spec: {containers: [{name: productpage, image: "docker.io/istio/examples-bookinfo-productpage-v1:1.20.3", ports: [{containerPort: 9080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: {{.NS}}, labels: {app: reviews, version: v1}}
spec:
  replicas: 1
  selector: {matchLabels: {app: reviews, version: v1}}
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec: {containers: [{name: reviews, image: "docker.io/istio/examples-bookinfo-reviews-v1:1.20.3", ports: [{containerPort: 9080}]}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: {{.NS}}}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: {{.NS}}}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 100
    - destination: {host: reviews, subset: v3}
      weight: 0
`))

var scaleV3Tmpl = template.Must(template.New("v3").Parse(`---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v3, namespace: {{.NS}}, labels: {app: reviews, version: v3}}
spec:
  replicas: 1
  selector: {matchLabels: {app: reviews, version: v3}}
  template:
    metadata: {labels: {app: reviews, version: v3}}
    spec:
      containers:
      - name: reviews
        image: docker.io/istio/examples-bookinfo-reviews-v3:1.20.3
        ports: [{containerPort: 9080}]
`))

var scalePolicyTmpl = template.Must(template.New("policy").Parse(`---
apiVersion: gitshift.dev/v1alpha1
kind: CanaryPolicy
metadata: {name: reviews, namespace: {{.NS}}}
spec:
  target: {application: {{.NS}}, virtualService: {name: reviews}}
  stableSubset: v1
  canarySubset: v3
  trigger: workload
  stepDefaults: {minDuration: 20s, minCanaryRequests: 50, maxDuration: 5m}
  steps: [{weight: 10}, {weight: 50}, {weight: 100}]
  analysis: {interval: 5s, noDataTimeout: 3m, guards: {minRequests: 30}}
  syncTimeout: 5m
`))
