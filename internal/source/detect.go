package source

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// resolveAppPath applies Argo CD's path rules: absolute paths are rejected,
// the path must stay inside the repo root, exist and be a directory; empty
// means the root. repoRoot must be absolute and clean.
func resolveAppPath(repoRoot, p string) (string, error) {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%s: app path is absolute", p)
	}
	abs := filepath.Join(repoRoot, p)
	// Argo CD compares string prefixes without a separator; we require a
	// real path boundary so that ../repo-sibling cannot slip through.
	if !inside(repoRoot, abs) {
		return "", fmt.Errorf("%s: app path outside root", p)
	}
	fi, err := os.Stat(abs)
	if os.IsNotExist(err) {
		return "", fmt.Errorf("%s: app path does not exist", p)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%s: app path is not a directory", p)
	}
	return abs, nil
}

// normalizeSource drops tool blocks that hold only defaults, like Argo CD's
// util/argo.NormalizeSource: `directory: {}` or `helm: {}` mean auto-detect.
// The zero tests are Argo CD 2.14's IsZero methods: e.g. a kustomize block
// with only forceCommonLabels is zero, a directory block with only include
// keeps the include.
func normalizeSource(s AppSource) AppSource {
	if s.Kustomize != nil && isZeroKustomize(s.Kustomize) {
		s.Kustomize = nil
	}
	if s.Helm != nil && isZeroHelm(s.Helm) {
		s.Helm = nil
	}
	if d := s.Directory; d != nil && !d.Recurse && d.Jsonnet.IsZero() {
		if d.Include == "" && d.Exclude == "" {
			s.Directory = nil
		} else {
			s.Directory = &DirectorySource{Include: d.Include, Exclude: d.Exclude}
		}
	}
	return s
}

func isZeroKustomize(k *KustomizeSource) bool {
	return k.NamePrefix == "" && k.NameSuffix == "" && k.Version == "" && k.Namespace == "" &&
		len(k.Images) == 0 && len(k.Replicas) == 0 && len(k.CommonLabels) == 0 &&
		len(k.CommonAnnotations) == 0 && len(k.Patches) == 0 && len(k.Components) == 0 &&
		k.KubeVersion == "" && len(k.APIVersions) == 0
}

func isZeroHelm(h *HelmSource) bool {
	return h.ReleaseName == "" && h.Namespace == "" && len(h.ValueFiles) == 0 && h.Values == "" &&
		h.ValuesObject == nil && len(h.Parameters) == 0 && len(h.FileParameters) == 0 &&
		!h.IgnoreMissingValueFiles && !h.SkipCrds && h.Version == "" && !h.SkipTests &&
		!h.SkipSchemaValidation && !h.PassCredentials && h.KubeVersion == "" && len(h.APIVersions) == 0
}

// explicitType returns the type set by a tool block; more than one is an
// error as in Argo CD's ExplicitType.
func explicitType(s AppSource) (Type, error) {
	var types []string
	if s.Kustomize != nil {
		types = append(types, string(TypeKustomize))
	}
	if s.Helm != nil {
		types = append(types, string(TypeHelm))
	}
	if s.Directory != nil {
		types = append(types, string(TypeDirectory))
	}
	if s.Plugin != nil {
		types = append(types, string(TypePlugin))
	}
	switch len(types) {
	case 0:
		return "", nil
	case 1:
		return Type(types[0]), nil
	}
	return "", fmt.Errorf("multiple application sources defined: %s", strings.Join(types, ","))
}

// DetectType reports the type Argo CD auto-detects for appPath from the
// files directly in it: a name ending in Chart.yaml means Helm, a
// kustomization file means Kustomize, else Directory. Names are visited in
// lexical order and the last match wins, so Kustomize normally beats Helm.
func DetectType(appPath string) (Type, error) {
	entries, err := os.ReadDir(appPath)
	if err != nil {
		return "", fmt.Errorf("reading app path: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	t := TypeDirectory
	for _, n := range names {
		if strings.HasSuffix(n, "Chart.yaml") {
			t = TypeHelm
		}
		if isKustomization(n) {
			t = TypeKustomize
		}
	}
	return t, nil
}

func isKustomization(name string) bool {
	return name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization"
}
