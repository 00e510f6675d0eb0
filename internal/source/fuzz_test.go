package source

import (
	"regexp"
	"testing"
)

// FuzzSplitManifests: the per-file decoder must never panic, and whatever
// it returns must be consistent (objects only without error or ignore).
func FuzzSplitManifests(f *testing.F) {
	seeds := []string{
		obj("A", "a"),
		obj("A", "a") + "---\nfoo: bar\n",
		"---\n---\nnull\n",
		"apiVersion: v1\nkind: List\nitems:\n- {kind: B}\n- 3\n",
		"a: &x {b: 1}\nc: *x\n<<: *x\nkind: K\n",
		"{\"kind\": \"A\"}",
		"[1, 2]",
		"kind: [x]\n",
		"1: 2\ntrue: false\nkind: A\n",
		"x: .nan\nkind: A\n",
		"kind: A\nitems: null\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "f.yaml"
		if asJSON {
			name = "f.json"
		}
		objs, _, ignored, err := decodeManifestFile(name, data)
		if (err != nil || ignored) && len(objs) > 0 {
			t.Fatalf("objects returned with err=%v ignored=%v", err, ignored)
		}
		for _, o := range objs {
			_ = o.DeepCopy() // panics on non-JSON types such as int
		}
	})
}

// FuzzGlobMatch: include/exclude matching must never panic, whatever the
// pattern, and must agree with itself across the two entry points.
func FuzzGlobMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"*.yaml", "sub/x.yaml"}, {"**/*.yaml", "x.yaml"}, {"{a,b}/*", "a/x"}, {"[a", "a"},
		{"[!a-z]", "b"}, {"{", ""}, {"\\", "x"}, {"?*?", "ab"}, {"{a,{b,c}}", "c"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, text string) {
		m, err := compileMatcher(pattern)
		got := m.match(text)
		if err != nil && got {
			t.Fatalf("uncompilable pattern %q matched", pattern)
		}
		if MatchGlob(pattern, text) != got {
			t.Fatalf("MatchGlob disagrees for %q %q", pattern, text)
		}
	})
}

// FuzzIsManifestName: the extension filter must agree with Argo CD's
// regexp, which it replaces for speed.
func FuzzIsManifestName(f *testing.F) {
	argo := regexp.MustCompile(`^.*\.(yaml|yml|json|jsonnet)$`)
	for _, s := range []string{
		"a.yaml", "a.yml", "a.json", "a.jsonnet", ".yaml", "yaml", "a.YAML", "a.Yml", "a.yaml~",
		"a.yaml.bak", "a.jsonnet.txt", "a\n.yaml", "a.yaml\n", "\n", "", "\xff.json", "a.ya ml", "a..yml",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := isManifestName(name), argo.MatchString(name); got != want {
			t.Fatalf("isManifestName(%q) = %v, Argo CD's regexp says %v", name, got, want)
		}
	})
}
