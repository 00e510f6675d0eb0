package dashboard

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// events streams a page's content as server-sent events: every Refresh it
// renders the content again (the Source reuses its reads, so viewers share
// them) and sends it when it changed. The page's script swaps <main> in
// place: no reload, scroll position and the reader's place kept.
func (h *handler) events(content http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fl, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "streaming unsupported", http.StatusInternalServerError)
			return
		}
		path := "/" + r.PathValue("path")
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Accel-Buffering", "no") // proxies: do not buffer the stream
		fmt.Fprintf(w, "retry: %d\n\n", 3*h.refresh.Milliseconds())
		fl.Flush()
		var last [32]byte
		tick := time.NewTicker(h.refresh)
		defer tick.Stop()
		idle := 0
		for {
			req := r.Clone(r.Context())
			req.URL.Path, req.URL.RawPath = path, ""
			var buf bodyWriter
			content.ServeHTTP(&buf, req)
			sum := sha256.Sum256(buf.body.Bytes())
			switch {
			case buf.status() != http.StatusOK:
				msg, _ := json.Marshal(map[string]string{"error": fmt.Sprintf("%d", buf.status())})
				fmt.Fprintf(w, "event: problem\ndata: %s\n\n", msg)
			case sum != last:
				last, idle = sum, 0
				msg, _ := json.Marshal(map[string]string{"html": buf.body.String(), "updated": h.now().In(h.loc).Format("15:04:05")})
				fmt.Fprintf(w, "event: update\ndata: %s\n\n", msg)
			default:
				if idle++; idle*int(h.refresh/time.Second+1) >= 15 {
					idle = 0
					fmt.Fprint(w, ": keep-alive\n\n")
				}
			}
			fl.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	}
}

// content serves a view's content alone (no layout), for the stream.
func (h *handler) content(v view) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, data, err := v(r)
		if err != nil {
			http.Error(w, redactErr(err), http.StatusBadGateway)
			return
		}
		var body bytes.Buffer
		if err := templates.ExecuteTemplate(&body, name, data); err != nil {
			http.Error(w, "rendering", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(body.Bytes())
	}
}

// bodyWriter keeps a response in memory.
type bodyWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bodyWriter) Header() http.Header {
	if b.header == nil {
		b.header = http.Header{}
	}
	return b.header
}

func (b *bodyWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bodyWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

func (b *bodyWriter) status() int {
	if b.code == 0 {
		return http.StatusOK
	}
	return b.code
}
