package lab

import (
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/sidecar"
)

// newLabInjectorCommand runs the sidecar-injection webhook as a lab component.
func newLabInjectorCommand(_ command.Streams) *cobra.Command {
	var listen, certDir, image string
	cmd := &cobra.Command{
		Use:    "injector",
		Short:  "internal: run the lab's sidecar-injection webhook (started by `gitshift lab up`)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return sidecar.Serve(ctx, sidecar.Config{
				ListenAddr: listen,
				CertFile:   filepath.Join(certDir, sidecar.CertFileName),
				KeyFile:    filepath.Join(certDir, sidecar.KeyFileName),
				ProxyImage: image,
			})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:9443", "TLS listen address")
	cmd.Flags().StringVar(&certDir, "cert-dir", "", "directory holding tls.crt and tls.key")
	cmd.Flags().StringVar(&image, "proxy-image", "", "istio-proxy image (default: the injector's)")
	_ = cmd.MarkFlagRequired("cert-dir")
	return cmd
}
