// Package meshsim is the lab's Istio data-plane stand-in. Envoy cannot run
// in the lab (no containers: kwok only fakes pods), so meshsim watches the
// live VirtualServices, DestinationRules, Services and Pods through the API
// server, generates request traffic routed the way sidecars and the ingress
// gateway would route it, and exports Istio's standard metrics under their
// real names and labels for Prometheus to scrape:
//
//	istio_requests_total                  counter
//	istio_request_duration_milliseconds   histogram (Istio's default buckets)
//
// with the labels in LabelNames, reported with reporter="source" by the
// caller's proxy and reporter="destination" by the callee's, as a mesh does.
//
// It routes only by live state, never by Git: a split measured from its
// metrics is what the cluster would do with what Argo CD really applied.
// In xDS mode (Config.XDS, `lab up --istiod`) the routes are what istiod
// programmed, received over ADS as a sidecar and an ingress gateway
// (package xds, BuildTableXDS); otherwise (the fast mode) the simulator
// reads VirtualServices and DestinationRules itself (BuildTable).
// docs/istiod.md compares the two.
//
// # Routing
//
// The subset of Istio's HTTP routing implemented is documented on
// BuildTable. Per request: the flow's caller (a ready pod of the source
// service, or the ingress gateway) asks for the destination service; a
// caller with a sidecar uses the route of its context (mesh or gateway) and
// Envoy's per-request weighted choice, then a uniformly chosen ready pod of
// the backend; a caller without a sidecar goes through kube-proxy to any
// ready pod of the service. Failures are reported like Envoy's:
//
//	503 UH  the chosen subset has no ready pod
//	503 NC  the destination host or subset does not exist
//	404 NR  the ingress gateway has no VirtualService for the host
//
// A destination without a sidecar produces no reporter="destination"
// series; a caller without one produces no reporter="source" series and
// appears as source_workload="unknown" to the destination.
//
// # Faults and misrouting
//
// A ConfigMap named Config.FaultsConfigMap ("mesh-faults") in any watched
// namespace changes behaviour while running; each applies to its own
// namespace. Keys "<app>.<version>", "<app>" or "default" hold a Profile
// as JSON, matched against the answering pod's app and version labels:
//
//	reviews.v3: '{"errorRate":0.05,"errorCode":503,"latencyMs":{"p50":30,"p99":200}}'
//
// Absent fields keep DefaultProfile's values (no errors, code 500 when
// erring, p50 10 ms, p99 50 ms). The key "misroute" makes a percentage of a
// service's requests ignore the live weights, for tests of split detection:
//
//	misroute: '{"reviews":{"percent":20,"subset":"v3"}}'
//
// Without "subset" the diverted requests spread evenly over the route's
// destinations. The key "headers" makes the generator send a share of a
// service's requests with a header (testers of a header route):
//
//	headers: '{"reviews":{"name":"x-canary","value":"1","percent":10}}'
//
// Config.TagHeaders (default x-canary) are reported as metric labels with
// dashes as underscores (x_canary), as an Istio Telemetry tagOverride adds
// them. A route's mirror copies are reported by the destination only, with
// the caller's identity, as Istio does. Invalid keys are logged and skipped.
//
// # Simulation
//
// Each Config.Tick, every flow draws a Poisson number of requests with mean
// RPS·tick in every namespace where its destination service exists, from a
// math/rand/v2 PCG source seeded by Config.Seed. Responses are not delayed:
// a sampled latency is recorded, not waited for, so the simulator stays
// cheap. The routing table is rebuilt only after an informer event.
package meshsim
