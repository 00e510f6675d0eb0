package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/kustomize/v5/commands/edit"
	"sigs.k8s.io/yaml"
)

// editKustomization applies an Application's spec.source.kustomize to the
// text of the root kustomization the way Argo CD 2.14 does
// (util/kustomize Build): it runs `kustomize edit` in the app path, in
// Argo CD's order and with its arguments, before `kustomize build`. Here
// the edit commands are kustomize's own (sigs.k8s.io/kustomize/kustomize/v5,
// the version the lab's Argo CD runs), in process, on a file system that
// keeps the edited kustomization in memory: the checkout is never changed
// and nothing outside the repository is read. The patches, which have no
// edit command, are appended as Argo CD does (YAML round trip).
func editKustomization(ctx context.Context, root, kfile string, data []byte, k *KustomizeSource, env argoEnv, limit int64) ([]byte, error) {
	if k == nil {
		return data, nil
	}
	appPath := filepath.Dir(kfile)
	krel := relSlash(root, kfile)
	if err := checkComponents(root, appPath, krel, k.Components); err != nil {
		return nil, err
	}
	fs := &editFS{root: root, appPath: appPath, kfile: kfile, data: data, limit: limit, ctx: ctx}
	var steps [][]string
	if k.NamePrefix != "" {
		steps = append(steps, []string{"set", "nameprefix", "--", k.NamePrefix})
	}
	if k.NameSuffix != "" {
		steps = append(steps, []string{"set", "namesuffix", "--", k.NameSuffix})
	}
	if len(k.Images) > 0 {
		args := []string{"set", "image"}
		for _, img := range k.Images {
			args = append(args, env.subst(img))
		}
		steps = append(steps, args)
	}
	if len(k.Replicas) > 0 {
		args := []string{"set", "replicas"}
		for _, r := range k.Replicas {
			n, err := replicaCount(r.Count)
			if err != nil {
				return nil, &ManifestError{File: krel, Msg: "spec.source.kustomize.replicas", Err: err}
			}
			args = append(args, fmt.Sprintf("%s=%d", r.Name, n))
		}
		steps = append(steps, args)
	}
	if len(k.CommonLabels) > 0 {
		args := []string{"add", "label"}
		if k.ForceCommonLabels {
			args = append(args, "--force")
		}
		if k.LabelWithoutSelector {
			args = append(args, "--without-selector")
		}
		steps = append(steps, append(args, pairs(k.CommonLabels, env.subst)...))
	}
	if len(k.CommonAnnotations) > 0 {
		args := []string{"add", "annotation"}
		if k.ForceCommonAnnotations {
			args = append(args, "--force")
		}
		subst := func(s string) string { return s }
		if k.CommonAnnotationsEnvsubst {
			subst = env.subst
		}
		steps = append(steps, append(args, pairs(k.CommonAnnotations, subst)...))
	}
	if k.Namespace != "" {
		steps = append(steps, []string{"set", "namespace", "--", k.Namespace})
	}
	for _, args := range steps {
		if err := fs.run(args); err != nil {
			return nil, err
		}
	}
	if len(k.Patches) > 0 {
		out, err := appendPatches(fs.data, k.Patches)
		if err != nil {
			return nil, &ManifestError{File: krel, Msg: "adding spec.source.kustomize.patches", Err: err}
		}
		fs.data = out
	}
	if len(k.Components) > 0 {
		if err := fs.run(append([]string{"add", "component"}, k.Components...)); err != nil {
			return nil, err
		}
	}
	return fs.data, nil
}

// run is one `kustomize edit ARGS` in the app path.
func (fs *editFS) run(args []string) error {
	if err := fs.ctx.Err(); err != nil {
		return err
	}
	pvd := provider.NewDefaultDepProvider()
	cmd := edit.NewCmdEdit(fs, pvd.GetFieldValidator(), pvd.GetResourceFactory(), io.Discard)
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); err != nil {
		if isTyped(err) {
			return err
		}
		return &ManifestError{File: relSlash(fs.root, fs.kfile), Msg: "kustomize edit " + strings.Join(args, " "), Err: err}
	}
	return nil
}

// replicaCount is Argo CD's KustomizeReplica.GetIntCount.
func replicaCount(c intstr.IntOrString) (int, error) {
	if c.Type == intstr.String {
		n, err := strconv.Atoi(c.StrVal)
		if err != nil {
			return 0, fmt.Errorf("expected integer value for count. Received: %s", c.StrVal)
		}
		return n, nil
	}
	return c.IntValue(), nil
}

// pairs is `name:value` per entry (Argo CD's mapToEditAddArgs), sorted:
// Argo CD passes them in map order, which only the order of the edit's
// own messages depends on.
func pairs(m map[string]string, subst func(string) string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+":"+subst(m[k]))
	}
	return out
}

// appendPatches adds the Application's patches to the kustomization's
// `patches` list as Argo CD does (sigs.k8s.io/yaml round trip).
func appendPatches(data []byte, patches []KustomizePatch) ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("failed to unmarshal kustomization.yaml: %w", err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected kustomization.yaml to be type map[string]interface{}, but got %T", doc)
	}
	var list []any
	if cur, ok := m["patches"]; ok {
		if list, ok = cur.([]any); !ok {
			return nil, fmt.Errorf("expected 'patches' field in kustomization.yaml to be []interface{}, but got %T", cur)
		}
	}
	for _, p := range patches {
		list = append(list, p)
	}
	m["patches"] = list
	out, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("failed to marshal kustomization.yaml after adding patches: %w", err)
	}
	return out, nil
}

// checkComponents refuses, before `kustomize edit add component` sees
// them, components it would clone (a remote URL: not checked) or look for
// outside the repository (invalid).
func checkComponents(root, appPath, krel string, comps []string) error {
	for _, c := range comps {
		switch kustomizeRefKind(appPath, c) {
		case refRemote:
			return &UnsupportedError{Type: TypeKustomize, File: krel,
				What: fmt.Sprintf("spec.source.kustomize.components %s is on the network: Argo CD would fetch it; gitshift does not", c)}
		case refOutside:
			return &ManifestError{File: krel, Msg: fmt.Sprintf("spec.source.kustomize.components %s clones a path outside the repository", c)}
		}
		if p := filepath.Join(appPath, c); filepath.IsAbs(c) || !inside(root, p) {
			return &ManifestError{File: krel, Msg: fmt.Sprintf("spec.source.kustomize.components %s is outside the repository", c)}
		}
	}
	return nil
}
