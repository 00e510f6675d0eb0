package verify

import (
	"time"

	"github.com/gitshift/gitshift/internal/argocd"
	"github.com/gitshift/gitshift/internal/mesh"
	"github.com/gitshift/gitshift/internal/metrics"
	"github.com/gitshift/gitshift/internal/source"
)

// State is what the checks learn, in order; later checks read what earlier
// ones found.
type State struct {
	Config
	Deps
	done []Result

	Application argocd.AppStatus
	SourceApp   source.Application
	DestNS      string
	Checkout    Checkout
	// Objects are what Argo CD applies from the checkout; Renders the
	// per-source results (files read, files ignored and why).
	Objects []source.Object
	Renders []*source.Result
	// Unapplied are objects in files Argo CD skips because a directory
	// source does not recurse into subdirectories.
	Unapplied  []source.Object
	Assessment argocd.Assessment

	gitModel *mesh.Model
	// liveVSs are the live VirtualServices Git renders, for istiod.
	liveVSs []liveVS
	targets []target
	// liveModel holds the live DestinationRules of the targets' namespaces.
	liveModel *mesh.Model
	// weightsSince is when each target's live VirtualService last changed.
	weightsSince map[string]time.Time
	traffic      map[string]metrics.WindowCounts
}

// target is one host whose traffic Git splits between subsets.
type target struct {
	VS    *mesh.VirtualService // from Git
	Live  *mesh.VirtualService
	Host  string // FQDN
	Route string // route label, e.g. http[1]
	// HTTPIndex is the route's index in spec.http, -1 for tcp and tls.
	HTTPIndex int
	// OtherRoutes is true when other routes also send the host traffic
	// (e.g. a header match for testers): the observed split then mixes them.
	OtherRoutes bool
	Subsets     []subsetWeight
}

type subsetWeight struct {
	Name    string
	Percent float64
	Labels  map[string]string // from the live DestinationRule, else Git's
	Version string            // destination_version Istio reports for it
}

func (s *State) status(id string) Status {
	for _, r := range s.done {
		if r.ID == id {
			return r.Status
		}
	}
	return ""
}

// needs returns a Skip result when a prerequisite did not produce what the
// check needs, naming it. A failed check still produced data, except the
// application and git checks, which fail exactly when they have none.
func (s *State) needs(ids ...string) (Result, bool) {
	for _, id := range ids {
		st := s.status(id)
		if st == Pass || st == Insufficient || (st == Fail && id != "application" && id != "git") {
			continue
		}
		return skipped("needs the %s check", id), false
	}
	return Result{}, true
}
