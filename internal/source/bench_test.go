package source

import (
	"context"
	"fmt"
	"testing"

	"github.com/gitshift/gitshift/internal/benchtest"
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
	return benchtest.WriteRepo(b, n, func(i int) (string, string) {
		return fmt.Sprintf("app/d%03d/m%05d.yaml", i%100, i), fmt.Sprintf(benchManifest, i, i, i)
	})
}

func BenchmarkRenderDirectory10k(b *testing.B) {
	root, _ := genRepo(b, 10000)
	app := dirApp("app", &DirectorySource{Recurse: true})
	opts := Options{MaxCombinedManifestSize: 1 << 30}
	b.ResetTimer()
	defer benchtest.ReportCPU(b)()
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
	defer benchtest.ReportCPU(b)()
	for i := 0; i < b.N; i++ {
		if n := benchtest.ParseYAML(b, paths); n != 10000 {
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
	defer benchtest.ReportCPU(b)()
	for i := 0; i < b.N; i++ {
		if n := benchtest.ParseYAMLParallel(b, paths); n != 10000 {
			b.Fatalf("got %d docs", n)
		}
	}
}
