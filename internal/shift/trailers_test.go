package shift

import (
	"reflect"
	"testing"

	"github.com/gitshift/gitshift/internal/gitrepo"
)

func TestMergeTrailers(t *testing.T) {
	defaults := []gitrepo.Trailer{
		{Key: "Gitshift-Action", Value: "shift"},
		{Key: "Gitshift-App", Value: "bookinfo"},
		{Key: "Gitshift-Weights", Value: "v1=95,v3=5"},
	}
	tests := []struct {
		name  string
		extra []gitrepo.Trailer
		want  []gitrepo.Trailer
	}{
		{"none", nil, defaults},
		{"new keys appended", []gitrepo.Trailer{{Key: "Gitshift-Rollout", Value: "r1"}}, append(append([]gitrepo.Trailer{}, defaults...), gitrepo.Trailer{Key: "Gitshift-Rollout", Value: "r1"})},
		{"same key replaced in place, any case", []gitrepo.Trailer{
			{Key: "gitshift-action", Value: "rollout-step"},
			{Key: "Gitshift-Rollout", Value: "r1"},
			{Key: "Gitshift-Weights", Value: "v1=95,v3=5"},
		}, []gitrepo.Trailer{
			{Key: "gitshift-action", Value: "rollout-step"},
			{Key: "Gitshift-App", Value: "bookinfo"},
			{Key: "Gitshift-Weights", Value: "v1=95,v3=5"},
			{Key: "Gitshift-Rollout", Value: "r1"},
		}},
		{"caller repeats a key on purpose: first replaces, second kept", []gitrepo.Trailer{
			{Key: "Gitshift-App", Value: "a"}, {Key: "Gitshift-App", Value: "b"},
		}, []gitrepo.Trailer{
			{Key: "Gitshift-Action", Value: "shift"},
			{Key: "Gitshift-App", Value: "a"},
			{Key: "Gitshift-Weights", Value: "v1=95,v3=5"},
			{Key: "Gitshift-App", Value: "b"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mergeTrailers(defaults, tt.extra); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}
