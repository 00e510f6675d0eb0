package verify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/istiod"
)

// ControlPlane reports whether istiod applied an object (istiod.Client).
type ControlPlane interface {
	Status(ctx context.Context, want istiod.Want) (istiod.Status, error)
	URL() string
}

// liveVS is a live VirtualService the virtualservice check read.
type liveVS struct {
	Ref        string // namespace/name
	Namespace  string
	Name       string
	RV         string
	WrittenAt  time.Time
	MatchesGit bool
}

// DefaultControlPlaneWait bounds how long the control-plane check waits for
// istiod to push a just-written VirtualService and its proxies to ACK it
// when no --wait is given: Istio pushes at most PILOT_DEBOUNCE_MAX (10 s by
// default) after a change.
const DefaultControlPlaneWait = 15 * time.Second

// checkControlPlane asks istiod, when its debug address is known, whether
// it holds the live VirtualServices and its proxies acknowledged the push:
// the strongest "live" signal short of traffic. Without it the API-server
// read (the virtualservice check) is all there is, and the result says so.
func checkControlPlane(ctx context.Context, s *State) Result {
	if s.ControlPlane == nil {
		return Result{Status: Skip,
			Summary:  "not checked: no istiod debug address (--istiod-debug), so \"live\" means the API server's copy (virtualservice check), not what istiod pushed",
			Evidence: map[string]any{"state": "not-checked", "fallback": "api-server"}}
	}
	if r, ok := s.needs("virtualservice"); !ok {
		return r
	}
	if len(s.liveVSs) == 0 {
		return skipped("no live VirtualService to ask istiod about")
	}
	wait := s.ControlPlaneWait
	if s.Wait > wait {
		wait = s.Wait
	}
	deadline := time.Now().Add(wait)
	var (
		sts     []istiod.Status
		err     error
		waiting bool
	)
	for {
		sts, err = controlPlaneStatuses(ctx, s.ControlPlane, s.liveVSs)
		if err != nil || allApplied(sts, s.liveVSs) || !time.Now().Before(deadline) {
			break
		}
		if !waiting {
			s.Progress(fmt.Sprintf("waiting up to %s for istiod to push the live VirtualService and its proxies to acknowledge it", wait.Round(time.Second)))
			waiting = true
		}
		select {
		case <-ctx.Done():
			return errorResult("asking istiod at "+s.ControlPlane.URL(), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err != nil {
		r := errorResult("asking istiod at "+s.ControlPlane.URL(), err)
		r.Fix = "check --istiod-debug (istiod's --httpAddr; for a real cluster: kubectl -n istio-system port-forward deploy/istiod 8080)"
		return r
	}
	return controlPlaneResult(s.ControlPlane.URL(), s.liveVSs, sts)
}

func controlPlaneStatuses(ctx context.Context, cp ControlPlane, vss []liveVS) ([]istiod.Status, error) {
	out := make([]istiod.Status, 0, len(vss))
	for _, v := range vss {
		st, err := cp.Status(ctx, istiod.Want{Kind: "VirtualService", Namespace: v.Namespace, Name: v.Name,
			ResourceVersion: v.RV, WrittenAt: v.WrittenAt})
		if err != nil {
			return nil, fmt.Errorf("VirtualService %s: %w", v.Ref, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// allApplied: nothing more to wait for. Git's weights not being live is
// the virtualservice check's failure, and no proxy connected is istiod's
// state: waiting changes neither.
func allApplied(sts []istiod.Status, vss []liveVS) bool {
	for i, st := range sts {
		if st.State == istiod.Pending && vss[i].MatchesGit {
			return false
		}
	}
	return true
}

func controlPlaneResult(url string, vss []liveVS, sts []istiod.Status) Result {
	r := Result{Status: Pass}
	state := string(istiod.Applied)
	var applied, evidence []map[string]any
	var summaries []string
	for i, st := range sts {
		v := vss[i]
		evidence = append(evidence, map[string]any{"virtualService": v.Ref, "resourceVersion": v.RV,
			"matchesGit": v.MatchesGit, "controlPlane": st})
		line := fmt.Sprintf("%s: %s", v.Ref, st.Summary())
		switch {
		case !v.MatchesGit:
			// Reported once, by the virtualservice check: here only what
			// istiod holds instead.
			r.Details = append(r.Details, line+" (that is the previous version: Git's is not live)")
			if r.Status == Pass {
				r.Status, state = Skip, "not-git"
			}
		case st.State == istiod.Applied:
			summaries = append(summaries, fmt.Sprintf("%s rv %s, %d/%d proxies acknowledged", v.Ref, v.RV, st.Acked, st.Proxies))
			applied = append(applied, map[string]any{"virtualService": v.Ref, "resourceVersion": v.RV})
		case st.State == istiod.NoProxies:
			r.Details = append(r.Details, line)
			if r.Status != Fail {
				r.Status, state = Insufficient, string(istiod.NoProxies)
			}
		default:
			r.Details = append(r.Details, line)
			r.Status, state = Fail, string(istiod.Pending)
		}
	}
	r.Evidence = map[string]any{"state": state, "istiod": url, "virtualServices": evidence}
	switch r.Status {
	case Pass:
		r.Summary = "applied by istiod: " + strings.Join(summaries, "; ")
	case Skip:
		r.Summary = "Git's weights are not live (virtualservice check), so istiod cannot have applied them"
	case Insufficient:
		r.Summary = "istiod holds the live VirtualService, but no proxy is connected to this istiod: nothing acknowledged it"
		r.Fix = "with several istiod replicas, port-forward to the one your proxies use (istioctl proxy-status shows it)"
	case Fail:
		r.Summary = "pending in the control plane: istiod has not pushed the live VirtualService, or a proxy has not acknowledged it"
		r.Cause = "istiod is behind the API server (debounce, a slow push), or a proxy rejected (NACKed) or has not ACKed the push"
		r.Fix = "retry in a few seconds; istioctl proxy-status shows each proxy's sync; istiod's log names a rejected push"
	}
	return r
}
