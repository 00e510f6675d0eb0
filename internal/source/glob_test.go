package source

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

// TestHostilePatternsDoNotHang: gobwas/glob (Argo CD's matcher) takes
// exponential time to match a pattern with many '*' and steeply growing
// time to compile a long one (the fuzzer found one that takes a minute).
// gitshift refuses to evaluate such a pattern (not checked) instead of
// hanging on it.
func TestHostilePatternsDoNotHang(t *testing.T) {
	files := map[string]string{"app/a.yaml": obj("A", "a")}
	for i := 0; i < 5; i++ {
		files["app/"+strings.Repeat("a", 40+i)+".yaml"] = obj("A", "a"+strings.Repeat("a", i))
	}
	root := writeRepo(t, files)
	tests := []struct{ name, include, exclude string }{
		{"many-stars-include", strings.Repeat("*a", 30), ""},
		{"many-stars-exclude", "", strings.Repeat("[a-z]*", 30)},
		{"long-pattern", "*0*00" + strings.Repeat("?", 4000) + "*0*", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sourcetest.Within(t, 10*time.Second, func() error {
				_, err := render(t, root, dirApp("app", &DirectorySource{Include: tt.include, Exclude: tt.exclude}), Options{})
				return err
			})
			var ue *UnsupportedError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "pattern") {
				t.Fatalf("err = %v, want an *UnsupportedError about the pattern", err)
			}
		})
	}
}

// TestMatchGlobCompilesOnce: check matches one pattern against every file
// of the repository; compiling it per file costs up to ~100 ms each.
func TestMatchGlobCompilesOnce(t *testing.T) {
	pattern := "*0*00" + strings.Repeat("?", 240) + "*0*"
	start := time.Now()
	for i := 0; i < 100; i++ {
		MatchGlob(pattern, "app/file.yaml")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("100 matches took %s: the pattern is compiled every time", d)
	}
}
