// Package bench measures how fast a traffic step goes live in the lab
// (`gitshift lab bench`, `make bench-lab`): it commits N step weights with
// gitshift's own shift, refreshes the Application at the push, and times
// from the push Argo CD's compare and sync and the VirtualService's apply
// with gitshift's watches, against a plain 1 s poll of the same objects.
// Rounds interleave the Application's sync options (Argo CD's default,
// ApplyOutOfSyncOnly=true, Validate=false, both), so every variant sees the
// same machine load; a few steps without the refresh show what it saves.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/kube"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/source"
)

// OutOfSyncOnly is the variant (and sync option) that applies only the
// objects that differ from Git.
const OutOfSyncOnly = source.ApplyOutOfSyncOnly

// NoValidate skips kubectl's client-side schema validation in Argo CD's
// apply (the API server still validates).
const NoValidate = "Validate=false"

// Variant is a set of sync options added to the Application's own.
type Variant struct {
	Name    string
	Options []string
}

// Variant names.
const (
	VariantDefault   = "default"
	VariantNoRefresh = "no refresh"
)

// DefaultVariants are compared by default: Argo CD's default, each
// option, and both.
var DefaultVariants = []Variant{
	{Name: VariantDefault},
	{Name: OutOfSyncOnly, Options: []string{OutOfSyncOnly}},
	{Name: NoValidate, Options: []string{NoValidate}},
	{Name: "both", Options: []string{OutOfSyncOnly, NoValidate}},
}

// Config says where and how much to measure.
type Config struct {
	Repo, Branch string // the lab's Git remote
	AppNamespace string // Argo CD's namespace
	App          string
	Namespace    string // the VirtualService's
	VS, Route    string
	Stable       string
	Canary       string
	Kube         *kube.Client
	Apps         argocd.Reader
	// Variants of the sync options (default DefaultVariants); the first
	// is the reference of the ratios.
	Variants []Variant
	// Steps per variant; NoRefreshSteps more without the refresh
	// annotation (each waits up to StepTimeout).
	Steps          int
	NoRefreshSteps int
	Poll           time.Duration // the plain poll's interval (1s)
	Gap            time.Duration // pause between steps (1s): steps are minutes apart in a rollout
	StepTimeout    time.Duration // 30s
	// Progress, when set, gets a line per step.
	Progress io.Writer
}

func (c *Config) defaults() {
	if c.Branch == "" {
		c.Branch = "main"
	}
	if c.Steps <= 0 {
		c.Steps = 8
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Gap < 0 {
		c.Gap = 0
	}
	if c.StepTimeout <= 0 {
		c.StepTimeout = 30 * time.Second
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if len(c.Variants) == 0 {
		c.Variants = DefaultVariants
	}
}

// firstSyncTimeout bounds the wait for the Application's first sync.
const firstSyncTimeout = 3 * time.Minute

// canaryCycle are the canary weights the steps set in turn.
var canaryCycle = []int32{5, 25, 50, 75}

// Run measures, then puts the weights and the sync options back as they
// were. The samples measured so far are returned with an error too.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.defaults()
	t := &target{repo: cfg.Repo, branch: cfg.Branch, appNS: cfg.AppNamespace, app: cfg.App, vsNS: cfg.Namespace, vs: cfg.VS,
		route: cfg.Route, stable: cfg.Stable, canary: cfg.Canary, apps: cfg.Apps, kc: cfg.Kube, poll: cfg.Poll, stepTimout: cfg.StepTimeout}
	opts, err := syncOptions(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// A lab just up may not have had Argo CD's first sync yet: wait for the
	// VirtualService to exist rather than fail the benchmark.
	first, cancel := context.WithTimeout(ctx, firstSyncTimeout)
	rt, err := cfg.Kube.WaitRoute(first, cfg.Namespace, cfg.VS, cfg.Route, func(mesh.Route) bool { return true }, nil)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("reading the VirtualService's weights: %w", err)
	}
	orig := rt.SubsetWeights()
	rep := &Report{Started: time.Now(), Steps: cfg.Steps, Poll: cfg.Poll, Gap: cfg.Gap}
	for _, v := range cfg.Variants {
		rep.Variants = append(rep.Variants, v.Name)
	}
	err = measure(ctx, cfg, t, orig[cfg.Canary], opts, rep)
	// Put things back even when interrupted (with a fresh context).
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*cfg.StepTimeout)
	defer cancel()
	err = errors.Join(err, restore(rctx, cfg, t, orig, opts))
	rep.Finished = time.Now()
	return rep, err
}

