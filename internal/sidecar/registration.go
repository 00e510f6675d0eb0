package sidecar

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitshift/gitshift/internal/mesh"
)

// WebhookConfigurationName is the name of the object WebhookConfiguration
// returns; the lab deletes it by this name on teardown.
const WebhookConfigurationName = "gitshift-lab-sidecar-injector"

// WebhookConfiguration returns the MutatingWebhookConfiguration that
// registers the injector at url (e.g. https://127.0.0.1:9443/inject) with
// caPEM as its trust anchor. Like Istio it holds two webhooks:
//   - namespace-wide: namespaces labelled istio-injection=enabled, except pods
//     labelled sidecar.istio.io/inject=false;
//   - per pod: pods labelled sidecar.istio.io/inject=true in namespaces
//     without the istio-injection label.
//
// failurePolicy is Fail: the selectors confine it to pods that asked for a
// sidecar, and for those a creation error is better than a pod that silently
// runs outside the mesh. Pods elsewhere (argocd, kube-system) never reach the
// webhook, so the lab keeps working while the injector is down.
func WebhookConfiguration(url string, caPEM []byte) *admissionregistrationv1.MutatingWebhookConfiguration {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	never := admissionregistrationv1.NeverReinvocationPolicy
	timeout := int32(10)
	scope := admissionregistrationv1.NamespacedScope
	rules := []admissionregistrationv1.RuleWithOperations{{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
		Rule: admissionregistrationv1.Rule{
			APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}, Scope: &scope,
		},
	}}
	webhook := func(name string, ns, obj *metav1.LabelSelector) admissionregistrationv1.MutatingWebhook {
		u := url
		return admissionregistrationv1.MutatingWebhook{
			Name:                    name,
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: caPEM},
			Rules:                   rules,
			FailurePolicy:           &fail,
			MatchPolicy:             &equivalent,
			NamespaceSelector:       ns,
			ObjectSelector:          obj,
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
			ReinvocationPolicy:      &never,
		}
	}
	req := func(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   WebhookConfigurationName,
			Labels: map[string]string{"app.kubernetes.io/part-of": "gitshift-lab", "app": "sidecar-injector"},
		},
		Webhooks: []admissionregistrationv1.MutatingWebhook{
			webhook("namespace.sidecar-injector.gitshift.dev",
				&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					req(mesh.InjectionLabel, metav1.LabelSelectorOpIn, "enabled"),
				}},
				&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					req(mesh.InjectKey, metav1.LabelSelectorOpNotIn, "false"),
				}}),
			webhook("object.sidecar-injector.gitshift.dev",
				&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					req(mesh.InjectionLabel, metav1.LabelSelectorOpDoesNotExist),
				}},
				&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					req(mesh.InjectKey, metav1.LabelSelectorOpIn, "true"),
				}}),
		},
	}
}
