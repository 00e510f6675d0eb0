// Package dashboard is gitshift's read-only web dashboard: every rollout
// from Git trailers (and CanaryPolicy status), one rollout's step timeline
// with links to the Git host, Argo CD and the mesh's UIs, server-rendered
// SVG charts of Git weight vs live weight vs the measured split, error rate
// and latency, and an Application's verify checklist, updated live over
// server-sent events. It serves no external asset and has no write path:
// only GET and HEAD are answered. `gitshift dashboard` serves it; the
// controller can mount the same handler (New).
package dashboard

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"join": strings.Join,
}).ParseFS(templateFS, "templates/*.html"))

// Options configure the handler.
type Options struct {
	// Prefix is where the handler is mounted ("/dashboard"; "" the root).
	// The handler strips it itself.
	Prefix string
	// Links are the UIs to link to (credentials stripped).
	Links Links
	// Refresh is how often a live page looks for changes (default 2s).
	Refresh time.Duration
	// AllowRemote accepts requests for any host name. Without it only
	// loopback names and addresses are served (a page on another site
	// cannot reach the dashboard through DNS rebinding).
	AllowRemote bool
	// Location is the time zone of the times shown (default Local).
	Location *time.Location
	Logger   *slog.Logger
	Now      func() time.Time
}

type handler struct {
	src     Source
	base    string
	links   Links
	refresh time.Duration
	remote  bool
	loc     *time.Location
	log     *slog.Logger
	now     func() time.Time
}

// New returns the dashboard's handler over src.
func New(src Source, o Options) http.Handler {
	h := &handler{src: src, base: strings.TrimSuffix(o.Prefix, "/"), links: o.Links, refresh: o.Refresh, remote: o.AllowRemote,
		loc: o.Location, log: o.Logger, now: o.Now}
	if h.refresh <= 0 {
		h.refresh = 2 * time.Second
	}
	if h.loc == nil {
		h.loc = time.Local
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	mux.HandleFunc("GET /{$}", h.page(h.overview))
	mux.HandleFunc("GET /rollouts/{ns}/{vs}/{id}", h.page(h.rollout))
	mux.HandleFunc("GET /apps/{ns}/{app}", h.page(h.verify))
	content := http.NewServeMux()
	content.HandleFunc("GET /{$}", h.content(h.overview))
	content.HandleFunc("GET /rollouts/{ns}/{vs}/{id}", h.content(h.rollout))
	content.HandleFunc("GET /apps/{ns}/{app}", h.content(h.verify))
	mux.HandleFunc("GET /events/{path...}", h.events(content))
	var root http.Handler = mux
	if h.base != "" {
		root = http.StripPrefix(h.base, mux)
	}
	return h.guard(root)
}

// guard answers only GET and HEAD from allowed hosts, with headers that
// keep the pages self-contained: no script, style or frame from elsewhere.
func (h *handler) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the dashboard is read-only", http.StatusMethodNotAllowed)
			return
		}
		if !h.remote && !loopbackHost(r.Host) {
			http.Error(w, "the dashboard answers only for localhost (start it with --allow-remote to serve other names)", http.StatusForbidden)
			return
		}
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// loopbackHost: localhost names and loopback addresses, with any port.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

// view renders one page's content: the template name and its data.
type view func(r *http.Request) (name string, data any, err error)

// page serves a view inside the layout.
func (h *handler) page(v view) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, data, err := v(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		var body bytes.Buffer
		if err := templates.ExecuteTemplate(&body, name, data); err != nil {
			h.fail(w, r, err)
			return
		}
		var out bytes.Buffer
		err = templates.ExecuteTemplate(&out, "layout", struct {
			Page    page
			Content template.HTML
		}{pageOf(data), template.HTML(body.String())}) // #nosec: body is html/template output
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(out.Bytes())
	}
}

// pageOf finds the page fields of a view's data.
func pageOf(data any) page {
	if p, ok := data.(interface{ pageInfo() page }); ok {
		return p.pageInfo()
	}
	return page{}
}

func (p page) pageInfo() page { return p }

func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusBadGateway
	if errors.Is(err, ErrNotFound) {
		code = http.StatusNotFound
	}
	h.log.Warn("dashboard page", "path", r.URL.Path, "err", redactErr(err))
	var out bytes.Buffer
	_ = templates.ExecuteTemplate(&out, "layout", struct {
		Page    page
		Content template.HTML
	}{page{Base: h.base, Title: "error"}, template.HTML("<section class=\"problem\"><h2>Could not show this page</h2><p>" +
		template.HTMLEscapeString(redactErr(err)) + "</p></section>")})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(out.Bytes())
}

func (h *handler) stamp(p *page, title, stream string) {
	p.Base, p.Title, p.Stream = h.base, title, h.base+"/events"+stream
	p.Updated = h.now().In(h.loc).Format("15:04:05")
}

func (h *handler) overview(r *http.Request) (string, any, error) {
	ov, err := h.src.Overview(r.Context())
	if err != nil {
		return "", nil, err
	}
	v := h.overviewView(ov, h.now())
	h.stamp(&v.page, "Rollouts", "/")
	return "overview", v, nil
}

func (h *handler) rollout(r *http.Request) (string, any, error) {
	k := Key{VirtualService: r.PathValue("ns") + "/" + r.PathValue("vs"), ID: r.PathValue("id")}
	d, err := h.src.Rollout(r.Context(), k)
	if err != nil {
		return "", nil, err
	}
	v := h.rolloutView(d)
	h.stamp(&v.page, "Rollout "+k.ID, strings.TrimPrefix(h.rolloutPath(k), h.base))
	return "rollout", v, nil
}

func (h *handler) verify(r *http.Request) (string, any, error) {
	app := AppRef{Namespace: r.PathValue("ns"), Name: r.PathValue("app")}
	rep, err := h.src.Verify(r.Context(), app.Namespace, app.Name)
	if err != nil {
		return "", nil, err
	}
	v := h.verifyView(app, rep)
	h.stamp(&v.page, "Verify "+app.Name, strings.TrimPrefix(h.appPath(app), h.base))
	return "verify", v, nil
}
