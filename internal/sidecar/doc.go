// Package sidecar is the lab's stand-in for Istio's sidecar injector: a
// mutating admission webhook that adds an istio-proxy container, the
// sidecar.istio.io/status annotation and Istio's workload labels to pods, so
// that injected pods show 2/2 containers as on a real mesh and a missing
// injection can be tested both ways.
//
// What it reproduces from Istio's injector:
//   - the istio-proxy container (image, args, env, ports incl. 15090
//     http-envoy-prom, readiness probe on 15021 /healthz/ready, security
//     context) and the volumes it mounts;
//   - the sidecar.istio.io/status annotation, which kube.HasSidecar and Istio
//     tooling use to recognise an injected pod;
//   - the labels security.istio.io/tlsMode=istio and
//     service.istio.io/canonical-name / canonical-revision (only if absent);
//   - the opt-out: label or annotation sidecar.istio.io/inject=false (label
//     wins, as in Istio), and hostNetwork pods are never injected;
//   - the two-webhook registration (namespace label istio-injection=enabled,
//     or pod label sidecar.istio.io/inject=true) in WebhookConfiguration.
//
// What it deliberately leaves out: the istio-init container (iptables setup
// means nothing under kwok, which runs no containers, and an init container
// would only delay readiness), istio.io/rev revisions, injection templates
// and the mesh config. Nothing runs in the container: kwok fakes its status.
package sidecar
