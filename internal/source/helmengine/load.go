package helmengine

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/gitshift/gitshift/internal/source"
)

// loadChart loads a chart directory, or a chart archive, inside root.
// Helm's directory loader refuses special files and files over its size
// limit before reading them, all but .helmignore, which it opens as it
// finds it: a named pipe there would block, so it is checked first.
func loadChart(root, p string) (*chart.Chart, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("loading chart: %w", err)
	}
	if !fi.IsDir() {
		data, err := readChartFile(root, p, loader.MaxDecompressedChartSize)
		if err != nil {
			return nil, err
		}
		c, err := loader.LoadArchive(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("loading chart %s: %w", rel(root, p), err)
		}
		return c, nil
	}
	ignore := filepath.Join(p, ".helmignore")
	if _, err := readChartFile(root, ignore, loader.MaxDecompressedFileSize); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	c, err := loader.LoadDir(p)
	if err != nil {
		return nil, fmt.Errorf("loading chart: %w", err)
	}
	return c, nil
}

// readChartFile reads a chart file through source's reader: a special file
// is invalid (Helm would block or fail), one over Helm's limit too (Helm
// refuses it as well).
func readChartFile(root, p string, limit int64) ([]byte, error) {
	data, err := source.ReadFile(p, limit)
	var se *source.SizeError
	if errors.Is(err, source.ErrNotRegular) || errors.As(err, &se) {
		return nil, &source.ManifestError{File: rel(root, p), Msg: err.Error()}
	}
	return data, err
}

// rel names p relative to root, slash-separated.
func rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}
