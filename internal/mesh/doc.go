// Package mesh is gitshift's offline model of Istio networking: it parses
// VirtualService, DestinationRule, Gateway and ServiceEntry objects
// (networking.istio.io v1, v1beta1, v1alpha3) into the istio.io/api types,
// resolves hosts the way Istio does, turns route weights into percentages and
// maps DestinationRule subsets to the workloads whose pod labels they select.
//
// It is also the one home of the Istio facts the rest of gitshift shares:
// which http route a shift or rollout means (SelectHTTPRoute), which
// destination_version series a subset's traffic lands in (VersionOf), a
// pod's canonical name and revision, and whether it has a sidecar. The live
// side (kube) and the lab's simulator and injector call these rather than
// restating them.
//
// It reads only rendered objects (source.Object) and must never import
// client-go: check runs offline (see the dependency fence test).
package mesh
