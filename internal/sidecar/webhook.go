package sidecar

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/kube"
)

// maxReviewBytes bounds a request body; the API server's own limit for an
// object is 3 MiB, and a review wraps one object.
const maxReviewBytes = 6 << 20

// Handler serves admission/v1 AdmissionReviews for pods on any path it is
// mounted at (Serve mounts it at /inject, Istio's path).
type Handler struct {
	ProxyImage string
	Log        *slog.Logger
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBytes))
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(w, "body is not an admission/v1 AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	resp := h.review(review.Request)
	resp.UID = review.Request.UID
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	if out.APIVersion == "" {
		out.APIVersion, out.Kind = "admission.k8s.io/v1", "AdmissionReview"
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		h.logger().Error("writing admission response", "err", err)
	}
}

// review decides one request. Errors deny the pod rather than letting it
// through uninjected: a pod silently missing its sidecar is the failure mode
// gitshift exists to expose, so it must not be created quietly here either.
func (h *Handler) review(req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	log := h.logger().With("namespace", req.Namespace, "name", req.Name, "uid", req.UID)
	if req.Kind.Kind != "Pod" || req.Operation != admissionv1.Create {
		return &admissionv1.AdmissionResponse{Allowed: true}
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		log.Error("decoding pod", "err", err)
		return deny(fmt.Errorf("decoding pod: %w", err))
	}
	if pod.Namespace == "" {
		pod.Namespace = req.Namespace
	}
	ops, err := Patch(&pod, h.ProxyImage)
	if err != nil {
		log.Error("building patch", "err", err)
		return deny(err)
	}
	if len(ops) == 0 {
		log.Debug("not injecting", "injected", kube.HasSidecar(&pod), "optedOut", optedOut(&pod))
		return &admissionv1.AdmissionResponse{Allowed: true}
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return deny(fmt.Errorf("encoding patch: %w", err))
	}
	log.Info("injecting sidecar", "generateName", pod.GenerateName)
	pt := admissionv1.PatchTypeJSONPatch
	return &admissionv1.AdmissionResponse{Allowed: true, Patch: patch, PatchType: &pt}
}

func deny(err error) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{
		Allowed: false,
		Result:  &metav1.Status{Status: metav1.StatusFailure, Message: "sidecar injection: " + err.Error()},
	}
}

func (h *Handler) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
