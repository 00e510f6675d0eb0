// Command checkscale generates a repository of N manifest files (default
// 100,000: Services, Deployments, every tenth with a DestinationRule and a
// VirtualService, in 100 directories with one Application each) and measures `gitshift check`
// on it: wall time, CPU time and peak RSS of the process, at the command's
// own GC setting and at Go's default (GOGC=100), next to a plain parallel
// yaml.v3 parse of the same files in a process of its own (this program
// with -parse-only), the three interleaved over -runs rounds. It is a
// benchmark script, not a test: scripts/bench-check.sh runs it.
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
	"sort"
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
	runs := flag.Int("runs", 3, "rounds of parse and check, interleaved so that all see the same load")
	parseOnly := flag.Bool("parse-only", false, "parse the n files already generated under -dir and exit (the baseline's own process)")
	flag.Parse()
	if *parseOnly {
		docs, err := parseAll(paths(*dir, *n))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(docs)
		return
	}
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
	if err := generate(root, *n); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("generated %d files (%d objects) in %s under %s; GOMAXPROCS %d\n", *n, meshrepo.Objects(*n), time.Since(start).Round(time.Millisecond), root, runtime.GOMAXPROCS(0))
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	// Every measured program is a child process: wall, CPU and peak RSS
	// are measured the same way for the baseline and for check.
	cmds := []struct {
		label string
		args  []string
		env   string
	}{
		{"plain parallel yaml.v3 parse", []string{self, "-parse-only", "-n", fmt.Sprint(*n), "-dir", root}, ""},
		{"gitshift check, GOGC=100", []string{*bin, "check", "-o", "json", root}, "GOGC=100"},
		{"gitshift check (its own GC setting)", []string{*bin, "check", "-o", "json", root}, ""},
	}
	results := make([][]result, len(cmds))
	for r := 0; r < *runs; r++ {
		for i, c := range cmds {
			res, err := measure(c.args, c.env)
			if err != nil {
				log.Fatal(err)
			}
			results[i] = append(results[i], res)
			fmt.Printf("run %d: %s: exit %d, wall %s, cpu %s, peak RSS %d MiB (load %s)\n",
				r+1, c.label, res.code, res.wall.Round(time.Millisecond), res.cpu.Round(time.Millisecond), res.maxRSS>>20, loadAvg())
		}
	}
	base := median(results[0])
	fmt.Printf("medians of %d runs:\n", *runs)
	for i, c := range cmds {
		m := median(results[i])
		fmt.Printf("  %s: wall %s (%.2f× the parse), cpu %s (%.2f×), peak RSS %d MiB\n", c.label,
			m.wall.Round(time.Millisecond), m.wall.Seconds()/base.wall.Seconds(),
			m.cpu.Round(time.Millisecond), m.cpu.Seconds()/base.cpu.Seconds(), m.maxRSS>>20)
	}
}

// median is the run whose wall time is the median (CPU and RSS are
// taken per field, so each is the median of its own).
func median(rs []result) result {
	pick := func(less func(a, b result) bool) result {
		s := append([]result(nil), rs...)
		sort.Slice(s, func(i, j int) bool { return less(s[i], s[j]) })
		return s[len(s)/2]
	}
	return result{
		wall:   pick(func(a, b result) bool { return a.wall < b.wall }).wall,
		cpu:    pick(func(a, b result) bool { return a.cpu < b.cpu }).cpu,
		maxRSS: pick(func(a, b result) bool { return a.maxRSS < b.maxRSS }).maxRSS,
	}
}

// loadAvg is the 1-minute load average, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// paths are the n manifest files of the repository at root.
func paths(root string, n int) []string {
	out := make([]string, n)
	for i := range out {
		rel, _ := meshrepo.Manifest(i)
		out[i] = filepath.Join(root, filepath.FromSlash(rel))
	}
	return out
}

// generate writes the repository with up to GOMAXPROCS writers.
func generate(root string, n int) error {
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
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	// One Application per directory of apps/: Argo CD refuses a directory
	// source over 10 MiB of manifests, and so does check.
	var apps bytes.Buffer
	for d := 0; d < min(n, 100); d++ {
		fmt.Fprintf(&apps, appTemplate, d)
	}
	app := filepath.Join(root, "argocd", "apps.yaml")
	if err := os.MkdirAll(filepath.Dir(app), 0o755); err != nil {
		return err
	}
	return os.WriteFile(app, apps.Bytes(), 0o644)
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

// measure runs args with env added, its output discarded, and reads its
// resource usage.
func measure(args []string, env string) (result, error) {
	cmd := exec.Command(args[0], args[1:]...)
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
		return result{}, fmt.Errorf("running %s: %w", args[0], err)
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
		fmt.Fprintf(os.Stderr, "%s exited %d:\n%s%s\n", args[0], r.code, stderr.String(), out)
	}
	return r, nil
}
