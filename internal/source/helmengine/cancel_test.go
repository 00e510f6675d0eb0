package helmengine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/source"
)

// TestHelmRenderHonoursCancellation: a template that loops for minutes does
// not keep a cancelled command (SIGTERM, SIGINT) waiting.
func TestHelmRenderHonoursCancellation(t *testing.T) {
	_, root := escapeLayout(t)
	write(t, root, map[string]string{
		"chart/Chart.yaml":          chartYAML(""),
		"chart/templates/slow.yaml": "{{- range until 15000 }}{{ range until 15000 }}{{ end }}{{ end }}\n",
	})
	app := &source.Application{Name: "app", Destination: source.Destination{Namespace: "dest"}}
	src := source.AppSource{RepoURL: "https://example.com/r.git", Path: "chart"}
	app.Sources = []source.AppSource{src}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := source.Render(ctx, root, app, src, source.Options{})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("returned %s after the start, long after the deadline", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("render still running 10s after ctx was done")
	}
}
