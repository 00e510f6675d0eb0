package sidecar

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
)

// tlsClient trusts only caPEM, as the API server does with caBundle.
func tlsClient(t *testing.T, caPEM []byte) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA PEM not parseable")
	}
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
}

func reviewFor(t *testing.T, pod *corev1.Pod, op admissionv1.Operation) []byte {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("uid-1"),
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: "bookinfo",
			Operation: op,
			Object:    runtime.RawExtension{Raw: raw},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookTLSRoundTrip(t *testing.T) {
	dir := t.TempDir()
	caPEM, err := GenerateCerts(dir, []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, CertFileName), filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(&Handler{ProxyImage: "example/proxy:1"})
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	client := tlsClient(t, caPEM)

	tests := []struct {
		name      string
		pod       *corev1.Pod
		op        admissionv1.Operation
		wantPatch bool
	}{
		{"create injects", appPod(nil), admissionv1.Create, true},
		{"opted out", appPod(func(p *corev1.Pod) { p.Labels[mesh.InjectKey] = "false" }), admissionv1.Create, false},
		{"update is ignored", appPod(nil), admissionv1.Update, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Post(srv.URL+InjectPath, "application/json", bytes.NewReader(reviewFor(t, tt.pod, tt.op)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var out admissionv1.AdmissionReview
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			r := out.Response
			if r == nil || r.UID != "uid-1" || !r.Allowed {
				t.Fatalf("response = %+v", r)
			}
			if out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" {
				t.Errorf("type meta = %+v", out.TypeMeta)
			}
			if !tt.wantPatch {
				if len(r.Patch) != 0 {
					t.Errorf("unexpected patch %s", r.Patch)
				}
				return
			}
			if r.PatchType == nil || *r.PatchType != admissionv1.PatchTypeJSONPatch {
				t.Fatalf("patch type = %v", r.PatchType)
			}
			var ops []PatchOp
			if err := json.Unmarshal(r.Patch, &ops); err != nil {
				t.Fatal(err)
			}
			got := applyPatch(t, tt.pod, ops)
			if !kube.HasSidecar(got) || got.Spec.Containers[1].Image != "example/proxy:1" {
				t.Errorf("patched pod not injected with the configured image: %+v", got.Spec.Containers)
			}
		})
	}
}

func TestWebhookRejectsGarbage(t *testing.T) {
	rec := httptest.NewRecorder()
	(&Handler{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, InjectPath, bytes.NewReader([]byte("{"))))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", rec.Code)
	}
}

func TestServeLifecycle(t *testing.T) {
	dir := t.TempDir()
	caPEM, err := GenerateCerts(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, Config{ListenAddr: addr, CertFile: filepath.Join(dir, CertFileName), KeyFile: filepath.Join(dir, KeyFileName)})
	}()
	client := tlsClient(t, caPEM)
	var ok bool
	for i := 0; i < 50 && !ok; i++ {
		resp, err := client.Get("https://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			ok = resp.StatusCode == http.StatusOK
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !ok {
		t.Fatal("webhook never became healthy")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestServeBadCert(t *testing.T) {
	err := Serve(context.Background(), Config{ListenAddr: "127.0.0.1:0", CertFile: "/nonexistent", KeyFile: "/nonexistent"})
	if err == nil {
		t.Fatal("want error for missing certificate")
	}
}

func TestWebhookConfiguration(t *testing.T) {
	cfg := WebhookConfiguration("https://127.0.0.1:9443/inject", []byte("CA"))
	if len(cfg.Webhooks) != 2 {
		t.Fatalf("webhooks = %d", len(cfg.Webhooks))
	}
	for _, w := range cfg.Webhooks {
		if *w.ClientConfig.URL != "https://127.0.0.1:9443/inject" || string(w.ClientConfig.CABundle) != "CA" {
			t.Errorf("%s client config = %+v", w.Name, w.ClientConfig)
		}
		if w.NamespaceSelector == nil || w.ObjectSelector == nil || w.SideEffects == nil || w.FailurePolicy == nil {
			t.Errorf("%s incomplete: %+v", w.Name, w)
		}
		if len(w.AdmissionReviewVersions) != 1 || w.AdmissionReviewVersions[0] != "v1" {
			t.Errorf("%s review versions = %v", w.Name, w.AdmissionReviewVersions)
		}
	}
	if got := cfg.Webhooks[0].ObjectSelector.MatchExpressions[0]; got.Key != mesh.InjectKey || got.Operator != metav1.LabelSelectorOpNotIn {
		t.Errorf("namespace webhook object selector = %+v", got)
	}
}
