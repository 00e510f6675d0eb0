package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/gitshift/gitshift/internal/errkind"
)

// PortInUseError reports a port the lab wanted that something else holds.
type PortInUseError struct {
	Port  int
	Owner string // the lab component that wanted it
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port 127.0.0.1:%d for %s is already in use (stop whatever listens there, or choose another port)", e.Port, e.Owner)
}

// ErrorKind: something else holds the port.
func (e *PortInUseError) ErrorKind() errkind.Kind { return errkind.Conflict }

// PortAllocator hands out distinct free loopback ports. Fixed ports are
// checked; port 0 means "any free port".
type PortAllocator struct {
	taken  map[int]bool
	listen func(port int) (net.Listener, error)
}

// NewPortAllocator returns an allocator probing real loopback ports.
func NewPortAllocator() *PortAllocator {
	return &PortAllocator{taken: map[int]bool{}, listen: func(port int) (net.Listener, error) {
		return net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}}
}

// Port returns want if it is free, or a free port when want is 0.
func (a *PortAllocator) Port(owner string, want int) (int, error) {
	if want != 0 {
		if a.taken[want] {
			return 0, fmt.Errorf("port %d is assigned twice (for %s and another lab component)", want, owner)
		}
		ln, err := a.listen(want)
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				return 0, &PortInUseError{Port: want, Owner: owner}
			}
			return 0, fmt.Errorf("checking port %d for %s: %w", want, owner, err)
		}
		ln.Close()
		a.taken[want] = true
		return want, nil
	}
	for range 50 {
		ln, err := a.listen(0)
		if err != nil {
			return 0, fmt.Errorf("finding a free port for %s: %w", owner, err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !a.taken[p] {
			a.taken[p] = true
			return p, nil
		}
	}
	return 0, fmt.Errorf("finding a free port for %s: no distinct port after 50 tries", owner)
}

// Prefer returns want if it is free, else any free port. A restarted lab
// keeps its previous ports this way, so kubeconfigs and URLs stay valid.
func (a *PortAllocator) Prefer(owner string, want int) (int, error) {
	if want != 0 && !a.taken[want] {
		if p, err := a.Port(owner, want); err == nil {
			return p, nil
		}
	}
	return a.Port(owner, 0)
}

// CheckPortFree returns a *PortInUseError if 127.0.0.1:port is taken.
func CheckPortFree(owner string, port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return &PortInUseError{Port: port, Owner: owner}
		}
		return fmt.Errorf("checking port %d for %s: %w", port, owner, err)
	}
	return ln.Close()
}

// portLockPath is the machine-wide lock a starting lab holds from picking
// its ports until its components listen on them. Ports are picked by
// binding to :0 and releasing, so two labs starting at once (CI runs
// suites in parallel) could otherwise be handed the same port.
func portLockPath() string { return filepath.Join(os.TempDir(), "gitshift-lab-ports.lock") }

// lockPorts takes the lock at path, saying once on progress when another
// lab holds it, and gives up when ctx ends. It returns the release func.
func lockPorts(ctx context.Context, path string, progress io.Writer) (func(), error) {
	return lockFile(ctx, path, func() {
		fmt.Fprintf(progress, "waiting for another lab on this machine to finish starting (lock %s)\n", path)
	})
}
