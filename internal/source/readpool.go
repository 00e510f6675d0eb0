package source

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Reading and decoding a directory source's files is almost all of a
// directory render (yaml.v3 parsing dominates), and files are independent,
// so the walk only records, in Argo CD's walk order, what it decided
// (ignored files, files to read, and the error that stopped it); a bounded
// pool of workers reads and decodes the files; then apply replays the
// steps in order. Everything order-dependent (the combined size limit,
// which error is reported first, the order of objects, files and ignored
// entries) happens in that sequential replay, so the result is the one a
// sequential walk gives.

// walkStep is one decision of the walk: a file to read, or an ignore entry.
type walkStep struct {
	file *fileJob
	ig   Ignored
}

// fileJob is one manifest file; a worker fills the outcome and sets done.
type fileJob struct {
	path, rel string

	done    bool
	size    int64
	readErr error
	skip    bool // holds the skip-rendering marker
	objs    []Object
	warns   []Warning
	notK8s  bool // silently ignored as not Kubernetes
	err     error
}

// load reads and decodes the file as the sequential walk did.
func (j *fileJob) load(skipMarkerOn bool) {
	j.done = true
	err := withFile(j.path, func(data []byte) {
		j.size = int64(len(data))
		if skipMarkerOn && bytes.Contains(data, []byte(skipMarker)) {
			j.skip = true
			return
		}
		j.objs, j.warns, j.notK8s, j.err = decodeManifestFile(j.rel, data)
	})
	if err != nil {
		j.readErr = fmt.Errorf("reading %s: %w", j.rel, err)
	}
}

func (j *fileJob) failed() bool { return j.readErr != nil || j.err != nil }

// loadAll runs load on every job with up to GOMAXPROCS workers. Work that
// the replay cannot use is skipped: jobs after a failed one (the replay
// stops there), and jobs once the bytes read exceed maxSize (the replay
// fails at or before them). The replay loads a skipped job itself if it
// reaches it, so skipping only ever saves work.
func loadAll(ctx context.Context, jobs []*fileJob, skipMarkerOn bool, maxSize int64) {
	var read atomic.Int64
	inParallel(len(jobs), func(i int) bool {
		if read.Load() > maxSize || ctx.Err() != nil {
			return true
		}
		j := jobs[i]
		j.load(skipMarkerOn)
		read.Add(j.size)
		return !j.failed()
	})
}

// inParallel calls fn(i) for i in [0, n) on up to GOMAXPROCS goroutines,
// in increasing order of start. When fn returns false, indexes after that
// one are no longer started: callers replay results in order and stop at
// the first failure, so later work would be wasted.
func inParallel(n int, fn func(i int) (ok bool)) {
	var next atomic.Int64
	var stop atomic.Int64 // lowest failed index
	stop.Store(int64(n))
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || i > stop.Load() {
					return
				}
				if !fn(int(i)) {
					lowerTo(&stop, i)
				}
			}
		}()
	}
	wg.Wait()
}

// queue records a file to read; read it later with apply.
func (w *dirWalk) queue(path string) {
	w.steps = append(w.steps, walkStep{file: &fileJob{path: path, rel: w.rel(path)}})
}

// apply loads the queued files and replays the walk's steps in order,
// exactly as the sequential walk handled each file. walkErr is the error
// that stopped the walk; it counts only if no earlier file failed.
func (w *dirWalk) apply(ctx context.Context, walkErr error) error {
	var jobs []*fileJob
	for _, s := range w.steps {
		if s.file != nil {
			jobs = append(jobs, s.file)
		}
	}
	loadAll(ctx, jobs, w.skipMarker, w.maxSize)
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, s := range w.steps {
		j := s.file
		if j == nil {
			w.res.Ignored = append(w.res.Ignored, s.ig)
			continue
		}
		if !j.done {
			j.load(w.skipMarker)
		}
		if j.readErr != nil {
			return j.readErr
		}
		// Argo CD sums sizes before reading; the outcome is the same and
		// this saves a stat per file.
		w.total += j.size
		if w.total > w.maxSize {
			return &ManifestError{File: j.rel, Msg: fmt.Sprintf("exceeded max combined manifest file size %d", w.maxSize)}
		}
		switch {
		case j.skip:
			w.res.Ignored = append(w.res.Ignored, Ignored{File: j.rel, Reason: IgnoredSkipMarker, Detail: skipMarker})
			continue
		case j.err != nil:
			return j.err
		case j.notK8s:
			w.res.Ignored = append(w.res.Ignored, Ignored{File: j.rel, Reason: IgnoredNotK8s, Detail: "first document is not a Kubernetes object"})
			continue
		}
		w.objs = append(w.objs, j.objs...)
		w.res.Warnings = append(w.res.Warnings, j.warns...)
		w.res.Files = append(w.res.Files, j.rel)
		w.res.ReadFiles = append(w.res.ReadFiles, j.rel)
	}
	return walkErr
}

// lowerTo sets v to i if i is lower.
func lowerTo(v *atomic.Int64, i int64) {
	for {
		cur := v.Load()
		if i >= cur || v.CompareAndSwap(cur, i) {
			return
		}
	}
}
