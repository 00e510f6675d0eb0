package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/benchtest"
	"github.com/gitshift/gitshift/internal/benchtest/meshrepo"
	"github.com/gitshift/gitshift/internal/source"
)

var benchFiles = 10000

// benchRepo writes n manifest files (a Service and a Deployment each, every
// tenth a VirtualService + DestinationRule) under 100 directories and one
// recursive Application.
func benchRepo(b *testing.B, n int) (string, []string) {
	b.Helper()
	root, files := benchtest.WriteRepo(b, n, meshrepo.Manifest)
	if err := os.MkdirAll(filepath.Join(root, "argocd"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "argocd", "apps.yaml"), []byte(meshrepo.Application), 0o644); err != nil {
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
	defer benchtest.ReportCPU(b)()
	for i := 0; i < b.N; i++ {
		files := source.NewCache() // as Load does
		apps, err := source.FindApplicationsCached(ctx, root, files)
		if err != nil || len(apps) != 1 {
			b.Fatalf("apps %d: %v", len(apps), err)
		}
		t := Render(ctx, root, &apps[0], local, source.Options{Cache: files})
		diags, err := Run(ctx, []*Target{t}, Options{})
		if err != nil || len(t.Objects()) != 2*benchFiles+benchFiles/5 || Count(diags, SeverityWarning) != 0 {
			b.Fatalf("objects %d, diags %v, err %v", len(t.Objects()), diags, err)
		}
	}
}

func BenchmarkParse10k(b *testing.B) {
	_, files := benchRepo(b, benchFiles)
	b.ResetTimer()
	defer benchtest.ReportCPU(b)()
	for i := 0; i < b.N; i++ {
		if n := benchtest.ParseYAML(b, files); n != int64(2*benchFiles+benchFiles/5) {
			b.Fatalf("%d docs", n)
		}
	}
}

// BenchmarkParse10kParallel is the plain parse on GOMAXPROCS goroutines, the
// fair baseline for check's wall time now that source reads in parallel.
func BenchmarkParse10kParallel(b *testing.B) {
	_, files := benchRepo(b, benchFiles)
	b.ResetTimer()
	defer benchtest.ReportCPU(b)()
	for i := 0; i < b.N; i++ {
		if n := benchtest.ParseYAMLParallel(b, files); n != int64(2*benchFiles+benchFiles/5) {
			b.Fatalf("%d docs", n)
		}
	}
}

func init() {
	if v := os.Getenv("GITSHIFT_BENCH_FILES"); v != "" {
		fmt.Sscan(v, &benchFiles)
	}
}

// BenchmarkCheckVsParse10k runs check and the plain parallel parse of the
// same files alternately in one process and reports their ratio (wall
// and CPU): on a shared machine the load changes between separate runs,
// so only a ratio measured side by side means something. The target is
// wall-ratio ≤ 1.2 at Go's default GC (GOGC=100, the benchmark's default).
func BenchmarkCheckVsParse10k(b *testing.B) {
	root, files := benchRepo(b, benchFiles)
	ctx := context.Background()
	local := func(source.AppSource) (bool, string) { return true, "" }
	var checkWall, parseWall, checkCPU, parseCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, t0 := benchtest.CPUTime(), time.Now()
		cache := source.NewCache() // as Load does
		apps, err := source.FindApplicationsCached(ctx, root, cache)
		if err != nil || len(apps) != 1 {
			b.Fatalf("apps %d: %v", len(apps), err)
		}
		t := Render(ctx, root, &apps[0], local, source.Options{Cache: cache})
		if _, err := Run(ctx, []*Target{t}, Options{}); err != nil || len(t.Objects()) != 2*benchFiles+benchFiles/5 {
			b.Fatalf("objects %d, err %v", len(t.Objects()), err)
		}
		c1, t1 := benchtest.CPUTime(), time.Now()
		if n := benchtest.ParseYAMLParallel(b, files); n != int64(2*benchFiles+benchFiles/5) {
			b.Fatalf("%d docs", n)
		}
		c2, t2 := benchtest.CPUTime(), time.Now()
		checkWall, parseWall = checkWall+t1.Sub(t0), parseWall+t2.Sub(t1)
		checkCPU, parseCPU = checkCPU+c1-c0, parseCPU+c2-c1
	}
	b.ReportMetric(float64(checkWall)/float64(parseWall), "wall-ratio")
	b.ReportMetric(float64(checkCPU)/float64(parseCPU), "cpu-ratio")
	b.ReportMetric(float64(checkWall.Milliseconds())/float64(b.N), "check-ms/op")
	b.ReportMetric(float64(parseWall.Milliseconds())/float64(b.N), "parse-ms/op")
}
