package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/source"
)

var benchFiles = 10000

// benchRepo writes n manifest files (a Service and a Deployment each, every
// tenth a VirtualService + DestinationRule) under 100 directories and one
// recursive Application.
func benchRepo(b *testing.B, n int) (string, []string) {
	b.Helper()
	root := b.TempDir()
	var files []string
	for i := 0; i < n; i++ {
		rel := fmt.Sprintf("apps/d%02d/svc-%05d.yaml", i%100, i)
		doc := fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: svc-%[1]d, namespace: apps}
spec:
  selector: {app: svc-%[1]d}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: svc-%[1]d-v1, namespace: apps}
spec:
  selector: {matchLabels: {app: svc-%[1]d, version: v1}}
  template:
    metadata: {labels: {app: svc-%[1]d, version: v1}}
    spec: {containers: [{name: app, image: example/app:1}]}
`, i)
		if i%10 == 0 {
			doc += fmt.Sprintf(`---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: svc-%[1]d, namespace: apps}
spec:
  host: svc-%[1]d
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: svc-%[1]d, namespace: apps}
spec:
  hosts: [svc-%[1]d]
  http: [{route: [{destination: {host: svc-%[1]d, subset: v1}, weight: 100}]}]
`, i)
		}
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	app := `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: apps, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://example.com/apps.git, path: apps, directory: {recurse: true}}
  destination: {server: https://kubernetes.default.svc, namespace: apps}
  syncPolicy: {automated: {prune: true, selfHeal: true}}
`
	if err := os.MkdirAll(filepath.Join(root, "argocd"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "argocd", "apps.yaml"), []byte(app), 0o644); err != nil {
		b.Fatal(err)
	}
	return root, files
}

// BenchmarkCheck10k is `check` (find Applications, render like Argo CD,
// every rule) over 10,000 manifest files; BenchmarkParse10k is a plain,
// sequential yaml.v3 decode of the same files into map[string]any, for
// comparison. Run with -benchmem; cpu-ns/op is CPU time (user+system).
// The gitshift command runs check with GOGC=300 (cmd/gitshift/gc.go): set
// GOGC=300 to measure that configuration (the baselines get it too).
func BenchmarkCheck10k(b *testing.B) {
	root, _ := benchRepo(b, benchFiles)
	ctx := context.Background()
	local := func(source.AppSource) (bool, string) { return true, "" }
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		apps, err := source.FindApplications(root)
		if err != nil || len(apps) != 1 {
			b.Fatalf("apps %d: %v", len(apps), err)
		}
		t := Render(ctx, root, &apps[0], local, source.Options{})
		diags, err := Run(ctx, []*Target{t}, Options{})
		if err != nil || len(t.Objects()) != 2*benchFiles+benchFiles/5 || Count(diags, SeverityWarning) != 0 {
			b.Fatalf("objects %d, diags %v, err %v", len(t.Objects()), diags, err)
		}
	}
}

func BenchmarkParse10k(b *testing.B) {
	_, files := benchRepo(b, benchFiles)
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		docs := 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for {
				var v map[string]any
				if err := dec.Decode(&v); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					b.Fatal(err)
				}
				docs++
			}
		}
		if docs != 2*benchFiles+benchFiles/5 {
			b.Fatalf("%d docs", docs)
		}
	}
}

// BenchmarkParse10kParallel is the plain parse on GOMAXPROCS goroutines, the
// fair baseline for check's wall time now that source reads in parallel.
func BenchmarkParse10kParallel(b *testing.B) {
	_, files := benchRepo(b, benchFiles)
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		var next, docs atomic.Int64
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1) - 1; i < int64(len(files)); i = next.Add(1) - 1 {
					docs.Add(int64(parseFile(b, files[i])))
				}
			}()
		}
		wg.Wait()
		if n := docs.Load(); n != int64(2*benchFiles+benchFiles/5) {
			b.Fatalf("%d docs", n)
		}
	}
}

// parseFile decodes every document of one file into map[string]any.
func parseFile(b *testing.B, f string) int {
	data, err := os.ReadFile(f)
	if err != nil {
		b.Error(err)
		return 0
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	docs := 0
	for {
		var v map[string]any
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return docs
		} else if err != nil {
			b.Error(err)
			return docs
		}
		docs++
	}
}

// reportCPU adds cpu-ns/op (user+system CPU of the process): on a shared,
// overloaded machine wall time says little, CPU time still compares.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func init() {
	if v := os.Getenv("GITSHIFT_BENCH_FILES"); v != "" {
		fmt.Sscan(v, &benchFiles)
	}
}
