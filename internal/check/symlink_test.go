package check

import (
	"os"
	"path/filepath"
	"testing"
)

// GS1015 needs a real symlink, which a text fixture cannot hold.
func TestSymlinkedDirectory(t *testing.T) {
	fx := readFixture(t, "testdata/valid-bookinfo.yaml")
	root := fx.materialize(t)
	if err := os.Symlink("canary", filepath.Join(root, "canary-link")); err != nil {
		t.Skipf("symlinks unsupported: %v", err)
	}
	_, diags := checkRepo(t, root)
	var got []string
	for _, d := range diags {
		got = append(got, short(d))
	}
	if len(got) != 1 || got[0] != "GS1015 warning canary-link:0" {
		t.Errorf("diagnostics = %q", got)
	}
}
