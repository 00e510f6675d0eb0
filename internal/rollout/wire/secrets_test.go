package wire

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/adapt"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// TestPolicySecrets: spec.git.secretRef becomes git's environment (no
// secret in the URL or the repository), spec.notifications[].secretRef
// becomes a receiver URL; a missing Secret or key is an Invalid error that
// names them and quotes no value.
func TestPolicySecrets(t *testing.T) {
	const token, hook = "tok-XYZ-123456", "https://hooks.example/T000/B000/secretpart"
	repo := localRepo(t)
	const inCluster = "https://kubernetes.default.svc"
	withRefs := func(p *policy.CanaryPolicy, gitSecret, hookKey string) *policy.CanaryPolicy {
		p.Metadata.Namespace = "bookinfo"
		p.Spec.Git.SecretRef = &policy.SecretRef{Name: gitSecret}
		p.Spec.Notifications = []policy.Notification{{Type: policy.NotifySlack, SecretRef: &policy.SecretRef{Name: "hooks", Key: hookKey}}}
		return p
	}
	for _, tc := range []struct {
		name, gitSecret, hookKey string
		err                      string
	}{
		{"resolved", "git-creds", "slack", ""},
		{"missing git Secret", "nope", "slack", "Secret bookinfo/nope (named by the policy) does not exist"},
		{"missing key", "git-creds", "teams", `Secret bookinfo/hooks has no key "teams"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := fakeCluster(inCluster, application(t, repo, inCluster), object(t, liveVS), object(t, liveDR))
			for name, data := range map[string]map[string][]byte{"git-creds": {"token": []byte(token)}, "hooks": {"slack": []byte(hook)}} {
				if _, err := kc.Core.CoreV1().Secrets("bookinfo").Create(context.Background(),
					&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bookinfo"}, Data: data}, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			r, err := Build(context.Background(), Config{Policy: withRefs(testPolicy(t), tc.gitSecret, tc.hookKey), PrometheusURL: "http://127.0.0.1:1",
				Git: Git{Env: gittest.Env}, Clients: Clients{Cluster: kc}})
			if tc.err != "" {
				if err == nil {
					r.Close()
					t.Fatal("no error")
				}
				if !strings.Contains(err.Error(), tc.err) || errkind.Of(err) != errkind.Invalid || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), hook) {
					t.Fatalf("err %v (kind %s)", err, errkind.Of(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			env := strings.Join(r.Git.GitEnv, "\n")
			if !strings.Contains(env, "GIT_ASKPASS=") || strings.Contains(r.Git.Repo, token) {
				t.Errorf("git env %q repo %q", env, r.Git.Repo)
			}
			var n *adapt.Notifications
			for _, s := range r.Deps.Events.(rollout.Sinks) {
				if ns, ok := s.(*adapt.Notifications); ok {
					n = ns
				}
			}
			if n == nil || len(n.Receivers) != 1 || n.Receivers[0].URL != hook || n.Policy != "bookinfo/reviews" {
				t.Fatalf("notifications sink %+v", n)
			}
		})
	}
}
