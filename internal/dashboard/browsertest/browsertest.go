// Package browsertest drives headless Chromium for the dashboard's browser
// tests (chromedp over the DevTools protocol): open a page, read the DOM
// the way a person sees it, wait for live updates, save screenshots.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/testenv"
)

// Width and Height are a laptop screen's viewport.
const Width, Height = 1366, 900

// Browser is one headless Chromium with one tab.
type Browser struct {
	ctx context.Context
}

// Start runs headless Chromium (lab.Browser, which `gitshift lab provision
// --browser` installs) until the test ends; when it is not installed, the
// test skips, or fails under CI (testenv.Missing).
func Start(t testing.TB) *Browser {
	t.Helper()
	execPath := testenv.NeedCommand(t, lab.Browser.Name)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(execPath), chromedp.WindowSize(Width, Height),
		chromedp.Flag("lang", "en-US"), chromedp.Flag("hide-scrollbars", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses root with its sandbox
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(Width, Height)); err != nil {
		t.Fatalf("starting %s: %v", execPath, err)
	}
	return &Browser{ctx: ctx}
}

// Open loads url and waits for its <main>.
func (b *Browser) Open(url string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main#content"))); err != nil {
		return fmt.Errorf("opening %s: %w", url, err)
	}
	return nil
}

// Eval evaluates a JavaScript expression into v (JSON-decoded).
func (b *Browser) Eval(expr string, v any) error {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		return fmt.Errorf("evaluating %.60s: %w", expr, err)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// Text is the visible text of the first element matching the CSS selector
// ("" when none).
func (b *Browser) Text(sel string) (string, error) {
	var s string
	err := b.Eval(fmt.Sprintf(`(function(){var e=document.querySelector(%s);return e?e.innerText.trim():""})()`, quote(sel)), &s)
	return s, err
}

// Data returns the data-* attributes of every element matching sel, in
// document order (names without "data-", as in the HTML).
func (b *Browser) Data(sel string) ([]map[string]string, error) {
	var out []map[string]string
	err := b.Eval(fmt.Sprintf(`Array.from(document.querySelectorAll(%s)).map(function(e){var m={};`+
		`for(var i=0;i<e.attributes.length;i++){var a=e.attributes[i];if(a.name.indexOf("data-")===0){m[a.name.slice(5)]=a.value}}return m})`, quote(sel)), &out)
	return out, err
}

// WaitFor polls expr (a JavaScript boolean expression) until it is true or
// timeout passes.
func (b *Browser) WaitFor(expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		if err := b.Eval("!!("+expr+")", &ok); err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s still not %s", timeout, expr)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Screenshot saves the whole page as a PNG at path.
func (b *Browser) Screenshot(path string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
