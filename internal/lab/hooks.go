package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gitshift/gitshift/internal/sidecar"
)

// hook runs before a component starts or after it is ready.
type hook func(ctx context.Context, s *Supervisor) error

// beforeStart prepares what a component reads at start.
var beforeStart = map[string]hook{
	"injector": func(_ context.Context, s *Supervisor) error {
		ca, err := sidecar.GenerateCerts(s.Plan.Layout.InjectorCertDir(), []string{"127.0.0.1", "localhost"})
		if err != nil {
			return fmt.Errorf("generating the injector certificate: %w", err)
		}
		s.injectorCA = ca
		return nil
	},
	"git-daemon": func(ctx context.Context, s *Supervisor) error {
		sha, err := SeedRepo(ctx, s.Plan.Layout.GitBase(), s.Plan.RepoName, s.Plan.Example)
		if err != nil {
			return err
		}
		s.progressf("git repo %s at %s", s.Plan.GitURL(s.Plan.RepoName+".git"), short(sha))
		return nil
	},
	// The first replica's hook prepares what every replica runs with.
	ControllerName(0): prepareController,
	ComponentIstiod:   prepareIstiod,
	"prometheus": func(_ context.Context, s *Supervisor) error {
		b, err := s.Plan.PrometheusConfig()
		if err != nil {
			return err
		}
		return os.WriteFile(s.Plan.Layout.PrometheusConfig(), b, 0o644)
	},
}

// afterReady applies the cluster content that depends on a component.
var afterReady = map[string]hook{
	"kube-apiserver": func(ctx context.Context, s *Supervisor) error {
		c, err := NewCluster(s.Plan.Layout.Kubeconfig())
		if err != nil {
			return err
		}
		s.cluster = c
		// A lab killed without `down` leaves istiod's webhook registered in
		// etcd; with failurePolicy Fail it would refuse every Istio object
		// until istiod runs again (with --istiod it is registered anew).
		if err := c.Delete(ctx, validatingGVR, "", IstiodWebhookName); err != nil {
			return err
		}
		istioCRDs := "istio-crds.yaml"
		if s.Plan.Istiod {
			istioCRDs = IstiodCRDsAsset
		}
		for _, name := range []string{istioCRDs, "argocd-crds.yaml"} {
			if err := c.ApplyFile(ctx, s.Plan.Assets[name]); err != nil {
				return fmt.Errorf("applying %s: %w", name, err)
			}
		}
		if err := s.applyGitshiftCRD(ctx); err != nil {
			return err
		}
		objs, err := BaseContent(s.Plan.APIServerURL(), s.Plan.Token)
		if err != nil {
			return err
		}
		if err := mergeArgoCDHealth(objs, filepath.Join(s.Plan.RepoRoot, ArgoCDHealthPatch)); err != nil {
			return err
		}
		if err := c.Apply(ctx, objs...); err != nil {
			return fmt.Errorf("applying the lab's Argo CD configuration: %w", err)
		}
		s.progressf("applied Istio, Argo CD and gitshift CRDs, namespace argocd (argocd-cm with the CanaryPolicy health check), default AppProject, cluster secret, node %s", FakeNodeName)
		return nil
	},
	"injector": func(ctx context.Context, s *Supervisor) error {
		if s.cluster == nil {
			return fmt.Errorf("registering the sidecar injector: the API server is not part of this lab")
		}
		url := "https://" + addr(s.Plan.Ports.Injector) + sidecar.InjectPath
		if err := s.cluster.ApplyTyped(ctx, sidecar.WebhookConfiguration(url, s.injectorCA)); err != nil {
			return fmt.Errorf("registering the sidecar injector: %w", err)
		}
		s.progressf("registered MutatingWebhookConfiguration %s -> %s", sidecar.WebhookConfigurationName, url)
		return nil
	},
	ComponentIstiod: registerIstiodWebhook,
}

// applyGitshiftCRD renders gitshift's chart and applies its CRD.
func (s *Supervisor) applyGitshiftCRD(ctx context.Context) error {
	chart, err := RenderChart(ctx, s.Plan.bin("helm"), s.Plan.RepoRoot, s.Plan.Layout.Path("helm"))
	if err != nil {
		return err
	}
	crds := chart.Kinds("CustomResourceDefinition")
	if len(crds) == 0 {
		return fmt.Errorf("the chart %s renders no CustomResourceDefinition", ChartDir)
	}
	if err := s.cluster.Apply(ctx, crds...); err != nil {
		return fmt.Errorf("applying the CanaryPolicy CRD: %w", err)
	}
	if err := s.cluster.WaitCRDsEstablished(ctx, crds); err != nil {
		return err
	}
	s.chart = chart
	return nil
}

// beforeStop undoes registrations while the API server still runs (the
// components stop in reverse order, so the controllers that create pods are
// gone already).
var beforeStop = map[string]hook{
	"injector": func(ctx context.Context, s *Supervisor) error {
		if s.cluster == nil {
			return nil
		}
		return s.cluster.Delete(ctx, admissionGVR, "", sidecar.WebhookConfigurationName)
	},
	ComponentIstiod: unregisterIstiodWebhook,
}

// applyApplication applies the lab's copy of the example Application, and
// with the controller the Application of the example's CanaryPolicies.
func (s *Supervisor) applyApplication(ctx context.Context) error {
	if s.Plan.AppFile == "" || s.cluster == nil {
		return nil
	}
	files := []string{s.Plan.AppFile}
	if s.Plan.Controllers > 0 && s.Plan.PolicyAppFile != "" {
		files = append(files, s.Plan.PolicyAppFile)
	}
	for i, f := range files {
		app, err := LabApplication(f, s.Plan.GitURL(s.Plan.RepoName+".git"), s.Plan.APIServerURL())
		if err != nil {
			return err
		}
		if err := s.cluster.Apply(ctx, app); err != nil {
			return fmt.Errorf("applying Application %s: %w", app.GetName(), err)
		}
		s.mu.Lock()
		if i == 0 {
			s.State.Endpoints.Application = app.GetName()
		} else {
			s.State.Endpoints.PolicyApplication = app.GetName()
		}
		s.mu.Unlock()
		s.progressf("applied Application %s/%s (source %s)", app.GetNamespace(), app.GetName(), filepath.Base(f))
	}
	return nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
