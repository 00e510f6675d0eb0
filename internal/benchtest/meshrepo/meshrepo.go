// Package meshrepo generates the repository the check benchmarks and
// bench/checkscale measure: many manifest files of Services, Deployments,
// DestinationRules and VirtualServices. It imports no testing code, so a
// benchmark program can use it.
package meshrepo

import "fmt"

// Manifest is the i-th file of the generated check repository: a
// Service and a Deployment, and for every tenth file a DestinationRule
// and a VirtualService, in 100 directories under apps/.
func Manifest(i int) (rel, content string) {
	doc := fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: svc-%[1]d, namespace: apps}
spec:
  selector: {app: svc-%[1]d}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: svc-%[1]d-v1, namespace: apps}
spec:
  selector: {matchLabels: {app: svc-%[1]d, version: v1}}
  template:
    metadata: {labels: {app: svc-%[1]d, version: v1}}
    spec: {containers: [{name: app, image: example/app:1}]}
`, i)
	if i%10 == 0 {
		doc += fmt.Sprintf(`---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: svc-%[1]d, namespace: apps}
spec:
  host: svc-%[1]d
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: svc-%[1]d, namespace: apps}
spec:
  hosts: [svc-%[1]d]
  http: [{route: [{destination: {host: svc-%[1]d, subset: v1}, weight: 100}]}]
`, i)
	}
	return fmt.Sprintf("apps/d%02d/svc-%05d.yaml", i%100, i), doc
}

// Objects is how many objects n Manifest files hold.
func Objects(n int) int { return 2*n + 2*((n+9)/10) }

// Application is the one recursive directory Application (argocd/)
// that applies apps/.
const Application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: apps, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://example.com/apps.git, path: apps, directory: {recurse: true}}
  destination: {server: https://kubernetes.default.svc, namespace: apps}
  syncPolicy: {automated: {prune: true, selfHeal: true}}
`
