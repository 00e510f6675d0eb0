package check

import (
	"fmt"

	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/source"
)

// canary returns a VirtualService of the Application whose routes split
// traffic by weight (two or more destinations, weights set), or nil.
func (p *Pass) canary() *mesh.VirtualService {
	for _, vs := range p.Own().VirtualServices {
		for _, r := range vs.Routes() {
			if len(r.Destinations) > 1 && r.TotalWeight > 0 {
				return vs
			}
		}
	}
	return nil
}

func runManualSync(p *Pass) {
	sp := p.Target.App.SyncPolicy
	if sp != nil && sp.Automated != nil {
		return
	}
	msg := fmt.Sprintf("Application %q has no automated sync policy: a commit reaches the cluster only when someone syncs", p.Target.App.Name)
	hint := "set spec.syncPolicy.automated (with prune: true and selfHeal: true)"
	sev := SeverityInfo
	if vs := p.canary(); vs != nil {
		sev = SeverityWarning
		msg += fmt.Sprintf("; VirtualService %s splits traffic by weight, and a canary rollout that changes weights by commit cannot proceed", vs.Ref())
	}
	path := "spec"
	if sp != nil {
		path = "spec.syncPolicy"
	}
	p.reportApp(sev, path, msg, hint)
}

func runApplyOutOfSyncOnly(p *Pass) {
	vs := p.canary()
	if vs == nil {
		return
	}
	sp := p.Target.App.SyncPolicy
	path := "spec"
	if sp != nil {
		for _, o := range sp.SyncOptions {
			if o == source.ApplyOutOfSyncOnly {
				return
			}
		}
		path = "spec.syncPolicy.syncOptions"
	}
	p.reportApp("", path,
		fmt.Sprintf("Application %q carries a canary (VirtualService %s) but syncs without %s: Argo CD re-applies every object on each weight change", p.Target.App.Name, vs.Ref(), source.ApplyOutOfSyncOnly),
		"add "+source.ApplyOutOfSyncOnly+" to spec.syncPolicy.syncOptions: in gitshift's lab a step's push→live fell from 3.0–3.6 s to 1.2–1.8 s with it")
}
