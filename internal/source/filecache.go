package source

import "sync"

// FileCache keeps the content of files read once for a render that reads
// them again: FindApplications reads every YAML file of the repository,
// and a directory source then reads most of them a second time. The cache
// hands each file out once (take), so its memory goes as the render goes.
// A file is taken only if its size is still the one that was read.
type FileCache struct {
	mu sync.Mutex
	m  map[string][]byte // absolute path -> content
}

// NewFileCache returns an empty cache.
func NewFileCache() *FileCache { return &FileCache{m: map[string][]byte{}} }

func (c *FileCache) put(path string, data []byte) {
	if c == nil {
		return
	}
	cp := append([]byte(nil), data...)
	c.mu.Lock()
	c.m[path] = cp
	c.mu.Unlock()
}

func (c *FileCache) take(path string, size int64) ([]byte, bool) {
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
