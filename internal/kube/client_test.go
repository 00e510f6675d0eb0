package kube

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const kubeconfig = `apiVersion: v1
kind: Config
current-context: lab
clusters:
- name: lab
  cluster: {server: "https://127.0.0.1:%PORT%", insecure-skip-tls-verify: true}
- name: other
  cluster: {server: "https://127.0.0.2:6443"}
users:
- name: admin
  user: {token: t0k3n}
contexts:
- name: lab
  context: {cluster: lab, user: admin, namespace: bookinfo}
- name: other
  context: {cluster: other, user: admin}
`

func writeKubeconfig(t *testing.T, port string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	data := []byte(strings.ReplaceAll(kubeconfig, "%PORT%", port))
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewSelectsContextLikeKubectl(t *testing.T) {
	kc := writeKubeconfig(t, "6443")
	tests := []struct {
		name     string
		opts     Options
		wantHost string
		wantNS   string
		wantErr  bool
	}{
		{"current context", Options{Kubeconfig: kc}, "https://127.0.0.1:6443", "bookinfo", false},
		{"explicit context", Options{Kubeconfig: kc, Context: "other"}, "https://127.0.0.2:6443", "default", false},
		{"-n wins", Options{Kubeconfig: kc, Namespace: "canary"}, "https://127.0.0.1:6443", "canary", false},
		{"unknown context", Options{Kubeconfig: kc, Context: "nope"}, "", "", true},
		{"missing file", Options{Kubeconfig: filepath.Join(t.TempDir(), "none")}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts)
			if tt.wantErr {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want *ConfigError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Host() != tt.wantHost || c.Namespace != tt.wantNS {
				t.Errorf("host/ns = %s/%s, want %s/%s", c.Host(), c.Namespace, tt.wantHost, tt.wantNS)
			}
		})
	}
}

func TestPingUnreachable(t *testing.T) {
	// A port that was just free: connection refused, the common case of an
	// API server that is down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	c, err := New(Options{Kubeconfig: writeKubeconfig(t, port), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Ping(context.Background())
	var ue *UnreachableError
	if !errors.As(err, &ue) || !IsUnreachable(err) {
		t.Fatalf("Ping = %v, want *UnreachableError", err)
	}
}

func TestClassifyLeavesOtherErrors(t *testing.T) {
	err := errors.New("admission webhook denied")
	if got := classify(err, "h"); got != err {
		t.Errorf("classify changed a non-transport error: %v", got)
	}
	if got := classify(context.Canceled, "h"); IsUnreachable(got) {
		t.Error("a cancelled context is not an unreachable server")
	}
}
