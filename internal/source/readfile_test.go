package source

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withFile must give what os.ReadFile gives, content and error text alike,
// whatever the pooled buffer held before; a directory is not a regular file.
func TestWithFileMatchesReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := bytes.Repeat([]byte("kind: A\n"), 40000) // grows the buffer several times
	tests := []struct{ name, path string }{
		{"small", write("small.yaml", []byte(obj("A", "a")))},
		{"empty", write("empty.yaml", nil)},
		{"big", write("big.yaml", big)},
		{"small-after-big", filepath.Join(dir, "small.yaml")},
		{"missing", filepath.Join(dir, "missing.yaml")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, wantErr := os.ReadFile(tt.path)
			called := false
			err := withFile(tt.path, 1<<30, func(data []byte) {
				called = true
				if !bytes.Equal(data, want) {
					t.Errorf("content: got %d bytes, want %d", len(data), len(want))
				}
			})
			if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
				t.Errorf("error %v, want %v", err, wantErr)
			}
			if called != (wantErr == nil) {
				t.Errorf("fn called = %v with error %v", called, err)
			}
		})
	}
}

func TestWithFileRefusesDirectory(t *testing.T) {
	err := withFile(t.TempDir(), 1<<30, func([]byte) { t.Error("fn called for a directory") })
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("err = %v, want ErrNotRegular (directory)", err)
	}
}
