// Package chart draws the dashboard's charts as inline SVG on the server:
// linear scales, nice ticks, step and line series, points with interval
// bars, threshold rules and event markers. Every point carries its numbers
// as data-* attributes, so a test (or a person with the inspector) reads
// exactly what was drawn. Styling is by class only (the page's CSS),
// which keeps the markup small, printable and free of inline styles.
package chart

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Kind is how a series is drawn.
type Kind int

const (
	// Line joins the points in order.
	Line Kind = iota
	// Step holds each value until the next point, and the last one until
	// the chart's right edge (weights: a value is in force until changed).
	Step
	// Dots draws points only, each with its interval bar when it has one.
	Dots
)

// Attr is one data-* attribute of a point (Name without "data-").
type Attr struct{ Name, Value string }

// Point is one value. Lo and Hi bound an interval when Interval is set.
type Point struct {
	X, Y     float64
	Lo, Hi   float64
	Interval bool
	Data     []Attr
	// Title is the tooltip (and the text a screen reader gets).
	Title string
}

// Series is one named line, step line or set of dots.
type Series struct {
	Name   string
	Class  string // CSS class: the page colours series by class
	Kind   Kind
	Points []Point
}

// Rule is a horizontal line at Y, e.g. a threshold.
type Rule struct {
	Y            float64
	Label, Class string
}

// Marker is a vertical line at X, e.g. a commit.
type Marker struct {
	X            float64
	Label, Class string
}

// Chart is one SVG chart. A zero XMin/XMax (or YMin/YMax) is taken from the
// data; FixedY keeps [YMin, YMax] whatever the data (percentages).
type Chart struct {
	ID, Title    string
	Width        int // viewBox width (default 720)
	Height       int // viewBox height (default 240)
	XMin, XMax   float64
	YMin, YMax   float64
	FixedY       bool
	XTicks       func(lo, hi float64, n int) []float64 // default Ticks
	XLabel       func(float64) string                  // default %g
	YLabel       func(float64) string                  // default %g
	Series       []Series
	Rules        []Rule
	Markers      []Marker
	EmptyMessage string // shown when no series has a point
}

const (
	marginLeft, marginRight, marginTop, marginBottom = 52.0, 14.0, 12.0, 46.0
)

// HTML renders the chart for an html/template page.
func (c Chart) HTML() template.HTML {
	var b bytes.Buffer
	c.render(&b)
	return template.HTML(b.String()) // #nosec: every text is escaped in render
}

// Empty reports whether no series has a point.
func (c Chart) Empty() bool {
	for _, s := range c.Series {
		if len(s.Points) > 0 {
			return false
		}
	}
	return true
}

// domain returns the x and y domains: given, or from the data (intervals,
// rules and markers included), widened when zero-width.
func (c Chart) domain() (x0, x1, y0, y1 float64) {
	var xv, yv []float64
	for _, s := range c.Series {
		for _, p := range s.Points {
			xv, yv = append(xv, p.X), append(yv, p.Y)
			if p.Interval {
				yv = append(yv, p.Lo, p.Hi)
			}
		}
	}
	for _, r := range c.Rules {
		yv = append(yv, r.Y)
	}
	for _, m := range c.Markers {
		xv = append(xv, m.X)
	}
	x0, x1 = c.XMin, c.XMax
	if x0 == 0 && x1 == 0 {
		x0, x1 = bounds(xv)
	}
	y0, y1 = c.YMin, c.YMax
	dataY := !c.FixedY && y0 == 0 && y1 == 0
	if dataY {
		y0, y1 = bounds(yv)
		if y0 >= 0 && y0 < y1-y0 { // a non-negative axis starts at 0
			y0 = 0
		}
	}
	if x1 == x0 {
		x0, x1 = x0-1, x1+1
	}
	if y1 == y0 {
		pad := math.Max(math.Abs(y0)*0.1, 1)
		y0, y1 = y0-pad, y1+pad
	}
	return x0, x1, y0, y1
}

