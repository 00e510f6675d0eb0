package edit

import (
	"strings"
	"testing"
)

const valuesYAML = `# chart values
reviews:
  image: reviews # which image
  canary:
    enabled: true
    weights:
      v1: 90   # stable
      v3: "10" # canary, quoted on purpose
ratings: {weights: {v1: 100}}
`

const appYAML = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: bookinfo
spec:
  source:
    repoURL: https://example.com/repo.git
    path: chart
    helm:
      parameters:
      - name: reviews.canary.weights.v1
        value: "90" # p
      values: |
        reviews:
          canary:
            weights:
              v1: 90  # inner comment
              v3: 10
      valuesObject:
        reviews:
          canary:
            weights: {v1: 90, v3: 10}
`

func TestSetMapValues(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		doc     int
		path    string
		vals    []KeyValue
		want    string
		wantErr string
	}{
		{name: "values file scalars keep style and comments", src: valuesYAML, path: "reviews.canary.weights",
			vals: []KeyValue{{"v1", "75"}, {"v3", "25"}},
			want: strings.NewReplacer("v1: 90   #", "v1: 75   #", `v3: "10"`, `v3: "25"`).Replace(valuesYAML)},
		{name: "values file inserts missing key", src: valuesYAML, path: "reviews.canary.weights",
			vals: []KeyValue{{"v1", "80"}, {"v2", "10"}},
			want: strings.NewReplacer("v1: 90   #", "v1: 80   #", "# canary, quoted on purpose\n", "# canary, quoted on purpose\n      v2: 10\n").Replace(valuesYAML)},
		{name: "flow mapping insert", src: valuesYAML, path: "ratings.weights",
			vals: []KeyValue{{"v1", "90"}, {"v2", "10"}},
			want: strings.Replace(valuesYAML, "{v1: 100}", "{v1: 90, v2: 10}", 1)},
		{name: "several keys into an empty flow mapping", src: "reviews:\n  canary:\n    weights: {}  # none yet\n", path: "reviews.canary.weights",
			vals: []KeyValue{{"v1", "90"}, {"v3", "10"}},
			want: "reviews:\n  canary:\n    weights: {v1: 90, v3: 10}  # none yet\n"},
		{name: "JSON values keep quoted keys", src: `{"reviews": {"canary": {"weights": {"v1": 100}}}}`, path: "reviews.canary.weights",
			vals: []KeyValue{{"v1", "90"}, {"v3", "10"}},
			want: `{"reviews": {"canary": {"weights": {"v1": 90, "v3": 10}}}}`},
		{name: "valuesObject", src: appYAML, path: "spec.source.helm.valuesObject.reviews.canary.weights",
			vals: []KeyValue{{"v1", "75"}, {"v3", "25"}},
			want: strings.Replace(appYAML, "{v1: 90, v3: 10}", "{v1: 75, v3: 25}", 1)},
		// ratings aliases reviews' weights: editing them would shift ratings too.
		{name: "anchored mapping used elsewhere", src: strings.Replace(valuesYAML, "    weights:\n", "    weights: &w\n", 1) + "details: {weights: *w}\n",
			path: "reviews.canary.weights", vals: []KeyValue{{"v1", "75"}, {"v3", "25"}},
			wantErr: `values.yaml:7: reviews.canary.weights.v1 is inside anchor &w, which the alias *w on line 10 also uses`},
		{name: "anchored mapping used elsewhere, insert", src: strings.Replace(valuesYAML, "    weights:\n", "    weights: &w\n", 1) + "details: {weights: *w}\n",
			path: "reviews.canary.weights", vals: []KeyValue{{"v2", "0"}},
			wantErr: `values.yaml:6: reviews.canary.weights is anchor &w`},
		{name: "anchored scalar used elsewhere", src: strings.Replace(valuesYAML, "v1: 90 ", "v1: &s 90 ", 1) + "details: {weights: {v1: *s}}\n",
			path: "reviews.canary.weights", vals: []KeyValue{{"v1", "75"}, {"v3", "25"}},
			wantErr: `reviews.canary.weights.v1 is anchor &s, which the alias *s on line 10 also uses`},
		{name: "missing mapping", src: valuesYAML, path: "reviews.stable.weights", vals: []KeyValue{{"v1", "1"}},
			wantErr: `values.yaml:3: key "stable" not found`},
		{name: "not a mapping", src: valuesYAML, path: "reviews.image", vals: []KeyValue{{"v1", "1"}},
			wantErr: "reviews.image is not a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("values.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			e, err := f.SetMapValues(tt.doc, SplitPath(tt.path), tt.vals)
			checkEdit(t, e, err, tt.want, tt.wantErr)
		})
	}
}

func checkEdit(t *testing.T, e *Edits, err error, want, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Apply()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := Parse("out.yaml", got); err != nil {
		t.Errorf("edited file does not parse: %v", err)
	}
}

func TestSetBlockValues(t *testing.T) {
	block := []string{"spec", "source", "helm", "values"}
	tests := []struct {
		name, src, want, wantErr string
		vals                     []KeyValue
	}{
		{name: "edit inside literal block", src: appYAML, vals: []KeyValue{{"v1", "75"}, {"v3", "25"}},
			want: strings.NewReplacer("v1: 90  # inner", "v1: 75  # inner", "v3: 10\n      valuesObject", "v3: 25\n      valuesObject").Replace(appYAML)},
		{name: "insert inside literal block CRLF", src: strings.ReplaceAll(appYAML, "\n", "\r\n"), vals: []KeyValue{{"v2", "5"}},
			want: strings.ReplaceAll(strings.Replace(appYAML, "              v3: 10\n", "              v3: 10\n              v2: 5\n", 1), "\n", "\r\n")},
		{name: "anchored block aliased", src: strings.NewReplacer("values: |", "values: &v |", "      valuesObject:", "      valuesCopy: *v\n      valuesObject:").Replace(appYAML), vals: []KeyValue{{"v1", "75"}},
			wantErr: "spec.source.helm.values is anchor &v, which the alias *v"},
		{name: "folded refused", src: strings.Replace(appYAML, "values: |", "values: >", 1), vals: []KeyValue{{"v1", "1"}},
			wantErr: "is not a literal block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("app.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			e, err := f.SetBlockValues(0, block, SplitPath("reviews.canary.weights"), tt.vals)
			checkEdit(t, e, err, tt.want, tt.wantErr)
		})
	}
}

func TestSetParameters(t *testing.T) {
	path := SplitPath("spec.source.helm.parameters")
	tests := []struct {
		name, want string
		vals       []KeyValue
	}{
		{name: "rewrite value", vals: []KeyValue{{"reviews.canary.weights.v1", "75"}},
			want: strings.Replace(appYAML, `value: "90" # p`, `value: "75" # p`, 1)},
		{name: "append parameter", vals: []KeyValue{{"reviews.canary.weights.v3", "25"}},
			want: strings.Replace(appYAML, "        value: \"90\" # p\n", "        value: \"90\" # p\n      - name: reviews.canary.weights.v3\n        value: \"25\"\n", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("app.yaml", []byte(appYAML))
			if err != nil {
				t.Fatal(err)
			}
			e, err := f.SetParameters(0, path, tt.vals)
			checkEdit(t, e, err, tt.want, "")
		})
	}
}
