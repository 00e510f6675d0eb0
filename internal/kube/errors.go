package kube

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/gitshift/gitshift/internal/errkind"
)

// UnreachableError means the API server could not be asked at all (network,
// TLS, server unavailable). Callers treat it as "could not check" (exit 2),
// never as "the check failed".
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the Kubernetes API server %s: %v", e.Host, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ErrorKind: nothing could be checked.
func (e *UnreachableError) ErrorKind() errkind.Kind { return errkind.Unavailable }

// ConfigError means no usable kubeconfig/context was found.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return fmt.Sprintf("kubeconfig: %v", e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }

// ErrorKind: without a usable kubeconfig no cluster can be asked.
func (e *ConfigError) ErrorKind() errkind.Kind { return errkind.Unavailable }

// NoKindError means the API server does not serve a kind Git renders (e.g. the
// Istio CRDs are not installed).
type NoKindError struct {
	Group, Kind string
	Err         error
}

func (e *NoKindError) Error() string {
	g := e.Group
	if g == "" {
		g = "core"
	}
	return fmt.Sprintf("the API server does not serve %s (%s): %v", e.Kind, g, e.Err)
}

func (e *NoKindError) Unwrap() error { return e.Err }

// classify turns transport-level failures into *UnreachableError and leaves
// every other error (NotFound, Forbidden, validation) as it is, so callers
// can still use apierrors.IsNotFound.
func classify(err error, host string) error {
	if err == nil || !isUnreachable(err) {
		return err
	}
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return err
	}
	return &UnreachableError{Host: host, Err: err}
}

func isUnreachable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var (
		opErr  *net.OpError
		dnsErr *net.DNSError
		urlErr *url.Error
		x509U  x509.UnknownAuthorityError
		x509H  x509.HostnameError
		x509C  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &opErr), errors.As(err, &dnsErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &x509U), errors.As(err, &x509H), errors.As(err, &x509C):
		return true
	case errors.As(err, &urlErr):
		return urlErr.Timeout() || isUnreachable(urlErr.Err)
	}
	return apierrors.IsServiceUnavailable(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
}

// IsUnreachable reports whether err means the API server could not be asked.
func IsUnreachable(err error) bool {
	var ue *UnreachableError
	return errors.As(err, &ue)
}
