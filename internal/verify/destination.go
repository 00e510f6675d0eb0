package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/source"
)

// InClusterServer is the address Argo CD uses for the cluster it runs in.
const InClusterServer = "https://kubernetes.default.svc"

// Destinations picks the client for the cluster an Application deploys to.
// The Application is read from the kube context's cluster (where Argo CD
// runs); its objects live in the destination cluster, which may be another
// one. Reading the wrong cluster would report every object missing, so an
// unknown destination is "could not check", never a guess.
type Destinations struct {
	// Host is the API server URL of Deps.Cluster (the kube context).
	Host string
	// Context is the kubeconfig context the user named for the destination
	// (--destination-context); "" when none.
	Context string
	// Open returns a client for a kubeconfig context.
	Open func(kubeContext string) (Cluster, error)
}

// For returns the destination's client: Context when given, else the kube
// context's cluster when the destination is in-cluster or has its address.
func (d *Destinations) For(dest source.Destination, current Cluster) (Cluster, error) {
	name, err := ResolveDestination(dest, d.Host, d.Context)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return current, nil
	}
	c, err := d.Open(name)
	if err != nil {
		return nil, fmt.Errorf("destination context %q: %w", name, err)
	}
	return c, nil
}

// ResolveDestination says where an Application's objects live: "" for the
// kube context's cluster (at currentHost), else the kubeconfig context the
// user named (destContext, which always wins). A destination that is
// neither in-cluster nor at currentHost is a *DestinationError.
func ResolveDestination(dest source.Destination, currentHost, destContext string) (string, error) {
	switch {
	case destContext != "":
		return destContext, nil
	case IsInCluster(dest), dest.Server != "" && sameServer(dest.Server, currentHost):
		return "", nil
	}
	return "", &DestinationError{Dest: dest, Host: currentHost}
}

// IsInCluster reports whether an Application deploys to the cluster Argo
// CD runs in: server https://kubernetes.default.svc, or name in-cluster.
func IsInCluster(d source.Destination) bool {
	if d.Server != "" {
		return sameServer(d.Server, InClusterServer)
	}
	return d.Name == "" || d.Name == "in-cluster"
}

func sameServer(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimRight(s, "/")) }
	return a != "" && norm(a) == norm(b)
}

// DestinationError says the destination cluster is not the kube context's.
type DestinationError struct {
	Dest source.Destination
	Host string
}

func (e *DestinationError) Error() string {
	what := e.Dest.Server
	if what == "" {
		what = "cluster " + e.Dest.Name
	}
	return fmt.Sprintf("the Application deploys to %s, not to %s (the kube context's cluster, where Argo CD runs)", what, e.Host)
}

// unresolvedCluster answers every read with the error that kept verify from
// reaching the destination, so each cluster check says "could not check".
type unresolvedCluster struct{ err error }

func (u unresolvedCluster) LiveFor(context.Context, *unstructured.Unstructured, string) (kube.Lookup, error) {
	return kube.Lookup{}, u.err
}
func (u unresolvedCluster) Get(context.Context, schema.GroupVersionKind, string, string) (*unstructured.Unstructured, error) {
	return nil, u.err
}
func (u unresolvedCluster) List(context.Context, schema.GroupVersionKind, string) ([]unstructured.Unstructured, error) {
	return nil, u.err
}
func (u unresolvedCluster) ServiceSelector(context.Context, string, string) (map[string]string, error) {
	return nil, u.err
}
func (u unresolvedCluster) SubsetPods(context.Context, string, map[string]string, map[string]string) ([]kube.Pod, error) {
	return nil, u.err
}

// resolveDestination switches s.Cluster to the Application's destination.
func (s *State) resolveDestination() {
	if s.Destinations == nil {
		return
	}
	c, err := s.Destinations.For(s.SourceApp.Destination, s.Cluster)
	if err != nil {
		s.Cluster = unresolvedCluster{err: err}
		return
	}
	s.Cluster = c
}

func isDestinationError(err error) bool {
	var de *DestinationError
	return errors.As(err, &de)
}
