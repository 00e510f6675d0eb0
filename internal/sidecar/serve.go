package sidecar

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Config configures Serve.
type Config struct {
	// ListenAddr is the TLS listen address, e.g. 127.0.0.1:9443. Required.
	ListenAddr string
	// CertFile and KeyFile are the serving certificate and key (PEM), e.g.
	// those GenerateCerts wrote. Required.
	CertFile, KeyFile string
	// ProxyImage is the istio-proxy image; DefaultProxyImage when empty.
	ProxyImage string
	// Log receives the webhook's logs; slog.Default() when nil.
	Log *slog.Logger
}

// InjectPath is where the webhook listens, Istio's path.
const InjectPath = "/inject"

// Serve runs the webhook over HTTPS until ctx is cancelled, then shuts down
// gracefully. It returns nil after a cancellation and an error if it could
// not listen or load the certificate.
func Serve(ctx context.Context, cfg Config) error {
	if cfg.ListenAddr == "" || cfg.CertFile == "" || cfg.KeyFile == "" {
		return errors.New("sidecar webhook: listen address, cert file and key file are required")
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return fmt.Errorf("loading webhook certificate %s: %w", cfg.CertFile, err)
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("sidecar webhook listening on %s: %w", cfg.ListenAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle(InjectPath, &Handler{ProxyImage: cfg.ProxyImage, Log: log})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	log.Info("sidecar injector listening", "addr", ln.Addr().String(), "path", InjectPath)
	select {
	case err := <-errc:
		return fmt.Errorf("sidecar webhook: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("sidecar webhook shutdown: %w", err)
	}
	return nil
}
