package check

import (
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

// canaryPolicies returns the CanaryPolicies of every checked checkout,
// once: the files an Application applies that hold one (gitshift reads the
// controller's policy from Git too) and the files no Application applies
// that hold one (a policy kept next to the manifests for `rollout
// --policy`). A file that does not parse or validate is left to the
// commands that read it, which report it with file:line.
func (fi *fileIndex) canaryPolicies() []foundPolicy {
	if fi.policiesDone {
		return fi.policies
	}
	fi.policiesDone = true
	type key struct{ root, file string }
	seen := map[key]bool{}
	var files []key
	add := func(root, file string) {
		if k := (key{root, file}); !seen[k] {
			seen[k] = true
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
					add(t.RepoRoot, o.Source.File)
				}
			}
		}
		for _, u := range fi.unappliedFor(t) {
			if u.Content != nil && u.Content.Policy {
				add(t.RepoRoot, u.File)
			}
		}
	}
	for _, k := range files {
		data, err := source.ReadFile(filepath.Join(k.root, filepath.FromSlash(k.file)), source.DefaultMaxCombinedManifestSize)
		if err != nil {
			continue
		}
		ps, err := policy.Parse(k.file, data)
		if err != nil {
			continue
		}
		for _, p := range ps {
			d, err := policy.Complete(p, policy.Overrides{})
			if err != nil {
				continue
			}
			fi.policies = append(fi.policies, foundPolicy{root: k.root, pol: d, several: len(ps) > 1})
		}
	}
	return fi.policies
}
