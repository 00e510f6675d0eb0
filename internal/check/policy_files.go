package check

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/source"
)

// foundPolicy is a valid CanaryPolicy in a checkout, defaulted as the
// rollout reads it from its file.
type foundPolicy struct {
	root string // the checkout
	pol  *policy.CanaryPolicy
	// several: the file holds more than one policy, so a command reading it
	// needs the policy's name.
	several bool
}

// governs reports whether the policy rolls out t's Application.
func (fp foundPolicy) governs(t *Target) bool {
	tg := fp.pol.Spec.Target
	return fp.root == t.RepoRoot && tg.Application == t.App.Name && tg.ArgoCDNamespace == t.ArgoCDNamespace()
}

// policyProblem is one reason a CanaryPolicy file does not parse or a
// policy in it does not validate, reported at the Application that governs
// the policy or, when there is none, at the first that found the file.
type policyProblem struct {
	owner *Target
	name  string // the policy's, when it parsed
	*policy.FieldError
}

// canaryPolicies returns the valid CanaryPolicies of every checked
// checkout, once: the files an Application applies that hold one (gitshift
// reads the controller's policy from Git too) and the files no Application
// applies that hold one (a policy kept next to the manifests for `rollout
// --policy`). What does not parse or validate goes to fi.policyProblems
// (GS3002): the rollout and the controller would refuse it.
func (fi *fileIndex) canaryPolicies() []foundPolicy {
	if fi.policiesDone {
		return fi.policies
	}
	fi.policiesDone = true
	type key struct{ root, file string }
	owner := map[key]*Target{}
	var files []key
	add := func(t *Target, file string) {
		if k := (key{t.RepoRoot, file}); owner[k] == nil {
			owner[k] = t
			files = append(files, k)
		}
	}
	for _, t := range fi.targets {
		for _, s := range t.Sources {
			// A Helm template is not the policy it renders; a mapped
			// repository is another checkout.
			if s.Result == nil || s.Root != "" || s.Result.Type == source.TypeHelm {
				continue
			}
			for _, o := range s.Result.Objects {
				if o.GetKind() == policy.Kind && strings.HasPrefix(o.GetAPIVersion(), policy.Group+"/") {
					add(t, o.Source.File)
				}
			}
		}
		for _, u := range fi.unappliedFor(t) {
			if u.Content != nil && u.Content.Policy {
				add(t, u.File)
			}
		}
	}
	problem := func(t *Target, name string, err error) {
		var pe *policy.Error
		if !errors.As(err, &pe) {
			return // not the policy's fault (e.g. unreadable): other rules say so
		}
		for _, fe := range pe.Problems {
			fi.policyProblems = append(fi.policyProblems, policyProblem{owner: t, name: name, FieldError: fe})
		}
	}
	for _, k := range files {
		data, err := source.ReadFile(filepath.Join(k.root, filepath.FromSlash(k.file)), source.DefaultMaxCombinedManifestSize)
		if err != nil {
			continue
		}
		// Parse keeps the policies that decoded cleanly next to the
		// problems of the others.
		ps, parseErr := policy.Parse(k.file, data)
		problem(owner[k], "", parseErr)
		// A file whose other documents are broken still holds several
		// policies: commands reading it need the name.
		several := len(ps) > 1 || parseErr != nil
		for _, p := range ps {
			d, err := policy.Complete(p, policy.Overrides{})
			if err != nil {
				problem(fi.governor(k.root, &p, owner[k]), p.Metadata.Name, err)
				continue
			}
			fi.policies = append(fi.policies, foundPolicy{root: k.root, pol: d, several: several})
		}
	}
	return fi.policies
}

// governor is the checked Application p rolls out, or def.
func (fi *fileIndex) governor(root string, p *policy.CanaryPolicy, def *Target) *Target {
	// The target's Argo CD namespace is defaulted.
	d := policy.WithDefaults(*p)
	fp := foundPolicy{root: root, pol: &d}
	for _, t := range fi.targets {
		if fp.governs(t) {
			return t
		}
	}
	return def
}

// policyProblemsOf returns the problems reported at t's Application.
func (fi *fileIndex) policyProblemsOf(t *Target) []policyProblem {
	fi.canaryPolicies()
	var out []policyProblem
	for _, pp := range fi.policyProblems {
		if pp.owner == t {
			out = append(out, pp)
		}
	}
	return out
}
