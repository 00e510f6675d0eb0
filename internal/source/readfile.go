package source

import (
	"errors"
	"io"
	"sync"
)

// Directory sources and FindApplications read every manifest of the
// repository, and a manifest is small: the cost is in the system calls
// and the buffer, not in the bytes. readFile reads into a pooled buffer
// (os.ReadFile allocates one per file, garbage once the file is decoded)
// and opens files without the runtime poller (see openRead).

// bufPool holds read buffers (*[]byte), sized for a typical manifest.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 16<<10)
	return &b
}}

// withFile calls fn with the content of path, or returns the error that
// os.ReadFile would. data is only valid during fn: it is reused afterwards.
func withFile(path string, fn func(data []byte)) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	data, err := readFile(path, (*bp)[:0])
	*bp = data
	if err != nil {
		return err
	}
	fn(data)
	return nil
}

// readFile appends path's content to buf.
func readFile(path string, buf []byte) ([]byte, error) {
	f, err := openRead(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
