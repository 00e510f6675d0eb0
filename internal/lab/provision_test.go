package lab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeToolModule creates lab/tools/<name> under root holding a main package.
func writeToolModule(t *testing.T, root, name, mainSrc string) {
	t.Helper()
	dir := filepath.Join(root, "lab", "tools", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":  "module example.com/" + name + "\n\ngo 1.22\n",
		"main.go": mainSrc,
	}
	for f, c := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEnsureBuildsCachesAndLinks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	root, cache := t.TempDir(), t.TempDir()
	writeToolModule(t, root, "good", "package main\n\nfunc main() {}\n")
	p := &Provisioner{RepoRoot: root, CacheDir: cache}
	tool := Tool{Name: "good", Version: "v1.0.0", Module: "good", Package: ".", Links: []string{"good-alias"}}
	bin, err := p.Ensure(context.Background(), tool)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "good-v1.0.0", "good"); bin != want || !isExecutable(bin) {
		t.Fatalf("binary %s, want executable %s", bin, want)
	}
	if target, err := os.Readlink(filepath.Join(cache, "good-v1.0.0", "good-alias")); err != nil || target != "good" {
		t.Fatalf("link: %q, %v", target, err)
	}
	// Cached: a broken module no longer matters.
	writeToolModule(t, root, "good", "package main\n\nthis does not compile\n")
	if _, err := p.Ensure(context.Background(), tool); err != nil {
		t.Fatalf("cached tool rebuilt: %v", err)
	}
}

func TestEnsureReportsFailedBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	root, cache := t.TempDir(), t.TempDir()
	writeToolModule(t, root, "bad", "package main\n\nfunc main() { undefinedCall() }\n")
	p := &Provisioner{RepoRoot: root, CacheDir: cache}
	_, err := p.Ensure(context.Background(), Tool{Name: "bad", Version: "v0.1.0", Module: "bad", Package: "."})
	var be *BuildError
	if !errors.As(err, &be) {
		t.Fatalf("want *BuildError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"bad v0.1.0", filepath.Join(cache, "bad-v0.1.0", "build.log"), "undefinedCall"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error should mention %q:\n%s", want, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(cache, "bad-v0.1.0", "bad")); err == nil {
		t.Error("a failed build must not leave a binary in the cache")
	}
}

func TestEnsureMissingModule(t *testing.T) {
	p := &Provisioner{RepoRoot: t.TempDir(), CacheDir: t.TempDir()}
	_, err := p.Ensure(context.Background(), Tool{Name: "x", Version: "v1", Module: "nope", Package: "."})
	if err == nil || !strings.Contains(err.Error(), "tool module") {
		t.Fatalf("want a missing-module error, got %v", err)
	}
}

// TestProvisionerWants: --core=false builds only the optional components
// asked for, --istiod=false only the core (make e2e splits the build so).
func TestProvisionerWants(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        Provisioner
		core     bool
		istiod   bool
		istioctl bool
	}{
		{"lab up", Provisioner{}, true, false, false},
		{"lab up --istiod", Provisioner{Components: []string{ComponentIstiod}}, true, true, false},
		{"provision --core=false", Provisioner{Components: []string{ComponentIstiod}, SkipCore: true}, false, true, false},
		{"provision --core=false --istiod=false --istioctl", Provisioner{Components: []string{ComponentIstioctl}, SkipCore: true}, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for comp, want := range map[string]bool{"": tc.core, ComponentIstiod: tc.istiod, ComponentIstioctl: tc.istioctl} {
				if got := tc.p.wants(comp); got != want {
					t.Errorf("wants(%q) = %v, want %v", comp, got, want)
				}
			}
		})
	}
}

// TestEnsureAllSkipCore: with SkipCore only the optional component's tools
// are looked up (cached here, so nothing builds) and returned.
func TestEnsureAllSkipCore(t *testing.T) {
	cache := t.TempDir()
	p := &Provisioner{RepoRoot: t.TempDir(), CacheDir: cache, Components: []string{ComponentIstiod}, SkipCore: true}
	var want []string
	for _, tool := range Tools {
		if tool.Component != ComponentIstiod {
			continue
		}
		want = append(want, tool.Name)
		if err := os.MkdirAll(p.Dir(tool), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p.Path(tool), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bins, err := p.EnsureAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for name := range bins {
		got = append(got, name)
	}
	if len(want) == 0 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("provisioned %v, want only %v", got, want)
	}
}
