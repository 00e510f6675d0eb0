package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/gitshift/gitshift/internal/gitrepo"
)

// Release is a commit that changes one container image in the lab's Git
// repository: what a release of a new version looks like to the
// controller's workload trigger (Argo CD applies it, the Deployment rolls
// out a new pod template).
type Release struct {
	GitURL, Branch string
	Files          []string // repo-relative manifests, e.g. base/bookinfo.yaml
	Image          string   // image without tag, e.g. docker.io/istio/examples-bookinfo-reviews-v3
	Tag            string   // the new tag
	Message        string
}

// LabAuthor signs the lab's own commits.
var LabAuthor = gitrepo.Signature{Name: "gitshift lab", Email: "lab@gitshift.invalid"}

// Push commits the new tag (re-applied on the new head if someone pushed
// meanwhile) and returns the commit's SHA; "" when the file has the tag
// already everywhere.
func (r Release) Push(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "gitshift-lab-release-")
	if err != nil {
		return "", fmt.Errorf("release: %w", err)
	}
	defer os.RemoveAll(dir)
	repo, err := gitrepo.Clone(ctx, r.GitURL, filepath.Join(dir, "repo"), gitrepo.CloneOptions{Branch: r.Branch, Depth: 1})
	if err != nil {
		return "", fmt.Errorf("release: %w", err)
	}
	res, err := repo.CommitAndPush(ctx, gitrepo.PushOptions{Branch: r.Branch, Commit: gitrepo.CommitOptions{Author: &LabAuthor}},
		func(context.Context, int) (*gitrepo.Change, error) {
			ch := &gitrepo.Change{Message: r.Message}
			for _, f := range r.Files {
				path := filepath.Join(repo.Dir, filepath.FromSlash(f))
				b, err := os.ReadFile(path)
				if err != nil {
					return nil, fmt.Errorf("release: %w", err)
				}
				out, err := SetImageTag(b, r.Image, r.Tag)
				if err != nil {
					return nil, fmt.Errorf("release: %s: %w", f, err)
				}
				if string(out) != string(b) {
					if err := os.WriteFile(path, out, 0o644); err != nil {
						return nil, fmt.Errorf("release: %w", err)
					}
					ch.Paths = append(ch.Paths, f)
				}
			}
			return ch, nil
		})
	if err != nil {
		return "", err
	}
	return res.Commit, nil
}

// SetImageTag replaces the tag of every `image: <image>:<tag>` line.
func SetImageTag(manifest []byte, image, tag string) ([]byte, error) {
	re := regexp.MustCompile(`(?m)^(\s*(?:-\s+)?image:\s*["']?` + regexp.QuoteMeta(image) + `):[^\s"']+`)
	if !re.Match(manifest) {
		return nil, fmt.Errorf("no image %s", image)
	}
	return re.ReplaceAll(manifest, []byte("${1}:"+tag)), nil
}
