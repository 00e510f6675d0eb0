package source

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCacheHandsFilesToTheWalk: the walk decodes what FindApplications
// read, unless the file changed size since (then it reads it again).
func TestCacheHandsFilesToTheWalk(t *testing.T) {
	root := writeRepo(t, map[string]string{"app/a.yaml": obj("A", "a"), "app/b.yaml": obj("B", "b")})
	real, _ := filepath.EvalSymlinks(root)
	cache := NewCache()
	if _, err := FindApplicationsCached(context.Background(), root, cache); err != nil {
		t.Fatal(err)
	}
	// Same size, other content: the cached text is what gets decoded.
	if err := os.WriteFile(filepath.Join(real, "app", "a.yaml"), []byte(obj("X", "a")), 0o644); err != nil {
		t.Fatal(err)
	}
	// Other size: read again.
	if err := os.WriteFile(filepath.Join(real, "app", "b.yaml"), []byte(obj("BB", "b")), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := render(t, root, dirApp("app", nil), Options{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(res), []string{"A/a", "BB/b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("objects %v, want %v", got, want)
	}
	if len(cache.m) != 0 {
		t.Errorf("cache still holds %d files after the walk took them", len(cache.m))
	}
}
