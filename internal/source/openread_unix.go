//go:build unix

package source

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openRead opens path for reading like os.Open, minus what a regular file
// does not need: on Linux os.Open puts every file into non-blocking mode
// and tries to register it with the runtime poller (five failing or
// undone system calls), and os.ReadFile adds an fstat. A blocking
// descriptor handed to os.NewFile is used as it is, so reading a small
// manifest takes 5 system calls instead of 10.
func openRead(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
