package source

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// originAnnotation is set by kustomize's buildMetadata: [originAnnotations];
// gitshift injects it to learn each object's source file, then strips it.
const originAnnotation = "config.kubernetes.io/origin"

// renderKustomize runs `kustomize build <appPath>` in-process (krusty with
// kustomize's default options, as Argo CD calls it) after applying the
// Application's kustomize overrides to the root kustomization in memory.
// Every file kustomize reads goes through overlayFS: confined to the
// repository, never a special file, never over limit.
func renderKustomize(ctx context.Context, root, appPath string, k *KustomizeSource, env argoEnv, opts Options, res *Result) ([]Object, error) {
	limit := opts.maxSize()
	kfile := ""
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if p := filepath.Join(appPath, n); filesys.MakeFsOnDisk().Exists(p) {
			kfile = p
			break
		}
	}
	if kfile == "" {
		return nil, &ManifestError{File: relSlash(root, appPath), Msg: "kustomize source without a kustomization file"}
	}
	krel := relSlash(root, kfile)
	build, err := parseKustomizeBuildOptions(opts.KustomizeBuildOptions)
	if err != nil {
		return nil, err
	}
	raw, err := readInput(kfile, krel, TypeKustomize, limit)
	if err != nil {
		if isTyped(err) {
			return nil, err
		}
		return nil, fmt.Errorf("reading %s: %w", krel, err)
	}
	if err := checkAliasing(raw); err != nil {
		return nil, &ManifestError{File: krel, Msg: "refused", Err: err}
	}
	kdata, err := editKustomization(ctx, root, kfile, raw, k, env, limit)
	if err != nil {
		return nil, err
	}
	fs := &overlayFS{FileSystem: filesys.MakeFsOnDisk(), ctx: ctx, root: root, kfile: kfile, kdata: kdata,
		limit: limit, plugins: map[string]bool{}, helm: build.helm}
	kopts := krusty.MakeDefaultOptions()
	kopts.Reorder = build.reorder
	kopts.LoadRestrictions = build.restrictions
	// krusty has no context; its reads check ctx, and a build stuck
	// elsewhere is left behind when ctx is done (the command is ending).
	resMap, err := whileAlive(ctx, func() (resmap.ResMap, error) {
		return krusty.MakeKustomizer(kopts).Run(fs, appPath)
	})
	if stop := fs.stopped(); stop != nil {
		return nil, stop
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, &ManifestError{File: krel, Msg: "kustomize build failed", Err: err}
	}
	out, err := resMap.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize output: %w", err)
	}
	res.ReadFiles = append(res.ReadFiles, fs.read...)
	docs, err := splitYAML(out)
	if err != nil {
		return nil, &ManifestError{File: krel, Msg: "failed to unmarshal kustomize output", Err: err}
	}
	lines := newLineFinder(root, limit)
	objs := make([]Object, 0, len(docs))
	for _, d := range docs {
		o, _, err := flatten(krel, rawDoc{obj: d.obj, doc: d.doc, line: 0})
		if err != nil {
			return nil, err
		}
		for _, x := range o {
			if fs.injectedOrigin {
				x.Source = originProvenance(x, root, appPath, krel, lines)
			}
			objs = append(objs, x)
		}
	}
	return objs, nil
}

// originProvenance reads and strips the origin annotation. File is the
// resource file the object came from; Line is best effort (first document
// of that file with the same kind and a name contained in the output name,
// since prefixes and suffixes may have been added).
func originProvenance(o Object, root, appPath, krel string, lf *lineFinder) Provenance {
	p := Provenance{File: krel, Doc: 0, Item: -1}
	ann := o.GetAnnotations()
	raw, ok := ann[originAnnotation]
	if !ok {
		return p
	}
	delete(ann, originAnnotation)
	if len(ann) == 0 {
		ann = nil
	}
	o.SetAnnotations(ann)
	var origin struct {
		Path         string `json:"path"`
		ConfiguredIn string `json:"configuredIn"`
	}
	if yaml.Unmarshal([]byte(raw), &origin) != nil {
		return p
	}
	rel := origin.Path
	if rel == "" {
		rel = origin.ConfiguredIn
	}
	if rel == "" || strings.Contains(rel, "://") {
		return p
	}
	file := filepath.Join(appPath, filepath.FromSlash(rel))
	if !inside(root, file) {
		return p
	}
	p.File = relSlash(root, file)
	p.Doc, p.Line = lf.find(file, o.GetKind(), o.GetName())
	return p
}

