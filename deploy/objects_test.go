package deploy

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// typed returns the Go type of a kind the chart renders; a kind without one
// (ServiceMonitor) is checked by the golden test only.
func typed(kind string) any {
	switch kind {
	case "Deployment":
		return &appsv1.Deployment{}
	case "ServiceAccount":
		return &corev1.ServiceAccount{}
	case "Service":
		return &corev1.Service{}
	case "ConfigMap":
		return &corev1.ConfigMap{}
	case "ClusterRole":
		return &rbacv1.ClusterRole{}
	case "ClusterRoleBinding":
		return &rbacv1.ClusterRoleBinding{}
	case "Role":
		return &rbacv1.Role{}
	case "RoleBinding":
		return &rbacv1.RoleBinding{}
	case "PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "CustomResourceDefinition":
		return &apiextv1.CustomResourceDefinition{}
	}
	return nil
}

// TestChartObjectsDecodeStrict decodes every rendered object into its API
// type rejecting unknown fields, so a misspelt field (readOnlyRootFileSystem)
// fails here instead of being dropped by the API server.
func TestChartObjectsDecodeStrict(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for _, o := range objects(t, render(t, v.valueMap(t))) {
				into := typed(o.Kind)
				if into == nil {
					if o.Kind != "ServiceMonitor" {
						t.Errorf("%s: kind not checked; add it to typed()", o)
					}
					continue
				}
				if err := yaml.UnmarshalStrict([]byte(o.raw), into); err != nil {
					t.Errorf("%s: %v", o, err)
				}
				if o.Kind != "CustomResourceDefinition" && !strings.HasPrefix(o.Kind, "Cluster") && o.Metadata.Namespace == "" {
					t.Errorf("%s has no namespace: kubectl apply -n elsewhere would move it", o)
				}
			}
		})
	}
}

func deployment(t *testing.T, manifest string) *appsv1.Deployment {
	t.Helper()
	o, ok := find(objects(t, manifest), "Deployment", releaseName)
	if !ok {
		t.Fatalf("no Deployment %s rendered", releaseName)
	}
	d := &appsv1.Deployment{}
	if err := yaml.Unmarshal([]byte(o.raw), d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestChartDeploymentHardening asserts what the issue asks of the
// Deployment, for every variant: two replicas electing a leader, a
// non-root read-only container without capabilities, probes, resources.
func TestChartDeploymentHardening(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			d := deployment(t, render(t, v.valueMap(t)))
			if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
				t.Errorf("replicas %v, want 2", d.Spec.Replicas)
			}
			pod := d.Spec.Template.Spec
			if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot ||
				psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod securityContext %+v: want runAsNonRoot and seccomp RuntimeDefault", psc)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			c := pod.Containers[0]
			if !slices.Contains(c.Args, "--leader-elect=true") {
				t.Errorf("args %q: leader election is off", c.Args)
			}
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("container securityContext %+v: want read-only root, no privilege escalation, drop ALL", sc)
			}
			probes := map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe}
			for path, p := range probes {
				if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "health" {
					t.Errorf("probe for %s: %+v", path, p)
				}
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("resources %+v: want cpu and memory requests and a memory limit", c.Resources)
			}
			// A read-only root: git's HOME and the temp dir (clones) must be
			// on a writable volume.
			for _, name := range []string{"HOME", "TMPDIR"} {
				i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
				if i < 0 {
					t.Errorf("no %s in env", name)
					continue
				}
				dir := c.Env[i].Value
				if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
					return !m.ReadOnly && (dir == m.MountPath || strings.HasPrefix(dir, m.MountPath+"/"))
				}) {
					t.Errorf("%s=%s is on the read-only root filesystem", name, dir)
				}
			}
		})
	}
}

// TestChartControllerFlags: values reach `gitshift controller`'s flags
// (internal/cli/controller.go), and the sharding flags are absent by default.
func TestChartControllerFlags(t *testing.T) {
	tests := []struct {
		variant string
		want    []string
		absent  []string
	}{
		{variant: "default", want: []string{"--leader-election-id=gitshift", "--leader-election-namespace=" + releaseNS,
			"--kube-api-qps=50", "--kube-api-burst=100", "--push-attempts=20"},
			absent: []string{"--namespace=", "--selector=", "--prometheus=", "--istiod-debug="}},
		{variant: "sharded", want: []string{"--namespace=team-a", "--selector=gitshift.dev/shard=a", "--prometheus=http://prometheus.monitoring.svc:9090",
			"--istiod-debug=http://istiod-debug.istio-system.svc:8080", "--max-concurrent-reconciles=8", "--log-format=text", "--resync=10m", "--leader-election-id=gitshift",
			"--kube-api-qps=120.5", "--kube-api-burst=240", "--push-attempts=30"}},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			v := variantNamed(t, tt.variant)
			args := deployment(t, render(t, v.valueMap(t))).Spec.Template.Spec.Containers[0].Args
			for _, w := range tt.want {
				if !slices.Contains(args, w) {
					t.Errorf("args %q lack %s", args, w)
				}
			}
			for _, a := range tt.absent {
				if slices.ContainsFunc(args, func(s string) bool { return strings.HasPrefix(s, a) }) {
					t.Errorf("args %q have %s", args, a)
				}
			}
		})
	}
}

func variantNamed(t *testing.T, name string) variant {
	t.Helper()
	for _, v := range variants {
		if v.name == name {
			return v
		}
	}
	t.Fatalf("no variant %s", name)
	return variant{}
}
