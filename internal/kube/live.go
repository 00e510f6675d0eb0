package kube

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Ref names one object: what Git renders and what is looked up live.
type Ref struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (r Ref) String() string {
	k := r.Kind
	if r.Group != "" {
		k += "." + r.Group
	}
	if r.Namespace == "" {
		return k + "/" + r.Name
	}
	return k + " " + r.Namespace + "/" + r.Name
}

// Lookup is the live counterpart of a rendered object.
type Lookup struct {
	Ref  Ref                        `json:"ref"`
	Live *unstructured.Unstructured `json:"-"` // nil: not found
}

// Exists reports whether the object was found live.
func (l Lookup) Exists() bool { return l.Live != nil }

// mapping resolves a kind to its resource, re-reading discovery once when the
// cached answer does not know it (a CRD installed since the cache filled).
func (c *Client) mapping(gk schema.GroupKind, version string) (*meta.RESTMapping, error) {
	var versions []string
	if version != "" {
		versions = []string{version}
	}
	m, err := c.Mapper.RESTMapping(gk, versions...)
	if meta.IsNoMatchError(err) {
		c.Mapper.Reset()
		m, err = c.Mapper.RESTMapping(gk, versions...)
	}
	if err != nil {
		if meta.IsNoMatchError(err) {
			return nil, &NoKindError{Group: gk.Group, Kind: gk.Kind, Err: err}
		}
		return nil, c.Classify(fmt.Errorf("discovering %s: %w", gk, err))
	}
	return m, nil
}

// LiveFor looks up the live object for obj as Argo CD would apply it: a
// namespaced object without a namespace goes to defaultNS (the
// Application's destination namespace); a cluster-scoped object's namespace
// is ignored. A missing object is not an error: Lookup.Live is nil.
func (c *Client) LiveFor(ctx context.Context, obj *unstructured.Unstructured, defaultNS string) (Lookup, error) {
	gvk := obj.GroupVersionKind()
	ref := Ref{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: obj.GetNamespace(), Name: obj.GetName()}
	m, err := c.mapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		var nk *NoKindError
		if errors.As(err, &nk) && gvk.Version != "" {
			// The rendered apiVersion may be one the server no longer serves
			// (e.g. v1alpha3 of an Istio kind): look up the kind's preferred one.
			m, err = c.mapping(gvk.GroupKind(), "")
		}
		if err != nil {
			return Lookup{Ref: ref}, err
		}
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if ref.Namespace == "" {
			ref.Namespace = defaultNS
		}
	} else {
		ref.Namespace = ""
	}
	live, err := c.getMapped(ctx, m, ref.Namespace, ref.Name)
	if err != nil {
		return Lookup{Ref: ref}, err
	}
	return Lookup{Ref: ref, Live: live}, nil
}

// Get reads one object by kind (version "" = the server's preferred one).
// A missing object returns (nil, nil).
func (c *Client) Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	m, err := c.mapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	return c.getMapped(ctx, m, namespace, name)
}

// List lists objects of a kind in a namespace ("" = all namespaces).
func (c *Client) List(ctx context.Context, gvk schema.GroupVersionKind, namespace string) ([]unstructured.Unstructured, error) {
	m, err := c.mapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	var ri = c.Dynamic.Resource(m.Resource)
	var l *unstructured.UnstructuredList
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		l, err = ri.Namespace(namespace).List(ctx, metav1.ListOptions{})
	} else {
		l, err = ri.List(ctx, metav1.ListOptions{})
	}
	if err != nil {
		return nil, c.Classify(fmt.Errorf("listing %s in %q: %w", m.Resource.Resource, namespace, err))
	}
	return l.Items, nil
}

func (c *Client) getMapped(ctx context.Context, m *meta.RESTMapping, namespace, name string) (*unstructured.Unstructured, error) {
	var (
		u   *unstructured.Unstructured
		err error
	)
	ri := c.Dynamic.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		u, err = ri.Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	} else {
		u, err = ri.Get(ctx, name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.Classify(fmt.Errorf("getting %s %s/%s: %w", m.Resource.Resource, namespace, name, err))
	}
	return u, nil
}
