package lab

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPortAllocator(t *testing.T) {
	busy := map[int]bool{8080: true}
	next := 40000
	fake := func(port int) (net.Listener, error) {
		if busy[port] {
			return nil, &net.OpError{Op: "listen", Err: syscall.EADDRINUSE}
		}
		if port == 0 {
			next++
			port = next
		}
		return fakeListener{port: port}, nil
	}
	tests := []struct {
		name      string
		fixed     []int
		wantErr   error
		wantPorts []int
	}{
		{name: "free ports are distinct", fixed: []int{0, 0, 0}, wantPorts: []int{40001, 40002, 40003}},
		{name: "fixed free port kept", fixed: []int{9000, 0}, wantPorts: []int{9000, 40001}},
		{name: "busy fixed port", fixed: []int{8080}, wantErr: &PortInUseError{}},
		{name: "same fixed port twice", fixed: []int{9000, 9000}, wantErr: errors.New("twice")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next = 40000
			a := &PortAllocator{taken: map[int]bool{}, listen: fake}
			var got []int
			var err error
			for i, f := range tt.fixed {
				var p int
				p, err = a.Port("c"+strconv.Itoa(i), f)
				if err != nil {
					break
				}
				got = append(got, p)
			}
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("want error, got ports %v", got)
				}
				var pe *PortInUseError
				if _, ok := tt.wantErr.(*PortInUseError); ok && !errors.As(err, &pe) {
					t.Fatalf("want *PortInUseError, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i] != tt.wantPorts[i] {
					t.Fatalf("ports = %v, want %v", got, tt.wantPorts)
				}
			}
		})
	}
}

func TestCheckPortFreeDetectsBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	err = CheckPortFree("kube-apiserver", port)
	var pe *PortInUseError
	if !errors.As(err, &pe) || pe.Port != port {
		t.Fatalf("CheckPortFree(busy) = %v, want *PortInUseError for %d", err, port)
	}
	if got := err.Error(); !contains(got, "kube-apiserver") || !contains(got, strconv.Itoa(port)) {
		t.Errorf("message %q should name the component and the port", got)
	}
}

type fakeListener struct{ port int }

func (f fakeListener) Accept() (net.Conn, error) { return nil, errors.New("fake") }
func (f fakeListener) Close() error              { return nil }
func (f fakeListener) Addr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: f.port} }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestAllocatePortsPrefersPreviousAndFixed(t *testing.T) {
	busy := map[int]bool{5002: true}
	next := 40000
	a := &PortAllocator{taken: map[int]bool{}, listen: func(port int) (net.Listener, error) {
		if busy[port] {
			return nil, &net.OpError{Op: "listen", Err: syscall.EADDRINUSE}
		}
		if port == 0 {
			next++
			port = next
		}
		return fakeListener{port: port}, nil
	}}
	fixed := Ports{Prometheus: 9090}
	prev := Ports{APIServer: 5001, Git: 5002, Prometheus: 5003, Etcd: 9090, Controllers: []ControllerPorts{{Metrics: 5004, Probe: 5002}}}
	got, err := allocatePorts(a, fixed, prev, true, false, 2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want int
	}{
		{"previous free port kept", got.APIServer, 5001},
		{"previous busy port replaced", got.Git, 40001},
		{"fixed port wins over previous", got.Prometheus, 9090},
		{"previous port taken by a fixed one replaced", got.Etcd, 40002},
		{"a replica's previous free port kept", got.Controllers[0].Metrics, 5004},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	if got.Meshsim == 0 {
		t.Error("meshsim port not allocated")
	}
	if len(got.Controllers) != 2 || got.Receiver == 0 {
		t.Fatalf("controller ports %+v, receiver %d: want 2 replicas and a receiver", got.Controllers, got.Receiver)
	}
	seen := map[int]bool{}
	for _, p := range []int{got.Receiver, got.Controllers[0].Metrics, got.Controllers[0].Probe, got.Controllers[1].Metrics, got.Controllers[1].Probe, got.Git} {
		if p == 0 || seen[p] {
			t.Errorf("controller ports %+v receiver %d git %d: a port is missing or given twice", got.Controllers, got.Receiver, got.Git)
		}
		seen[p] = true
	}
}

// TestLockPortsSerializesLabStarts: a second lab waits (and says so) until
// the first releases the lock, and gives up when its context ends.
func TestLockPortsSerializesLabStarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ports.lock")
	release, err := lockPorts(context.Background(), path, io.Discard)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var said strings.Builder
	if _, err := lockPorts(ctx, path, &said); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock while held: %v, want a deadline error", err)
	}
	if !strings.Contains(said.String(), "waiting for another lab") {
		t.Fatalf("no progress line while waiting: %q", said.String())
	}

	got := make(chan error, 1)
	go func() {
		r, err := lockPorts(context.Background(), path, io.Discard)
		if err == nil {
			r()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("second lock taken while the first is held (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second lock not taken after the release")
	}
}
