package sidecar

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gitshift/gitshift/internal/tlsca"
)

// File names GenerateCerts writes in its directory.
const (
	CAFileName   = "ca.crt"
	CertFileName = "tls.crt"
	KeyFileName  = "tls.key"
)

// certValidity is long enough for any lab session; the CA is regenerated on
// every call, so nothing outlives the lab folder.
const certValidity = 365 * 24 * time.Hour

// GenerateCerts writes a fresh ECDSA P-256 CA (ca.crt) and a serving
// certificate signed by it (tls.crt, tls.key) for hosts (IP addresses become
// IP SANs, anything else DNS SANs; 127.0.0.1 when empty) into dir, and
// returns the CA in PEM for the webhook configuration's caBundle.
func GenerateCerts(dir string, hosts []string) ([]byte, error) {
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1"}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating cert dir: %w", err)
	}
	ca, err := tlsca.New("gitshift lab sidecar-injector CA", certValidity)
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := ca.Serving(hosts[0], hosts, certValidity)
	if err != nil {
		return nil, err
	}
	caPEM := ca.CertPEM()
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{CAFileName, caPEM, 0o644},
		{CertFileName, certPEM, 0o644},
		{KeyFileName, keyPEM, 0o600},
	}
	var errs []error
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", f.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return caPEM, nil
}
