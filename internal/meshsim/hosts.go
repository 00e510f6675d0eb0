package meshsim

import "strings"

// clusterDomain is the DNS suffix of Kubernetes services; Istio's metrics
// carry destination_service as the full name.
const clusterDomain = "svc.cluster.local"

// ServiceRef names a Kubernetes Service.
type ServiceRef struct {
	Name, Namespace string
}

// FQDN is the service's host as Istio reports it in destination_service.
func (s ServiceRef) FQDN() string { return s.Name + "." + s.Namespace + "." + clusterDomain }

func (s ServiceRef) String() string { return s.Namespace + "/" + s.Name }

// resolveHost turns a host written in a VirtualService or DestinationRule in
// namespace ns into a full name. Istio expands a short name ("reviews") with
// the object's namespace; partial names ("reviews.bookinfo") are expanded
// here too, which Istio leaves as they are, because a lab user who writes
// them means the service.
func resolveHost(host, ns string) string {
	switch {
	case strings.HasPrefix(host, "*"):
		return host
	case strings.HasSuffix(host, "."+clusterDomain):
		return host
	case strings.HasSuffix(host, ".svc"):
		return host + ".cluster.local"
	case strings.Count(host, ".") == 1:
		return host + "." + clusterDomain
	case !strings.Contains(host, "."):
		return host + "." + ns + "." + clusterDomain
	}
	return host
}