// overlayFS is the on-disk filesystem with the root kustomization edited in
// memory (so the checkout is never modified), reads recorded and confined
// to the repo.
type overlayFS struct {
	filesys.FileSystem
	ctx            context.Context
	root, kfile    string
	kdata          []byte // the root kustomization, with the Application's settings
	helm           bool   // --enable-helm: a helmCharts entry is not checked (it runs helm)
	limit          int64
	plugins        map[string]bool // plugin configuration files named so far
	read           []string
	injectedOrigin bool

	mu   sync.Mutex
	stop error // why the build must not go on, whatever kustomize makes of it
}

func (f *overlayFS) ReadFile(path string) ([]byte, error) {
	if err := f.ctx.Err(); err != nil {
		return nil, f.halt(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if !inside(f.root, abs) {
		return nil, fmt.Errorf("%s: outside the repository", path)
	}
	if f.FileSystem.IsDir(abs) {
		// kustomize tries a resource as a file before it tries it as a
		// directory: let it see the error it expects.
		return f.FileSystem.ReadFile(abs)
	}
	var data []byte
	if abs == f.kfile {
		data = append([]byte(nil), f.kdata...)
	} else {
		data, err = readInput(abs, relSlash(f.root, abs), TypeKustomize, f.limit)
		if isTyped(err) {
			return nil, f.halt(err)
		}
		if err != nil {
			return nil, err
		}
		if err := checkAliasing(data); err != nil {
			return nil, f.halt(&ManifestError{File: relSlash(f.root, abs), Msg: "refused", Err: err})
		}
	}
	plugin := f.plugins[abs]
	if plugin || isKustomization(filepath.Base(abs)) {
		more, err := checkKustomizeRefs(f.root, abs, data, plugin, f.helm)
		if err != nil {
			return nil, f.halt(err)
		}
		for _, p := range more {
			f.plugins[p] = true
		}
	}
	f.read = append(f.read, relSlash(f.root, abs))
	if abs != f.kfile {
		return data, nil
	}
	return f.injectOrigin(data)
}

// halt records the first reason to stop: kustomize may take a failed read
// for something else (e.g. try the path as a directory) and report that.
func (f *overlayFS) halt(err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stop == nil {
		f.stop = err
	}
	return err
}

func (f *overlayFS) stopped() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stop
}

// injectOrigin turns on kustomize's origin annotations in the root
// kustomization, from which each object's source file is learned.
func (f *overlayFS) injectOrigin(data []byte) ([]byte, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return data, nil // let kustomize report it with its own message
	}
	bm, _ := m["buildMetadata"].([]any)
	has := false
	for _, v := range bm {
		has = has || v == "originAnnotations"
	}
	if !has {
		m["buildMetadata"] = append(bm, "originAnnotations")
		f.injectedOrigin = true
	}
	return yaml.Marshal(m)
}

// kustomizeBuild is what argocd-cm's kustomize.buildOptions change.
type kustomizeBuild struct {
	restrictions types.LoadRestrictions
	reorder      krusty.ReorderOption
	helm         bool
}

// parseKustomizeBuildOptions reads kustomize.buildOptions (flags of
// `kustomize build`). Flags that make kustomize run programs leave the
// source unchecked; unknown flags are an error (kustomize fails on them).
func parseKustomizeBuildOptions(s string) (kustomizeBuild, error) {
	b := kustomizeBuild{restrictions: types.LoadRestrictionsRootOnly, reorder: krusty.ReorderOptionLegacy}
	args := strings.Fields(s)
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(args[i], "=")
		next := func() string {
			if hasVal {
				return val
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch name {
		case "--load-restrictor", "--load_restrictor":
			switch v := next(); v {
			case "LoadRestrictionsNone", "none":
				b.restrictions = types.LoadRestrictionsNone
			case "LoadRestrictionsRootOnly", "rootOnly":
				b.restrictions = types.LoadRestrictionsRootOnly
			default:
				return b, fmt.Errorf("kustomize build options: --load-restrictor %q", v)
			}
		case "--enable-helm":
			b.helm = true
		case "--reorder":
			switch v := next(); v {
			case "legacy":
				b.reorder = krusty.ReorderOptionLegacy
			case "none":
				b.reorder = krusty.ReorderOptionNone
			default:
				return b, fmt.Errorf("kustomize build options: --reorder %q", v)
			}
		case "--helm-command", "--helm-kube-version", "--helm-api-versions", "--helm-debug":
			if name != "--helm-debug" {
				next()
			}
		case "--enable-alpha-plugins", "--enable-exec", "--enable-star", "--network", "--mount", "--env", "-e":
			return b, &UnsupportedError{Type: TypeKustomize, What: fmt.Sprintf("kustomize build option %s runs plugins or containers: gitshift runs nothing", name)}
		default:
			return b, fmt.Errorf("kustomize build options: unknown flag %q", args[i])
		}
	}
	return b, nil
}
