package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/meshsim"
)

// The core objects the fault commands read and write.
var (
	ConfigMapGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	PodGVR       = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)

// FaultValue is the ConfigMap value for profile p under key, checked the
// way the simulator will read it, so a bad value fails here and not
// silently in the simulator's log.
func FaultValue(key string, p meshsim.Profile) (string, error) {
	if key == "" || key == meshsim.MisrouteKey {
		return "", fmt.Errorf("fault key %q: want <app>.<version>, <app> or %q", key, meshsim.DefaultKey)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encoding fault %s: %w", key, err)
	}
	if _, errs := meshsim.ParseFaults(map[string]string{key: string(b)}); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return string(b), nil
}

// Fault is one parsed entry of a namespace's fault ConfigMap.
type Fault struct {
	Key     string          `json:"key"`
	Profile meshsim.Profile `json:"profile"`
}

// Faults returns the profiles of the fault ConfigMap in ns, sorted by key
// (none when it does not exist), and the raw values the simulator skips.
func (c *Cluster) Faults(ctx context.Context, ns string) ([]Fault, map[string]string, error) {
	data, err := c.faultData(ctx, ns)
	if err != nil {
		return nil, nil, err
	}
	nf, _ := meshsim.ParseFaults(data)
	var out []Fault
	for k, p := range nf.Profiles {
		out = append(out, Fault{Key: k, Profile: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	other := map[string]string{}
	for k, v := range data {
		if _, ok := nf.Profiles[k]; !ok {
			other[k] = v
		}
	}
	return out, other, nil
}

func (c *Cluster) faultData(ctx context.Context, ns string) (map[string]string, error) {
	u, err := c.Dynamic.Resource(ConfigMapGVR).Namespace(ns).Get(ctx, meshsim.DefaultFaultsConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, errkind.Errorf(errkind.Unavailable, "reading ConfigMap %s/%s: %w", ns, meshsim.DefaultFaultsConfigMap, err)
	}
	data, _, _ := unstructured.NestedStringMap(u.Object, "data")
	if data == nil {
		data = map[string]string{}
	}
	return data, nil
}

// UpdateFaults changes the fault ConfigMap in ns: it sets every key of set
// and removes every key of remove (all keys when removeAll). It rewrites the
// current object (created when absent) rather than applying a partial one,
// so keys written by others, e.g. with kubectl, are kept.
func (c *Cluster) UpdateFaults(ctx context.Context, ns string, set map[string]string, remove []string, removeAll bool) error {
	res := c.Dynamic.Resource(ConfigMapGVR).Namespace(ns)
	name := meshsim.DefaultFaultsConfigMap
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u, err := res.Get(ctx, name, metav1.GetOptions{})
		create := apierrors.IsNotFound(err)
		if err != nil && !create {
			return err
		}
		if create && len(set) == 0 {
			return nil // nothing to remove; the namespace may not even exist yet
		}
		if create {
			u = &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": name, "namespace": ns}}}
		}
		data, _, _ := unstructured.NestedStringMap(u.Object, "data")
		if data == nil || removeAll {
			data = map[string]string{}
		}
		for _, k := range remove {
			delete(data, k)
		}
		for k, v := range set {
			data[k] = v
		}
		if err := unstructured.SetNestedStringMap(u.Object, data, "data"); err != nil {
			return err
		}
		if create {
			_, err = res.Create(ctx, u, metav1.CreateOptions{FieldManager: FieldManager})
		} else {
			_, err = res.Update(ctx, u, metav1.UpdateOptions{FieldManager: FieldManager})
		}
		return err
	})
	if err != nil {
		return errkind.Errorf(errkind.Unavailable, "updating ConfigMap %s/%s: %w", ns, name, err)
	}
	return nil
}

// FaultTargets counts the pods in ns a fault key applies to: "<app>.<version>"
// matches labels app and version, "<app>" the app label, "default" every pod.
// Zero usually means a typo in the key.
func (c *Cluster) FaultTargets(ctx context.Context, ns, key string) (int, error) {
	sel := ""
	if key != meshsim.DefaultKey {
		app, version, versioned := cutLast(key, ".")
		sel = "app=" + app
		if versioned {
			sel += ",version=" + version
		}
	}
	l, err := c.Dynamic.Resource(PodGVR).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return 0, errkind.Errorf(errkind.Unavailable, "listing pods in %s: %w", ns, err)
	}
	return len(l.Items), nil
}

// cutLast splits s around the last sep: app names may hold dots, versions
// do not.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