// bounds is the smallest and largest finite value (0, 0 for none).
func bounds(vs []float64) (lo, hi float64) {
	first := true
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if first {
			lo, hi, first = v, v, false
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

func (c Chart) size() (w, h float64) {
	w, h = float64(c.Width), float64(c.Height)
	if w == 0 {
		w = 720
	}
	if h == 0 {
		h = 240
	}
	return w, h
}

func (c Chart) render(b *bytes.Buffer) {
	w, h := c.size()
	x0, x1, y0, y1 := c.domain()
	yt := Ticks(y0, y1, 5)
	if !c.FixedY && len(yt) > 1 { // the axis ends on ticks
		y0, y1 = math.Min(y0, yt[0]), math.Max(y1, yt[len(yt)-1])
	}
	xs := Scale{D0: x0, D1: x1, R0: marginLeft, R1: w - marginRight}
	ys := Scale{D0: y0, D1: y1, R0: h - marginBottom, R1: marginTop}
	xlabel, ylabel := orDefault(c.XLabel), orDefault(c.YLabel)
	xticks := c.XTicks
	if xticks == nil {
		xticks = Ticks
	}
	fmt.Fprintf(b, `<svg class="chart" id="%s" viewBox="0 0 %s %s" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"`,
		esc(c.ID), px(w), px(h), esc(c.Title))
	fmt.Fprintf(b, ` data-x0="%s" data-x1="%s" data-y0="%s" data-y1="%s">`, num(x0), num(x1), num(y0), num(y1))
	fmt.Fprintf(b, `<title>%s</title>`, esc(c.Title))
	b.WriteString(`<g class="axis y">`)
	for _, v := range yt {
		if v < y0 || v > y1 {
			continue
		}
		y := ys.Map(v)
		fmt.Fprintf(b, `<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, px(marginLeft), px(w-marginRight), px(y), px(y))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s</text>`, px(marginLeft-6), px(y+4), esc(ylabel(v)))
	}
	b.WriteString(`</g><g class="axis x">`)
	fmt.Fprintf(b, `<line class="base" x1="%s" x2="%s" y1="%s" y2="%s"/>`, px(marginLeft), px(w-marginRight), px(h-marginBottom), px(h-marginBottom))
	for _, v := range xticks(x0, x1, 6) {
		if v < x0 || v > x1 {
			continue
		}
		x := xs.Map(v)
		fmt.Fprintf(b, `<line class="tick" x1="%s" x2="%s" y1="%s" y2="%s"/>`, px(x), px(x), px(h-marginBottom), px(h-marginBottom+4))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, px(x), px(h-marginBottom+16), esc(xlabel(v)))
	}
	b.WriteString(`</g>`)
	for _, m := range c.Markers {
		x := xs.Map(m.X)
		fmt.Fprintf(b, `<g class="marker %s"><line x1="%s" x2="%s" y1="%s" y2="%s"/><text x="%s" y="%s">%s</text></g>`,
			esc(m.Class), px(x), px(x), px(marginTop), px(h-marginBottom), px(x+3), px(marginTop+9), esc(m.Label))
	}
	for _, r := range c.Rules {
		y := ys.Map(r.Y)
		fmt.Fprintf(b, `<g class="rule %s" data-y="%s"><line x1="%s" x2="%s" y1="%s" y2="%s"/><text x="%s" y="%s" text-anchor="end">%s</text></g>`,
			esc(r.Class), num(r.Y), px(marginLeft), px(w-marginRight), px(y), px(y), px(w-marginRight-2), px(y-3), esc(r.Label))
	}
	for _, s := range c.Series {
		renderSeries(b, s, xs, ys)
	}
	if c.Empty() {
		msg := c.EmptyMessage
		if msg == "" {
			msg = "no data"
		}
		fmt.Fprintf(b, `<text class="empty" x="%s" y="%s" text-anchor="middle">%s</text>`, px((marginLeft+w-marginRight)/2), px((marginTop+h-marginBottom)/2), esc(msg))
	}
	renderLegend(b, c.Series, c.Rules, h)
	b.WriteString(`</svg>`)
}

func renderSeries(b *bytes.Buffer, s Series, xs, ys Scale) {
	fmt.Fprintf(b, `<g class="series %s" data-series="%s">`, esc(s.Class), esc(s.Name))
	if len(s.Points) > 0 && s.Kind != Dots {
		var d strings.Builder
		for i, p := range s.Points {
			x, y := xs.Map(p.X), ys.Map(p.Y)
			switch {
			case i == 0:
				fmt.Fprintf(&d, "M%s %s", px(x), px(y))
			case s.Kind == Step:
				fmt.Fprintf(&d, "H%sV%s", px(x), px(y))
			default:
				fmt.Fprintf(&d, "L%s %s", px(x), px(y))
			}
		}
		if s.Kind == Step {
			fmt.Fprintf(&d, "H%s", px(xs.R1))
		}
		fmt.Fprintf(b, `<path d="%s"/>`, d.String())
	}
	for _, p := range s.Points {
		x, y := xs.Map(p.X), ys.Map(p.Y)
		b.WriteString(`<g class="pt"`)
		fmt.Fprintf(b, ` data-x="%s" data-y="%s"`, num(p.X), num(p.Y))
		if p.Interval {
			fmt.Fprintf(b, ` data-lo="%s" data-hi="%s"`, num(p.Lo), num(p.Hi))
		}
		for _, a := range p.Data {
			fmt.Fprintf(b, ` data-%s="%s"`, esc(attrName(a.Name)), esc(a.Value))
		}
		b.WriteString(`>`)
		if p.Title != "" {
			fmt.Fprintf(b, `<title>%s</title>`, esc(p.Title))
		}
		if p.Interval {
			lo, hi := ys.Map(p.Lo), ys.Map(p.Hi)
			fmt.Fprintf(b, `<path class="bar" d="M%s %sV%sM%s %sH%sM%s %sH%s"/>`, px(x), px(lo), px(hi),
				px(x-3), px(lo), px(x+3), px(x-3), px(hi), px(x+3))
		}
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="%s"/></g>`, px(x), px(y), pointRadius(s.Kind))
	}
	b.WriteString(`</g>`)
}

func pointRadius(k Kind) string {
	if k == Dots {
		return "3"
	}
	return "2"
}

// renderLegend writes one row of swatches under the x axis.
func renderLegend(b *bytes.Buffer, series []Series, rules []Rule, h float64) {
	x := marginLeft
	y := h - 10
	b.WriteString(`<g class="legend">`)
	item := func(class, name string) {
		fmt.Fprintf(b, `<g class="%s"><line x1="%s" x2="%s" y1="%s" y2="%s"/><text x="%s" y="%s">%s</text></g>`,
			esc(class), px(x), px(x+16), px(y-4), px(y-4), px(x+20), px(y), esc(name))
		x += 28 + 6.5*float64(len([]rune(name)))
	}
	for _, s := range series {
		item("series "+s.Class, s.Name)
	}
	for _, r := range rules {
		item("rule "+r.Class, r.Label)
	}
	b.WriteString(`</g>`)
}

func orDefault(f func(float64) string) func(float64) string {
	if f != nil {
		return f
	}
	return func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
}

// attrName keeps a data attribute name to [a-z0-9-].
func attrName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}

// num formats a coordinate or value compactly; non-finite values become 0
// so the SVG stays valid.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// px formats a pixel coordinate to a tenth of a pixel.
func px(v float64) string { return num(math.Round(v*10) / 10) }

func esc(s string) string { return template.HTMLEscapeString(s) }
