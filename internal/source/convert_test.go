package source

import (
	"bytes"
	"reflect"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// convertSeeds are documents whose scalars sit at the edges of yaml.v3's
// resolution rules; convertNode must agree with Node.Decode + normalize on
// every one it accepts.
var convertSeeds = []string{
	"a: 1\nb: -0\nc: 0\nd: 012\ne: 0x1F\nf: 0o17\ng: 0b101\nh: +5\ni: 1_000\nj: -9223372036854775808\nk: 18446744073709551615\nl: 123456789012345678901234\n",
	"a: 1.5\nb: .5\nc: 1e3\nd: -1.0e-3\ne: .inf\nf: -.Inf\ng: .nan\nh: 1.\n",
	"a: true\nb: True\nc: TRUE\nd: yes\ne: no\nf: on\ng: off\nh: y\ni: n\nj: False\n",
	"a: null\nb: ~\nc:\nd: Null\ne: NULL\nf: nil\n",
	"a: '1'\nb: \"true\"\nc: |\n  x\nd: >\n  y\ne: !!str 5\nf: !!int \"7\"\ng: !!float 3\nh: !!bool yes\ni: !!null ''\nj: !custom x\nk: !!binary aGk=\n",
	"a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: '2001-12-14'\n",
	"a: &x {p: 1}\nb: *x\nc:\n  <<: *x\n  q: 2\n",
	"'<<': 1\nb: 2\n",
	"a: 1\na: 2\n",
	"a: 1\n'a': 2\n",
	"1: a\ntrue: b\n~: c\n1.5: d\n",
	"? [a]\n: b\n",
	"a: []\nb: {}\nc: [1, [2, {d: e}], ~]\nd: !!seq [1]\ne: !!map {f: g}\nf: !!set {x}\ng: !!omap [{a: 1}]\n",
	"kind: Deployment\napiVersion: apps/v1\nmetadata: {name: x, labels: {app: y}}\nspec: {replicas: 3}\n",
	"a: !!int 1_0\nb: !!int 0x10\nc: !!float 1_0.5\nd: -0b11\ne: -0o7\n",
	"a: 9223372036854775807\nb: -9223372036854775809\nc: 999999999999999999\nd: 1000000000000000000\n",
	"a: <<\nb: !!merge x\n",
	"a: 'x'\n\"b\": y\n!!str c: z\n",
}

func TestConvertNodeMatchesDecode(t *testing.T) {
	for _, s := range convertSeeds {
		checkConvert(t, []byte(s))
	}
}

func FuzzConvertNode(f *testing.F) {
	for _, s := range convertSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkConvert(t, data)
	})
}

// checkConvert compares convertNode with the exact path on every document
// of data: when convertNode accepts a document, yaml.v3 must decode it
// without error to a deeply equal value.
func checkConvert(t *testing.T, data []byte) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			return // EOF or a syntax error: nothing more to compare
		}
		if len(n.Content) == 0 {
			continue
		}
		root := n.Content[0]
		got, ok := convertNode(root)
		if !ok {
			continue
		}
		var v any
		if err := root.Decode(&v); err != nil {
			t.Fatalf("convertNode accepted %q, yaml.v3 fails: %v", data, err)
		}
		want, err := normalize(v)
		if err != nil {
			t.Fatalf("convertNode accepted %q, normalize fails: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("document in %q:\n got %#v\nwant %#v", data, got, want)
		}
	}
}
