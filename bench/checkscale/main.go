// Command checkscale generates a repository of N manifest files (default
// 100,000: Services, Deployments, every tenth with a DestinationRule and a
// VirtualService, in 100 directories with one Application each) and measures `gitshift check`
// on it: wall time, CPU time and peak RSS of the process, at the command's
// own GC setting and at Go's default (GOGC=100), next to a plain parallel
// yaml.v3 parse of the same files in this process. It is a benchmark
// script, not a test: scripts/bench-check.sh runs it.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/benchtest/meshrepo"
)

func main() {
	n := flag.Int("n", 100000, "manifest files to generate")
	dir := flag.String("dir", "", "where to generate the repository (default: a temporary directory, removed afterwards)")
	bin := flag.String("bin", "bin/gitshift", "the gitshift binary to measure")
	flag.Parse()
	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "gitshift-checkscale-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	start := time.Now()
	paths, err := generate(root, *n)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("generated %d files (%d objects) in %s under %s\n", len(paths), meshrepo.Objects(*n), time.Since(start).Round(time.Millisecond), root)

	t0 := time.Now()
	docs, err := parseAll(paths)
	if err != nil {
		log.Fatal(err)
	}
	parse := time.Since(t0)
	fmt.Printf("plain parallel yaml.v3 parse: %d documents in %s (GOMAXPROCS %d)\n", docs, parse.Round(time.Millisecond), runtime.GOMAXPROCS(0))

	for _, env := range []string{"", "GOGC=100"} {
		r, err := measure(*bin, root, env)
		if err != nil {
			log.Fatal(err)
		}
		label := "gitshift check (its own GC setting)"
		if env != "" {
			label = "gitshift check, " + env
		}
		fmt.Printf("%s: exit %d, wall %s (%.2f× the parse), cpu %s, peak RSS %d MiB\n",
			label, r.code, r.wall.Round(time.Millisecond), r.wall.Seconds()/parse.Seconds(), r.cpu.Round(time.Millisecond), r.maxRSS>>20)
	}
}

// generate writes the repository with up to GOMAXPROCS writers.
func generate(root string, n int) ([]string, error) {
	paths := make([]string, n)
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				rel, content := meshrepo.Manifest(i)
				p := filepath.Join(root, filepath.FromSlash(rel))
				err := os.MkdirAll(filepath.Dir(p), 0o755)
				if err == nil {
					err = os.WriteFile(p, []byte(content), 0o644)
				}
				if err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					return
				}
				paths[i] = p
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	// One Application per directory of apps/: Argo CD refuses a directory
	// source over 10 MiB of manifests, and so does check.
	var apps bytes.Buffer
	for d := 0; d < min(n, 100); d++ {
		fmt.Fprintf(&apps, appTemplate, d)
	}
	app := filepath.Join(root, "argocd", "apps.yaml")
	if err := os.MkdirAll(filepath.Dir(app), 0o755); err != nil {
		return nil, err
	}
	return paths, os.WriteFile(app, apps.Bytes(), 0o644)
}

const appTemplate = `---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: apps-%02[1]d, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://example.com/apps.git, path: apps/d%02[1]d}
  destination: {server: https://kubernetes.default.svc, namespace: apps}
  syncPolicy: {automated: {prune: true, selfHeal: true}}
`

// parseAll decodes every document of every file into map[string]any on
// GOMAXPROCS goroutines: the baseline.
func parseAll(paths []string) (int64, error) {
	var next, docs atomic.Int64
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(paths)); i = next.Add(1) - 1 {
				data, err := os.ReadFile(paths[i])
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				dec := yaml.NewDecoder(bytes.NewReader(data))
				for {
					var v map[string]any
					if err := dec.Decode(&v); errors.Is(err, io.EOF) {
						break
					} else if err != nil {
						select {
						case errs <- fmt.Errorf("%s: %w", paths[i], err):
						default:
						}
						return
					}
					docs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return docs.Load(), nil
}

type result struct {
	code      int
	wall, cpu time.Duration
	maxRSS    int64 // bytes
}

// measure runs `gitshift check -o json root` with env added, its output
// discarded, and reads its resource usage.
func measure(bin, root, env string) (result, error) {
	cmd := exec.Command(bin, "check", "-o", "json", root)
	cmd.Env = os.Environ()
	if env != "" {
		cmd.Env = append(cmd.Env, env)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return result{}, fmt.Errorf("running %s: %w", bin, err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return result{}, errors.New("no resource usage for the child")
	}
	r := result{code: cmd.ProcessState.ExitCode(), wall: wall,
		cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), maxRSS: ru.Maxrss * 1024}
	if r.code != 0 {
		out := stdout.String()
		if i := strings.Index(out, `"diagnostics"`); i >= 0 {
			out = out[i:min(len(out), i+800)]
		}
		fmt.Fprintf(os.Stderr, "gitshift check exited %d:\n%s%s\n", r.code, stderr.String(), out)
	}
	return r, nil
}
