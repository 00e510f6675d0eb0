package tlsca

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"slices"
	"testing"
	"time"
)

// TestServingVerifies: a serving certificate verifies against its CA for
// each host it names, and for no other host.
func TestServingVerifies(t *testing.T) {
	ca, err := New("test CA", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Serving("kube-apiserver", []string{"127.0.0.1", "localhost", "kubernetes.default.svc"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("certificate and key do not match: %v", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca.CertPEM()) {
		t.Fatal("CA PEM does not parse")
	}
	tests := []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1", true}, {"localhost", true}, {"kubernetes.default.svc", true},
		{"10.0.0.1", false}, {"example.com", false},
	}
	for _, tt := range tests {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: tt.host, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if (err == nil) != tt.ok {
			t.Errorf("verify for %s: %v, want ok=%v", tt.host, err, tt.ok)
		}
	}
	if !slices.ContainsFunc(leaf.IPAddresses, func(ip net.IP) bool { return ip.Equal(net.ParseIP("127.0.0.1")) }) || slices.Contains(leaf.DNSNames, "127.0.0.1") {
		t.Errorf("IP host not an IP SAN: IPs %v, DNS %v", leaf.IPAddresses, leaf.DNSNames)
	}
	if leaf.Subject.CommonName != "kube-apiserver" || !ca.Cert.IsCA || !ca.Cert.MaxPathLenZero {
		t.Errorf("names or CA constraints: leaf %q, CA %v/%v", leaf.Subject.CommonName, ca.Cert.IsCA, ca.Cert.MaxPathLenZero)
	}
	if _, _, err := ca.Serving("x", nil, time.Hour); err == nil {
		t.Error("a serving certificate without hosts was issued")
	}
}
