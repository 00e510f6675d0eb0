package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"text/template"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// ArgoCDNamespace is where the lab's Argo CD keeps its configuration and
// Applications. It is never labelled for sidecar injection.
const ArgoCDNamespace = "argocd"

// FakeNodeName is the kwok node that "runs" every pod.
const FakeNodeName = "kwok-node-0"

// baseContent is what Argo CD needs in the lab cluster: its namespace and
// configuration (labelled part-of: argocd, or the controller does not find
// them), the default AppProject, the lab API server registered as a cluster
// (the in-cluster address does not work for a controller outside a pod), and
// the kwok node.
var baseContent = template.Must(template.New("base").Parse(`
apiVersion: v1
kind: Namespace
metadata:
  name: argocd
  labels:
    app.kubernetes.io/part-of: argocd
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
  timeout.reconciliation: 180s
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-rbac-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-rbac-cm
    app.kubernetes.io/part-of: argocd
data:
  policy.default: role:readonly
---
apiVersion: v1
kind: Secret
metadata:
  name: argocd-secret
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-secret
    app.kubernetes.io/part-of: argocd
type: Opaque
stringData:
  server.secretkey: {{ .SecretKey }}
---
apiVersion: v1
kind: Secret
metadata:
  name: cluster-gitshift-lab
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
    app.kubernetes.io/part-of: argocd
type: Opaque
stringData:
  name: gitshift-lab
  server: {{ .Server }}
  config: '{"bearerToken": "{{ .Token }}", "tlsClientConfig": {"insecure": true}}'
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: default
  namespace: argocd
spec:
  sourceRepos: ["*"]
  destinations:
  - server: "*"
    namespace: "*"
  clusterResourceWhitelist:
  - group: "*"
    kind: "*"
---
apiVersion: v1
kind: Node
metadata:
  name: {{ .Node }}
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: {{ .Node }}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
spec: {}
`))

// BaseContent renders baseContent for the API server at server.
func BaseContent(server, token string) ([]*unstructured.Unstructured, error) {
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generating argocd secret key: %w", err)
	}
	var buf bytes.Buffer
	err := baseContent.Execute(&buf, map[string]string{
		"Server": server, "Token": token, "SecretKey": hex.EncodeToString(key), "Node": FakeNodeName,
	})
	if err != nil {
		return nil, fmt.Errorf("rendering lab content: %w", err)
	}
	return DecodeYAML(buf.Bytes())
}

// ApplyFile server-side-applies every object of a YAML file, waiting for the
// CRDs among them to be established.
func (c *Cluster) ApplyFile(ctx context.Context, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	objs, err := DecodeYAML(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := c.Apply(ctx, objs...); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return c.WaitCRDsEstablished(ctx, objs)
}

// ApplyTyped server-side-applies a typed object (it must carry its TypeMeta).
func (c *Cluster) ApplyTyped(ctx context.Context, obj runtime.Object) error {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return fmt.Errorf("converting %T: %w", obj, err)
	}
	u := &unstructured.Unstructured{Object: m}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	return c.Apply(ctx, u)
}
