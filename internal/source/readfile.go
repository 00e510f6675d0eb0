package source

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// Every file a render reads comes from the repository, which is input
// like any other: a named pipe must not block the read, a socket or a
// device must not be opened, and a huge file must be refused from its size
// before it costs memory. Directory sources and FindApplications read
// every manifest of the repository, and a manifest is small: the cost is
// in the system calls and the buffer, not in the bytes, so the hot path
// reads into a pooled buffer sized from fstat, without the runtime poller
// (see openRegular).

// ErrNotRegular is returned for a path that is not a regular file (named
// pipe, socket, device or directory); errors.Is matches it.
var ErrNotRegular = errors.New("not a regular file")

// SizeError is returned for a file over the read limit, from its size and
// before it is read.
type SizeError struct {
	Size  int64 // bytes, at least; a file that grew while read counts so far
	Limit int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("file is %d bytes, over the limit of %d bytes", e.Size, e.Limit)
}

// notRegular wraps ErrNotRegular with the kind of file it was.
func notRegular(mode fs.FileMode) error {
	kind := "special file"
	switch {
	case mode.IsDir():
		kind = "directory"
	case mode&fs.ModeNamedPipe != 0:
		kind = "named pipe"
	case mode&fs.ModeSocket != 0:
		kind = "socket"
	case mode&fs.ModeDevice != 0:
		kind = "device"
	}
	return fmt.Errorf("%w (%s)", ErrNotRegular, kind)
}

// ReadFile returns the content of path (symlinks followed) if it is a
// regular file of at most limit bytes. It stats before it opens, so a
// special file is never opened.
func ReadFile(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(fi.Mode())
	}
	if fi.Size() > limit {
		return nil, &SizeError{Size: fi.Size(), Limit: limit}
	}
	return readFile(path, nil, limit)
}

// bufPool holds read buffers (*[]byte), sized for a typical manifest.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 16<<10)
	return &b
}}

// withFile calls fn with the content of path, which the caller found to
// be a regular file (from its directory entry), or returns the error
// ReadFile would. data is only valid during fn: it is reused afterwards.
func withFile(path string, limit int64, fn func(data []byte)) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	data, err := readFile(path, (*bp)[:0], limit)
	*bp = data[:0]
	if err != nil {
		return err
	}
	fn(data)
	return nil
}

// readFile appends path's content to buf. The descriptor is checked with
// fstat after opening (non-blocking, so a file swapped for a pipe since it
// was listed cannot block): only a regular file of at most limit bytes is
// read, and never more than limit bytes of it.
func readFile(path string, buf []byte, limit int64) ([]byte, error) {
	f, size, mode, err := openRegular(path)
	if err != nil {
		return buf, err
	}
	defer f.close()
	if !mode.IsRegular() {
		return buf, notRegular(mode)
	}
	if size > limit {
		return buf, &SizeError{Size: size, Limit: limit}
	}
	// One byte more than the size: reading 0 there is the end of file.
	if want := len(buf) + int(size) + 1; cap(buf) < want {
		nb := make([]byte, len(buf), want)
		copy(nb, buf)
		buf = nb
	}
	start := len(buf)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow: the file grew since fstat
		}
		n, err := f.read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)-start) > limit {
			return buf, &SizeError{Size: int64(len(buf) - start), Limit: limit}
		}
		if err != nil {
			return buf, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
	}
}

// fileContains reports whether the regular file at path holds needle,
// reading it in chunks: memory stays bounded whatever its size.
func fileContains(path string, needle []byte) (bool, error) {
	f, _, mode, err := openRegular(path)
	if err != nil {
		return false, err
	}
	defer f.close()
	if !mode.IsRegular() {
		return false, notRegular(mode)
	}
	buf := make([]byte, 64<<10)
	keep := 0 // bytes carried over: a match may straddle two chunks
	for {
		n, err := f.read(buf[keep:])
		if err != nil {
			return false, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return false, nil
		}
		end := keep + n
		if bytes.Contains(buf[:end], needle) {
			return true, nil
		}
		keep = min(len(needle)-1, end)
		copy(buf, buf[end-keep:end])
	}
}
