package source

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/source/sourcetest"
)

// stuckHelm is an engine that never returns by itself and ignores ctx, as
// Helm's template engine does while a template loops.
type stuckHelm struct{ release chan struct{} }

func (h stuckHelm) RenderChart(context.Context, ChartRequest) (*RenderedChart, error) {
	<-h.release
	return &RenderedChart{}, nil
}

// TestRenderHonoursCancellation: whatever the source type, Render returns
// ctx's error promptly once ctx is done, even while a library that takes
// no context is still busy.
func TestRenderHonoursCancellation(t *testing.T) {
	stuck := stuckHelm{release: make(chan struct{})}
	t.Cleanup(func() { close(stuck.release) })
	tests := []struct {
		name  string
		files map[string]string
		app   *Application
	}{
		{"directory", map[string]string{"app/a.yaml": obj("A", "a")}, dirApp("app", nil)},
		{"kustomize", map[string]string{"k/kustomization.yaml": "resources: [a.yaml]\n", "k/a.yaml": obj("A", "a")},
			&Application{Name: "app", Sources: []AppSource{{Path: "k"}}}},
		{"helm-engine-stuck", map[string]string{"chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n"},
			&Application{Name: "app", Sources: []AppSource{{Path: "chart"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, tt.files)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			err := sourcetest.Within(t, 5*time.Second, func() error {
				if tt.name != "helm-engine-stuck" {
					cancel() // before it starts: nothing is rendered
				}
				_, err := Render(ctx, root, tt.app, tt.app.Sources[0], Options{Helm: stuck})
				return err
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("returned after %s", d)
			}
		})
	}
}
