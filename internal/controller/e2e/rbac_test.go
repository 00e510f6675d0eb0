//go:build e2e

package e2e_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/gitshift/gitshift/internal/controller"
)

// verbs are the verbs checked for every resource the controller touches:
// the ones its rule grants must be allowed, every other one denied.
var verbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// controllerRBAC: the replicas run as the chart's ServiceAccount, and the
// API server allows that identity exactly controller.Rules (which
// TestChartRBACMatchesController keeps equal to the chart) on the
// resources it names, and nothing on a few it must not touch. The
// scenarios that follow pass with this identity, so the rules are enough;
// TestAgainstAPIServer shows that removing one fails.
func controllerRBAC(t *testing.T, l *ctlLab) {
	ctx := context.Background()
	cfg, err := clientcmd.BuildConfigFromFlags("", l.State.Endpoints.ControllerKubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 100, 100 // client-go's 5 QPS would make the reviews take 30 s
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	who, err := kc.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	user := who.Status.UserInfo.Username
	if !strings.HasPrefix(user, "system:serviceaccount:gitshift-system:") {
		t.Fatalf("the controller's kubeconfig authenticates as %q, want the chart's ServiceAccount in gitshift-system", user)
	}
	t.Logf("the controller authenticates as %s (groups %v)", user, who.Status.UserInfo.Groups)

	type review struct {
		group, resource, verb string
		want                  bool
		granted               []string
	}
	var reviews []review
	for _, rule := range controller.Rules {
		for _, verb := range verbs {
			reviews = append(reviews, review{rule.APIGroups[0], rule.Resources[0], verb, slices.Contains(rule.Verbs, verb), rule.Verbs})
		}
	}
	// Resources the controller has no rule for: nothing at all.
	for _, r := range []struct{ group, resource string }{{"", "pods"}, {"", "configmaps"}, {"", "serviceaccounts/token"},
		{"gitshift.dev", "canarypolicies/finalizers"}, {"rbac.authorization.k8s.io", "clusterroles"}} {
		for _, verb := range verbs {
			reviews = append(reviews, review{group: r.group, resource: r.resource, verb: verb})
		}
	}
	// Eight at a time.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, rv := range reviews {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res, sub, _ := strings.Cut(rv.resource, "/")
			r, err := kc.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
				Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{
					Group: rv.group, Resource: res, Subresource: sub, Verb: rv.verb}}}, metav1.CreateOptions{})
			switch {
			case err != nil:
				t.Errorf("access review %s %q %s: %v", rv.verb, rv.group, rv.resource, err)
			case r.Status.Allowed != rv.want:
				t.Errorf("%s %q %s: allowed %v, want %v (the chart grants %v)", rv.verb, rv.group, rv.resource, r.Status.Allowed, rv.want, rv.granted)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d access reviews as the controller: exactly the chart's rules", len(reviews))
}
