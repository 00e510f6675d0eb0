package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Reading and decoding a directory source's files is almost all of a
// directory render (yaml.v3 parsing dominates), and files are independent,
// so the walk only records, in Argo CD's walk order, what it decided
// (ignored files and files to read, already checked against the combined
// size limit); a bounded pool of workers reads and decodes the files; then
// apply replays the steps in order. Everything order-dependent (which
// error is reported first, the order of objects, files and ignored
// entries) happens in that sequential replay, so the result is the one a
// sequential read gives.

// walkStep is one decision of the walk: a file to read, or an ignore entry.
type walkStep struct {
	file *fileJob
	ig   Ignored
}

// fileJob is one manifest file; a worker fills the outcome and sets done.
type fileJob struct {
	path, rel string
	limit     int64       // bytes the combined size limit leaves for this file
	size      int64       // the size the walk saw
	maxSize   int64       // the combined limit, for the message
	entry     fs.DirEntry // a regular file's directory entry, for measure to stat
	statErr   error

	done    bool
	readErr error
	skip    bool // holds the skip-rendering marker
	objs    []Object
	warns   []Warning
	notK8s  bool // silently ignored as not Kubernetes
	err     error
	read    []string // files a Jsonnet file imported
}

// load reads and decodes the file as the sequential walk did.
func (j *fileJob) load(ctx context.Context, skipMarkerOn bool, jr *jsonnetRunner, cache *Cache) {
	j.done = true
	if strings.HasSuffix(j.path, ".jsonnet") {
		j.objs, j.read, j.err = jr.eval(ctx, j.path)
		return
	}
	decode := func(data []byte) {
		if skipMarkerOn && bytes.Contains(data, []byte(skipMarker)) {
			j.skip = true
			return
		}
		j.objs, j.warns, j.notK8s, j.err = decodeManifestFile(j.rel, data)
	}
	if data, ok := cache.take(j.path, j.size); ok && int64(len(data)) <= j.limit {
		decode(data)
		return
	}
	err := withFile(j.path, j.limit, decode)
	var se *SizeError
	switch {
	case errors.As(err, &se): // it grew since the walk measured it
		j.readErr = &ManifestError{File: j.rel, Msg: fmt.Sprintf("exceeded max combined manifest file size %d", j.maxSize)}
	case err != nil:
		j.readErr = fmt.Errorf("reading %s: %w", j.rel, err)
	}
}

func (j *fileJob) failed() bool { return j.readErr != nil || j.err != nil }

// loadAll runs load on every job with up to GOMAXPROCS workers. Jobs after
// a failed one are skipped (the replay stops there); the replay loads a
// skipped job itself if it reaches it, so skipping only ever saves work.
func loadAll(ctx context.Context, jobs []*fileJob, skipMarkerOn bool, jr *jsonnetRunner, cache *Cache) {
	inParallel(len(jobs), func(i int) bool {
		if ctx.Err() != nil {
			return true
		}
		j := jobs[i]
		j.load(ctx, skipMarkerOn, jr, cache)
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

// queue records a file to read, with its size or the directory entry to
// stat for it; measure counts it against the limit, apply reads it.
func (w *dirWalk) queue(path string, size int64, entry fs.DirEntry) {
	w.steps = append(w.steps, walkStep{file: &fileJob{path: path, rel: w.rel(path), size: size, entry: entry, maxSize: w.maxSize}})
}

// apply loads the queued files and replays the walk's steps in order,
// exactly as a sequential read handled each file.
func (w *dirWalk) apply(ctx context.Context) error {
	var jobs []*fileJob
	for _, s := range w.steps {
		if s.file != nil {
			jobs = append(jobs, s.file)
		}
	}
	loadAll(ctx, jobs, w.skipMarker, w.jsonnet, w.cache)
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
			j.load(ctx, w.skipMarker, w.jsonnet, w.cache)
		}
		if j.readErr != nil {
			return j.readErr
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
		w.res.ReadFiles = append(append(w.res.ReadFiles, j.rel), j.read...)
	}
	return nil
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