func measure(ctx context.Context, cfg Config, t *target, canary int32, opts []string, rep *Report) error {
	next := 0
	weight := func() int32 {
		w := canaryCycle[next%len(canaryCycle)]
		next++
		if w == canary {
			w = canaryCycle[next%len(canaryCycle)]
			next++
		}
		canary = w
		return w
	}
	one := func(variant string, noRefresh bool) error {
		if err := rollout.WallClock().Sleep(ctx, cfg.Gap); err != nil {
			return err
		}
		s, err := t.step(ctx, variant, weight(), noRefresh)
		rep.Samples = append(rep.Samples, s)
		fmt.Fprintf(cfg.Progress, "%-24s %s=%-3d %s\n", variant, cfg.Canary, s.Canary, s.line())
		if err == nil && s.TimedOut {
			err = settle(ctx, cfg, s.SHA, time.Now(), true) // get it live before the next step
		}
		return err
	}
	for i := 0; i < cfg.Steps; i++ {
		for _, v := range cfg.Variants {
			if err := setVariant(ctx, cfg, opts, v); err != nil {
				return err
			}
			if err := one(v.Name, false); err != nil {
				return err
			}
		}
	}
	if err := setVariant(ctx, cfg, opts, Variant{}); err != nil {
		return err
	}
	for i := 0; i < cfg.NoRefreshSteps; i++ {
		if err := one(VariantNoRefresh, true); err != nil {
			return err
		}
	}
	return nil
}

// restore commits the original weights and sets the original sync options.
func restore(ctx context.Context, cfg Config, t *target, orig map[string]int32, opts []string) error {
	var errs []error
	if w, ok := orig[cfg.Canary]; ok && orig[cfg.Stable] == 100-w {
		if _, err := t.step(ctx, "restore", w, false); err != nil && !errors.Is(err, errUnchanged) {
			errs = append(errs, fmt.Errorf("restoring the weights: %w", err))
		}
	}
	if err := patchSyncOptions(ctx, cfg, opts); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// syncOptions reads the Application's spec.syncPolicy.syncOptions.
func syncOptions(ctx context.Context, cfg Config) ([]string, error) {
	u, err := cfg.Apps.Client.Resource(argocd.GVR).Namespace(cfg.AppNamespace).Get(ctx, cfg.App, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading Application %s/%s: %w", cfg.AppNamespace, cfg.App, err)
	}
	opts, _, err := unstructured.NestedStringSlice(u.Object, "spec", "syncPolicy", "syncOptions")
	if err != nil {
		return nil, fmt.Errorf("Application %s/%s: spec.syncPolicy.syncOptions: %w", cfg.AppNamespace, cfg.App, err)
	}
	return opts, nil
}

// withVariant returns the Application's own options without any option a
// variant sets (nor its opposite), plus v's.
func withVariant(base []string, all []Variant, v Variant) []string {
	managed := map[string]bool{}
	for _, x := range all {
		for _, o := range x.Options {
			key, _, _ := strings.Cut(o, "=")
			managed[key] = true
		}
	}
	out := slices.DeleteFunc(slices.Clone(base), func(o string) bool {
		key, _, _ := strings.Cut(o, "=")
		return managed[key]
	})
	return append(out, v.Options...)
}

// setVariant sets the lab's Application's sync options for v (a bench-only
// write; gitshift itself never edits an Application) when they differ, and
// waits until Argo CD has reconciled the change.
func setVariant(ctx context.Context, cfg Config, base []string, v Variant) error {
	cur, err := syncOptions(ctx, cfg)
	if err != nil {
		return err
	}
	want := withVariant(base, cfg.Variants, v)
	if slices.Equal(cur, want) {
		return nil
	}
	at := time.Now()
	if err := patchSyncOptions(ctx, cfg, want); err != nil {
		return err
	}
	// A change of syncPolicy alone does not make Argo CD reconcile.
	return settle(ctx, cfg, "", at, true)
}

func patchSyncOptions(ctx context.Context, cfg Config, opts []string) error {
	patch := map[string]any{"spec": map[string]any{"syncPolicy": map[string]any{"syncOptions": opts}}}
	b, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	_, err = cfg.Apps.Client.Resource(argocd.GVR).Namespace(cfg.AppNamespace).Patch(ctx, cfg.App, types.MergePatchType, b, metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("setting the sync options of Application %s/%s: %w", cfg.AppNamespace, cfg.App, err)
	}
	return nil
}

// settle waits until Argo CD has sha live ("": the revision it compared
// last), reconciled after at.
func settle(ctx context.Context, cfg Config, sha string, at time.Time, refresh bool) error {
	if refresh {
		if err := cfg.Apps.Refresh(ctx, cfg.AppNamespace, cfg.App, argocd.RefreshNormal); err != nil {
			return err
		}
	}
	head := sha
	if head == "" {
		u, err := cfg.Apps.Get(ctx, cfg.AppNamespace, cfg.App)
		if err != nil {
			return err
		}
		if revs := u.Revisions(); len(revs) > 0 {
			head = revs[0]
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 3*cfg.StepTimeout)
	defer cancel()
	if _, err := cfg.Apps.WaitForRevision(sctx, cfg.AppNamespace, cfg.App, head, at, nil); err != nil {
		return fmt.Errorf("waiting for Argo CD to settle: %w", err)
	}
	return nil
}
