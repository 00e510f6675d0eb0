package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// SystemBinary is a program the lab takes from the operating system and, on
// Debian, installs with apt-get when missing.
type SystemBinary struct {
	Name    string // command looked up on PATH
	Package string // Debian package providing it
}

// SystemBinaries are the lab's Debian-provided programs.
var SystemBinaries = []SystemBinary{
	{Name: "prometheus", Package: "prometheus"},
	{Name: "redis-server", Package: "redis-server"},
	{Name: "git", Package: "git"},
}

// Browser is the headless Chromium that the dashboard's browser test
// drives (make e2e); the lab itself does not need it. The headless shell
// is Chromium without its desktop parts; its dependencies bring a font.
var Browser = SystemBinary{Name: "chromium-headless-shell", Package: "chromium-headless-shell"}

// EnsureBrowser returns the path of Browser, installing its package with
// apt-get (as root) when missing.
func EnsureBrowser(ctx context.Context, progress io.Writer) (string, error) {
	paths, err := ensureBinaries(ctx, progress, []SystemBinary{Browser})
	if err != nil {
		return "", err
	}
	return paths[Browser.Name], nil
}

// EnsureSystemBinaries returns the paths of SystemBinaries, installing the
// missing packages with apt-get (as root) first.
func EnsureSystemBinaries(ctx context.Context, progress io.Writer) (map[string]string, error) {
	return ensureBinaries(ctx, progress, SystemBinaries)
}

func ensureBinaries(ctx context.Context, progress io.Writer, bins []SystemBinary) (map[string]string, error) {
	var missing []string
	for _, b := range bins {
		if _, err := exec.LookPath(b.Name); err != nil {
			missing = append(missing, b.Package)
		}
	}
	if len(missing) > 0 {
		if err := aptInstall(ctx, progress, missing); err != nil {
			return nil, err
		}
	}
	paths := map[string]string{}
	for _, b := range bins {
		p, err := exec.LookPath(b.Name)
		if err != nil {
			return nil, fmt.Errorf("%s is still not on PATH after installing package %s", b.Name, b.Package)
		}
		paths[b.Name] = p
	}
	return paths, nil
}

func aptInstall(ctx context.Context, progress io.Writer, pkgs []string) error {
	hint := "install them with: sudo apt-get install -y " + strings.Join(pkgs, " ")
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("the lab needs the packages %s and apt-get is not available; %s", strings.Join(pkgs, ", "), hint)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("the lab needs the packages %s and is not running as root; %s", strings.Join(pkgs, ", "), hint)
	}
	if progress != nil {
		fmt.Fprintf(progress, "lab: installing %s with apt-get\n", strings.Join(pkgs, " "))
	}
	for _, args := range [][]string{{"update"}, append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s failed: %w\n%s\n%s", args[0], err, lastLines(out, 15), hint)
		}
	}
	return nil
}
