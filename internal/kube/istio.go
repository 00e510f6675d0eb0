package kube

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Istio kinds, with no version: the server's preferred version is read
// (v1 on Istio >= 1.22; the spec is the same in v1beta1 and v1alpha3).
var (
	VirtualServiceKind  = schema.GroupVersionKind{Group: "networking.istio.io", Kind: "VirtualService"}
	DestinationRuleKind = schema.GroupVersionKind{Group: "networking.istio.io", Kind: "DestinationRule"}
)

// VirtualService reads a live VirtualService; nil when it does not exist.
func (c *Client) VirtualService(ctx context.Context, namespace, name string) (*unstructured.Unstructured, error) {
	return c.Get(ctx, VirtualServiceKind, namespace, name)
}

// DestinationRule reads a live DestinationRule; nil when it does not exist.
func (c *Client) DestinationRule(ctx context.Context, namespace, name string) (*unstructured.Unstructured, error) {
	return c.Get(ctx, DestinationRuleKind, namespace, name)
}

// DestinationRules lists the DestinationRules of a namespace: a host's rule
// may have any name, so callers match on spec.host.
func (c *Client) DestinationRules(ctx context.Context, namespace string) ([]unstructured.Unstructured, error) {
	return c.List(ctx, DestinationRuleKind, namespace)
}
