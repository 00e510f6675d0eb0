package dashboard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/redact"
)

// Exposed reports whether a listen address is reachable from other
// machines: any host but localhost or a loopback address (an empty host is
// every interface). Serve with Options.AllowRemote set to it.
func Exposed(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("%q: want HOST:PORT, e.g. 127.0.0.1:8090 or 0.0.0.0:8090", addr)
	}
	if host == "localhost" {
		return false, nil
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip == nil || !ip.IsLoopback(), nil
}

// Serve answers on ln with h until ctx ends, then lets requests in flight
// finish for up to 5 s (the event streams end with ctx).
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serving the dashboard: %s", redact.Text(err.Error()))
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}
