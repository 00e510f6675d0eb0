package gitrepo_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// TestRemoteRefs: branches and tags of a remote that needs credentials,
// read with them, and the branch check's messages show the URL without.
func TestRemoteRefs(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", map[string]string{"a.txt": "a\n"})
	gittest.Git(t, srv.Path("repo"), "tag", "v1", "main")
	gittest.Git(t, srv.Path("repo"), "tag", "-a", "-m", "annotated", "v2", "main")
	gittest.Git(t, srv.Path("repo"), "branch", "dev", "main")
	h := srv.HTTP(t, "alice", "s3cret")
	remote := h.Repo("repo", "alice:s3cret")
	refs, err := gitrepo.RemoteRefs(context.Background(), remote, gittest.Env, 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(refs.Branches, ",") != "dev,main" || strings.Join(refs.Tags, ",") != "v1,v2" {
		t.Fatalf("refs %+v", refs)
	}
	tests := []struct{ branch, want string }{
		{"main", ""},
		{"nope", "branch nope does not exist on " + h.Repo("repo", "***") + "; its branches: dev, main"},
		{"v2", "v2 is a tag on " + h.Repo("repo", "***") + ", not a branch"},
	}
	for _, tt := range tests {
		err := refs.CheckBranch(remote, tt.branch)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.branch, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || errkind.Of(err) != errkind.Invalid || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v, want %q (invalid, no credential)", tt.branch, err, tt.want)
		}
	}
	_, err = gitrepo.RemoteRefs(context.Background(), "http://alice:s3cret@127.0.0.1:1/x.git", gittest.Env, 0)
	var re *gitrepo.RemoteError
	if !errors.As(err, &re) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("unreachable: %v", err)
	}
}
