//go:build unix

package source

import (
	"errors"
	"io/fs"
	"syscall"
)

// rawFile is a descriptor read with plain system calls. os.Open puts every
// file into non-blocking mode and tries to register it with the runtime
// poller (five failing or undone system calls for a regular file), and
// os.ReadFile adds an fstat of its own; reading a small manifest this way
// takes open, fstat, read, read, close.
type rawFile struct{ fd int }

// openRegular opens path without blocking (O_NONBLOCK: opening a named
// pipe does not wait for a writer) and returns its size and mode from
// fstat. Reading a regular file ignores O_NONBLOCK.
func openRegular(path string) (rawFile, int64, fs.FileMode, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.ENXIO) {
		// A socket, or a device without a driver: not a regular file.
		return rawFile{fd: -1}, 0, fs.ModeSocket, nil
	}
	if err != nil {
		return rawFile{fd: -1}, 0, 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := rawFile{fd: fd}
	var st syscall.Stat_t
	for {
		err = syscall.Fstat(fd, &st)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.close()
		return rawFile{fd: -1}, 0, 0, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return f, st.Size, fileMode(uint32(st.Mode)), nil
}

// fileMode keeps the type bits of a stat mode.
func fileMode(m uint32) fs.FileMode {
	switch m & syscall.S_IFMT {
	case syscall.S_IFREG:
		return 0
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	case syscall.S_IFCHR, syscall.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}

func (f rawFile) read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(f.fd, p)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}

func (f rawFile) close() {
	if f.fd >= 0 {
		syscall.Close(f.fd)
	}
}
