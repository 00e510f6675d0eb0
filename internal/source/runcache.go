package source

import (
	"context"
	"sync"
)

// Cache is what one run (check or render over a repository's
// Applications) does once instead of once per source.
//
// Files: FindApplications reads every YAML file of the repository, and a
// directory source then reads most of them a second time. The cache hands
// each file out once (take), so its memory goes as the render goes. A
// file is taken only if its size is still the one that was read.
//
// Symlinks: Argo CD checks the whole checkout for escaping symlinks
// before every render; the outcome is the same for every source of a
// root, and the walk costs as much as the repository is large.
type Cache struct {
	mu  sync.Mutex
	m   map[string][]byte // absolute path -> content
	oob map[string]error  // root -> CheckOutOfBoundsSymlinks outcome
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{m: map[string][]byte{}, oob: map[string]error{}} }

// checkSymlinks is CheckOutOfBoundsSymlinks(ctx, root), done once per root.
func (c *Cache) checkSymlinks(ctx context.Context, root string) error {
	if c == nil {
		return CheckOutOfBoundsSymlinks(ctx, root)
	}
	c.mu.Lock()
	err, done := c.oob[root]
	c.mu.Unlock()
	if done {
		return err
	}
	err = CheckOutOfBoundsSymlinks(ctx, root)
	if ctx.Err() == nil {
		c.mu.Lock()
		c.oob[root] = err
		c.mu.Unlock()
	}
	return err
}

// put keeps data, which the caller gives up, for path.
func (c *Cache) put(path string, data []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.m[path] = data
	c.mu.Unlock()
}

func (c *Cache) take(path string, size int64) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.m[path]
	if !ok {
		return nil, false
	}
	delete(c.m, path)
	return data, int64(len(data)) == size
}
