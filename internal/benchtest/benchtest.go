// Package benchtest is what the benchmarks of source and check share: a
// generated repository of many manifest files, the plain yaml.v3 parse
// they are compared with, and CPU time per operation.
package benchtest

import (
	"bytes"
	"errors"
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

// WriteRepo writes n files into a temporary directory: file(i) returns the
// i-th file's slash path and content. It returns the directory and the
// files' paths.
func WriteRepo(b *testing.B, n int, file func(i int) (rel, content string)) (root string, paths []string) {
	b.Helper()
	root = b.TempDir()
	paths = make([]string, 0, n)
	for i := range n {
		rel, content := file(i)
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	return root, paths
}

// ParseYAML is the naive baseline: read each file and decode every
// document into map[string]any with yaml.v3, one file after another. It
// returns the number of documents.
func ParseYAML(b *testing.B, paths []string) int64 {
	var docs int64
	for _, p := range paths {
		docs += int64(parseFile(b, p))
	}
	return docs
}

// ParseYAMLParallel is ParseYAML on GOMAXPROCS goroutines: the fair
// baseline for the wall time of code that reads in parallel.
func ParseYAMLParallel(b *testing.B, paths []string) int64 {
	var next, docs atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(paths)); i = next.Add(1) - 1 {
				docs.Add(int64(parseFile(b, paths[i])))
			}
		}()
	}
	wg.Wait()
	return docs.Load()
}

// parseFile decodes every document of one file into map[string]any.
func parseFile(b *testing.B, path string) int {
	data, err := os.ReadFile(path)
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
			b.Errorf("%s: %v", path, err)
			return docs
		}
		docs++
	}
}

// ReportCPU adds cpu-ns/op (user+system CPU of the process) when the
// returned function runs: on a shared, overloaded machine wall time says
// little, CPU time still compares. Use: defer benchtest.ReportCPU(b)().
func ReportCPU(b *testing.B) func() {
	start := CPUTime()
	return func() {
		b.ReportMetric(float64((CPUTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// CPUTime is the user+system CPU time of the process so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
