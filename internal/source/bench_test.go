package source

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
)

const benchManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%d
  labels: {app: reviews, version: v%d}
spec:
  replicas: 3
  selector:
    matchLabels: {app: reviews}
  template:
    metadata:
      labels: {app: reviews, version: v%d}
    spec:
      containers:
      - name: reviews
        image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2
        ports:
        - containerPort: 9080
        env:
        - {name: LOG_DIR, value: /tmp/logs}
        resources:
          requests: {cpu: 10m, memory: 64Mi}
`

// genRepo writes n manifests in 100 directories and returns root and paths.
func genRepo(b *testing.B, n int) (string, []string) {
	b.Helper()
	root := b.TempDir()
	paths := make([]string, 0, n)
	for i := 0; i < n; i++ {
		dir := filepath.Join(root, "app", fmt.Sprintf("d%03d", i%100))
		if i < 100 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("m%05d.yaml", i))
		if err := os.WriteFile(p, []byte(fmt.Sprintf(benchManifest, i, i, i)), 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	return root, paths
}

func BenchmarkRenderDirectory10k(b *testing.B) {
	root, _ := genRepo(b, 10000)
	app := dirApp("app", &DirectorySource{Recurse: true})
	opts := Options{MaxCombinedManifestSize: 1 << 30}
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		res, err := Render(context.Background(), root, app, app.Sources[0], opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Objects) != 10000 {
			b.Fatalf("got %d objects", len(res.Objects))
		}
	}
}

// BenchmarkPlainYAMLParse10k is the baseline: read and decode the same files
// with yaml.v3 only (no walk, no rules, no provenance).
func BenchmarkPlainYAMLParse10k(b *testing.B) {
	_, paths := genRepo(b, 10000)
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		n := 0
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for {
				var v map[string]any
				if err := dec.Decode(&v); err != nil {
					if errors.Is(err, io.EOF) {
						break
					}
					b.Fatal(err)
				}
				n++
			}
		}
		if n != 10000 {
			b.Fatalf("got %d docs", n)
		}
	}
}

// BenchmarkPlainYAMLParse10kParallel is the same plain parse spread over
// GOMAXPROCS goroutines: Render reads in parallel, so this is the fair
// baseline for its wall time (the sequential one is what a naive tool does).
func BenchmarkPlainYAMLParse10kParallel(b *testing.B) {
	_, paths := genRepo(b, 10000)
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		if n := parseParallel(b, paths); n != 10000 {
			b.Fatalf("got %d docs", n)
		}
	}
}

// parseParallel decodes every file into map[string]any with yaml.v3 on
// GOMAXPROCS goroutines and returns the number of documents.
func parseParallel(b *testing.B, paths []string) int64 {
	var next, docs atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(paths)); i = next.Add(1) - 1 {
				data, err := os.ReadFile(paths[i])
				if err != nil {
					b.Error(err)
					return
				}
				dec := yaml.NewDecoder(bytes.NewReader(data))
				for {
					var v map[string]any
					if err := dec.Decode(&v); errors.Is(err, io.EOF) {
						break
					} else if err != nil {
						b.Error(err)
						return
					}
					docs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return docs.Load()
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
