package lab

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gitshift/gitshift/internal/tlsca"
)

// PKI is the lab cluster's key material, all generated in Go.
type PKI struct {
	CACert        string // CA certificate (PEM) that signed the serving cert
	ServingCert   string // kube-apiserver serving certificate
	ServingKey    string
	SAKey         string // service-account signing key (RSA, PKCS#1)
	SAPub         string // its public key, for kube-apiserver's verification
	AdminToken    string // bearer token of the lab admin (system:masters)
	TokenAuthFile string // kube-apiserver --token-auth-file
}

// pkiValidity outlives any lab: the PKI is kept across restarts.
const pkiValidity = 10 * 365 * 24 * time.Hour

// GeneratePKI writes the lab's certificates, keys and token file into dir,
// reusing them when they already exist (restarts keep kubeconfigs valid).
func GeneratePKI(dir string) (*PKI, error) {
	p := &PKI{
		CACert:        filepath.Join(dir, "ca.crt"),
		ServingCert:   filepath.Join(dir, "apiserver.crt"),
		ServingKey:    filepath.Join(dir, "apiserver.key"),
		SAKey:         filepath.Join(dir, "sa.key"),
		SAPub:         filepath.Join(dir, "sa.pub"),
		TokenAuthFile: filepath.Join(dir, "tokens.csv"),
	}
	tokenPath := filepath.Join(dir, "admin.token")
	if allExist(p.CACert, p.ServingCert, p.ServingKey, p.SAKey, p.SAPub, p.TokenAuthFile, tokenPath) {
		b, err := os.ReadFile(tokenPath)
		if err != nil {
			return nil, fmt.Errorf("reading admin token: %w", err)
		}
		p.AdminToken = string(b)
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating pki dir: %w", err)
	}
	ca, err := tlsca.New("gitshift-lab-ca", pkiValidity)
	if err != nil {
		return nil, fmt.Errorf("lab CA: %w", err)
	}
	srvCert, srvKey, err := ca.Serving("kube-apiserver", []string{"127.0.0.1", "10.0.0.1", "localhost",
		"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}, pkiValidity)
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver serving certificate: %w", err)
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generating service-account key: %w", err)
	}
	saPubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encoding service-account public key: %w", err)
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, fmt.Errorf("generating admin token: %w", err)
	}
	p.AdminToken = hex.EncodeToString(tok)
	files := []struct {
		path string
		data []byte
	}{
		{p.CACert, ca.CertPEM()},
		{p.ServingCert, srvCert},
		{p.ServingKey, srvKey},
		{p.SAKey, pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey))},
		{p.SAPub, pemBlock("PUBLIC KEY", saPubDER)},
		// token,user,uid,"group1,group2"
		{p.TokenAuthFile, []byte(p.AdminToken + ",gitshift-lab-admin,gitshift-lab-admin,\"system:masters\"\n")},
		{tokenPath, []byte(p.AdminToken)},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
			return nil, fmt.Errorf("writing %s: %w", f.path, err)
		}
	}
	return p, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func allExist(paths ...string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}
