package lab

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEnsureBinariesMissingPackage runs the missing-package path against
// stand-in apt-get scripts on a PATH that holds nothing else.
func TestEnsureBinariesMissingPackage(t *testing.T) {
	bins := []SystemBinary{{Name: "gitshift-test-tool", Package: "gitshift-test-pkg"}}
	tests := []struct {
		name    string
		aptGet  string // script body; "" = no apt-get on PATH
		root    bool   // the apt-get paths need euid 0
		wantErr []string
	}{
		{"no apt-get", "", false, []string{"needs the packages gitshift-test-pkg", "apt-get is not available", "sudo apt-get install -y gitshift-test-pkg"}},
		{"apt-get fails", "echo 'E: Unable to locate package gitshift-test-pkg' >&2; exit 100", true,
			[]string{"apt-get install failed", "Unable to locate package gitshift-test-pkg", "sudo apt-get install -y gitshift-test-pkg"}},
		{"installed but not on PATH", "exit 0", true, []string{"gitshift-test-tool is still not on PATH after installing package gitshift-test-pkg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() != 0 {
				t.Skip("apt-get is only run as root")
			}
			dir := t.TempDir()
			if tt.aptGet != "" {
				script := "#!/bin/sh\ncase \"$1\" in update) exit 0;; esac\n" + tt.aptGet + "\n"
				if err := os.WriteFile(filepath.Join(dir, "apt-get"), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("PATH", dir)
			_, err := ensureBinaries(context.Background(), nil, bins)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestEnsureBinariesPresent(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "gitshift-test-tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	got, err := ensureBinaries(context.Background(), nil, []SystemBinary{{Name: "gitshift-test-tool", Package: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	if got["gitshift-test-tool"] != tool {
		t.Errorf("path %q, want %q", got["gitshift-test-tool"], tool)
	}
}
