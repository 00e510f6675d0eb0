package source

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// manyFiles builds an app with n files spread over directories, so that
// the worker pool finishes them out of order; bad maps file index -> content.
func manyFiles(n int, bad map[int]string) map[string]string {
	files := map[string]string{}
	for i := 0; i < n; i++ {
		c := obj("A", fmt.Sprintf("a%03d", i))
		if b, ok := bad[i]; ok {
			c = b
		}
		files[fmt.Sprintf("app/d%d/f%03d.yaml", i%7, i)] = c
	}
	return files
}

// The pool reads in parallel; objects, files and ignored entries must
// still come in Argo CD's walk order (lexical, depth first).
func TestParallelReadKeepsWalkOrder(t *testing.T) {
	bad := map[int]string{5: "just: text\n", 40: "# +argocd:skip-file-rendering\n", 77: "plain text"}
	files := manyFiles(120, bad)
	files["app/d3/notes.YAML"] = obj("A", "x")
	root := writeRepo(t, files)
	res, err := render(t, root, dirApp("app", &DirectorySource{Recurse: true}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Files, sorted(res.Files)) || len(res.Files) != 117 {
		t.Errorf("files not in walk order or wrong count (%d): %v", len(res.Files), res.Files)
	}
	for i, o := range res.Objects {
		if o.Source.File != res.Files[i] {
			t.Fatalf("object %d from %s, want %s", i, o.Source.File, res.Files[i])
		}
	}
	var ig []string
	for _, x := range res.Ignored {
		ig = append(ig, x.File+" "+string(x.Reason))
	}
	want := []string{
		"app/d0/f077.yaml not-kubernetes",
		"app/d3/notes.YAML extension",
		"app/d5/f005.yaml not-kubernetes",
		"app/d5/f040.yaml skip-marker",
	}
	if !reflect.DeepEqual(ig, want) {
		t.Errorf("ignored = %q, want %q", ig, want)
	}
}

// Of several broken files, the first in walk order is the one reported,
// as when files were read one by one.
func TestParallelReadFirstErrorInWalkOrder(t *testing.T) {
	broken := obj("A", "x") + "---\n[1]\n"
	root := writeRepo(t, manyFiles(120, map[int]string{90: broken, 13: broken, 3: broken}))
	_, err := render(t, root, dirApp("app", &DirectorySource{Recurse: true}), Options{})
	var me *ManifestError
	if !errors.As(err, &me) || me.File != "app/d3/f003.yaml" {
		t.Fatalf("err = %v, want the error of app/d3/f003.yaml", err)
	}
}

// The combined size limit fails at the first file, in walk order, whose
// running total exceeds it.
func TestParallelReadSizeLimitInWalkOrder(t *testing.T) {
	files := manyFiles(70, nil)
	root := writeRepo(t, files)
	size := int64(len(obj("A", "a000"))) // every file has this size
	_, err := render(t, root, dirApp("app", &DirectorySource{Recurse: true}), Options{MaxCombinedManifestSize: 25*size + 1})
	var me *ManifestError
	if !errors.As(err, &me) || !strings.Contains(me.Msg, "exceeded max combined") {
		t.Fatalf("err = %v", err)
	}
	var order []string
	for f := range files {
		order = append(order, f)
	}
	order = sorted(order)
	if me.File != order[25] {
		t.Errorf("limit reported at %s, want %s (the 26th file in walk order)", me.File, order[25])
	}
}

// Argo CD validates the whole directory (sizes, symlinks) before it reads
// any manifest, so the size limit wins over a broken file met earlier.
func TestSizeLimitWinsOverEarlierBrokenFile(t *testing.T) {
	files := manyFiles(70, map[int]string{2: obj("A", "x") + "---\n[1]\n"})
	root := writeRepo(t, files)
	size := int64(len(obj("A", "a000")))
	_, err := render(t, root, dirApp("app", &DirectorySource{Recurse: true}), Options{MaxCombinedManifestSize: 25*size + 1})
	var me *ManifestError
	if !errors.As(err, &me) || !strings.Contains(me.Msg, "exceeded max combined") {
		t.Fatalf("err = %v, want the size limit", err)
	}
}
