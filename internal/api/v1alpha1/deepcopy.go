package v1alpha1

import (
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// Hand-written deep copies (no code generator in the build). TestDeepCopy
// fills every field through reflection and fails on any shared pointer,
// slice or map, so a field added later cannot be copied shallowly unnoticed.

// DeepCopyObject implements runtime.Object.
func (p *CanaryPolicy) DeepCopyObject() runtime.Object { return p.DeepCopy() }

// DeepCopy returns a deep copy of p.
func (p *CanaryPolicy) DeepCopy() *CanaryPolicy {
	if p == nil {
		return nil
	}
	out := &CanaryPolicy{TypeMeta: p.TypeMeta}
	p.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec = deepCopySpec(p.Spec)
	out.Status = *p.Status.DeepCopy()
	return out
}

// DeepCopyObject implements runtime.Object.
func (l *CanaryPolicyList) DeepCopyObject() runtime.Object {
	if l == nil {
		return nil
	}
	out := &CanaryPolicyList{TypeMeta: l.TypeMeta}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	if l.Items != nil {
		out.Items = make([]CanaryPolicy, len(l.Items))
		for i := range l.Items {
			out.Items[i] = *l.Items[i].DeepCopy()
		}
	}
	return out
}

func deepCopySpec(s policy.Spec) policy.Spec {
	s.Steps = slices.Clone(s.Steps)
	for i := range s.Steps {
		s.Steps[i].HeaderRoute = clonePtr(s.Steps[i].HeaderRoute)
	}
	a := &s.Analysis
	a.ErrorRate.Enabled = clonePtr(a.ErrorRate.Enabled)
	a.ErrorRate.Margin = clonePtr(a.ErrorRate.Margin)
	a.HoldBayesFactor = clonePtr(a.HoldBayesFactor)
	a.Latency.Enabled = clonePtr(a.Latency.Enabled)
	a.CustomChecks = slices.Clone(a.CustomChecks)
	s.Git.SecretRef = clonePtr(s.Git.SecretRef)
	if s.Notifications != nil {
		ns := make([]policy.Notification, len(s.Notifications))
		for i, n := range s.Notifications {
			n.SecretRef = clonePtr(n.SecretRef)
			n.On = slices.Clone(n.On)
			ns[i] = n
		}
		s.Notifications = ns
	}
	return s
}

// DeepCopy returns a deep copy of s.
func (s *Status) DeepCopy() *Status {
	out := *s
	out.CanaryWeight = clonePtr(s.CanaryWeight)
	out.GitWeights = maps.Clone(s.GitWeights)
	out.LiveWeights = maps.Clone(s.LiveWeights)
	if d := s.LastDecision; d != nil {
		dc := *d
		d.Time.DeepCopyInto(&dc.Time)
		if e := d.Evidence; e != nil {
			ec := *e
			ec.Tests, ec.Checks = slices.Clone(e.Tests), slices.Clone(e.Checks)
			dc.Evidence = &ec
		}
		out.LastDecision = &dc
	}
	if t := s.Trigger; t != nil {
		tc := *t
		tc.Time = t.Time.DeepCopy()
		tc.Templates = maps.Clone(t.Templates)
		out.Trigger = &tc
	}
	if s.Commits != nil {
		out.Commits = make([]CommitRecord, len(s.Commits))
		for i, c := range s.Commits {
			c.PushToLiveSeconds = clonePtr(c.PushToLiveSeconds)
			out.Commits[i] = c
		}
	}
	out.StartedAt, out.FinishedAt = s.StartedAt.DeepCopy(), s.FinishedAt.DeepCopy()
	if s.Conditions != nil {
		out.Conditions = make([]metav1.Condition, len(s.Conditions))
		for i := range s.Conditions {
			s.Conditions[i].DeepCopyInto(&out.Conditions[i])
		}
	}
	return &out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
