// Package metrics reads Istio's standard metrics from Prometheus as integer
// counts per subset (stats.Counts): requests, errors and latency histogram
// buckets in seconds, as differences of raw counter samples. It never uses rate() or increase():
// those extrapolate to the window's edges and return fractions, and the
// statistics downstream need the integers that were actually counted.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/redact"
)

// Querier is the one call this package needs from Prometheus: an instant
// query (which may select a range vector of raw samples). Tests and other
// backends implement it without an HTTP server.
type Querier interface {
	Query(ctx context.Context, promql string, at time.Time) (model.Value, error)
}

// UnavailableError means Prometheus could not be asked or could not answer
// (down, wrong URL, overloaded). Callers report "could not check" (exit 2).
type UnavailableError struct {
	URL string
	Err error
}

func (e *UnavailableError) Error() string {
	return redact.Text(fmt.Sprintf("cannot query Prometheus at %s: %v", e.URL, e.Err))
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// ErrorKind: nothing could be checked.
func (e *UnavailableError) ErrorKind() errkind.Kind { return errkind.Unavailable }

// IsUnavailable reports whether err is an *UnavailableError.
func IsUnavailable(err error) bool {
	var ue *UnavailableError
	return errors.As(err, &ue)
}

// Prometheus queries a Prometheus server's HTTP API.
type Prometheus struct {
	url string
	api promv1.API
	// Timeout bounds each query, so that a hung Prometheus (accepting
	// connections, never answering) is reported as unavailable.
	Timeout time.Duration
}

var _ Querier = (*Prometheus)(nil)

// NewPrometheus returns a client for the server at rawURL (e.g.
// http://127.0.0.1:9090). It does no I/O.
func NewPrometheus(rawURL string) (*Prometheus, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("invalid Prometheus URL %q: want e.g. http://prometheus:9090", redact.URL(rawURL))
	}
	c, err := api.NewClient(api.Config{Address: rawURL})
	if err != nil {
		return nil, fmt.Errorf("prometheus client: %w", err)
	}
	return &Prometheus{url: redact.URL(rawURL), api: promv1.NewAPI(c), Timeout: 30 * time.Second}, nil
}

// Query runs promql at time at.
func (p *Prometheus) Query(ctx context.Context, promql string, at time.Time) (model.Value, error) {
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	v, _, _, err := p.api.Query(ctx, promql, at)
	if err != nil {
		if unavailable(err) {
			return nil, &UnavailableError{URL: p.url, Err: err}
		}
		return nil, fmt.Errorf("prometheus query %q: %w", promql, redact.Error(err))
	}
	return v, nil
}

// unavailable separates "Prometheus did not answer" from "Prometheus
// rejected the query": only the first is a reason to retry later.
func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *promv1.Error
	if errors.As(err, &apiErr) {
		switch apiErr.Type {
		case promv1.ErrBadData, promv1.ErrExec, promv1.ErrCanceled:
			return false
		}
		// server_error, timeout, and client_error without an API body
		// (404/401/403: not a Prometheus, or not allowed).
		return true
	}
	// Anything else comes from the HTTP transport: refused, DNS, TLS, timeout.
	return true
}
