package chart

import (
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestScaleMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Scale
		v    float64
		want float64
	}{
		{"start", Scale{0, 100, 50, 650}, 0, 50},
		{"end", Scale{0, 100, 50, 650}, 100, 650},
		{"middle", Scale{0, 100, 50, 650}, 25, 200},
		{"inverted y axis", Scale{0, 10, 200, 10}, 10, 10},
		{"inverted y axis middle", Scale{0, 10, 200, 10}, 5, 105},
		{"clamped below", Scale{0, 100, 50, 650}, -20, 50},
		{"clamped above", Scale{0, 100, 50, 650}, 140, 650},
		{"zero-width domain: middle", Scale{3, 3, 0, 100}, 3, 50},
	} {
		if got := tc.s.Map(tc.v); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: Map(%g) = %g, want %g", tc.name, tc.v, got, tc.want)
		}
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 100, 5, []float64{0, 20, 40, 60, 80, 100}},
		{0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0.013, 0.048, 4, []float64{0.01, 0.02, 0.03, 0.04, 0.05}},
		{-3, 7, 5, []float64{-4, -2, 0, 2, 4, 6, 8}},
		{5, 5, 5, []float64{5}},
		{5, 1, 5, nil},
	} {
		if got := Ticks(tc.lo, tc.hi, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("Ticks(%g, %g, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
		}
	}
}

func TestTimeTicksAreWholeUnitsInside(t *testing.T) {
	lo := float64(time.Date(2026, 1, 2, 10, 0, 7, 0, time.UTC).Unix())
	hi := lo + 10*60 // ten minutes
	got := TimeTicks(lo, hi, 6)
	if len(got) < 4 || len(got) > 11 {
		t.Fatalf("%d ticks over 10 minutes: %v", len(got), got)
	}
	step := got[1] - got[0]
	if !slices.Contains(timeSteps, step) || math.Mod(got[0], step) != 0 {
		t.Errorf("ticks %v: step %g is not a whole time unit", got, step)
	}
	if got[0] < lo || got[len(got)-1] > hi {
		t.Errorf("ticks %v outside [%g, %g]", got, lo, hi)
	}
	if l := ClockLabel(time.UTC)(got[0]); l != "10:02" {
		t.Errorf("first label %q, want 10:02", l)
	}
}

// parse checks that the SVG is well-formed XML and returns its points'
// data attributes and texts.
func parse(t *testing.T, svg string) (points []map[string]string, texts []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if e.Name.Local == "g" && hasClass(e, "pt") {
				m := map[string]string{}
				for _, a := range e.Attr {
					m[a.Name.Local] = a.Value
				}
				points = append(points, m)
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(e)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	return points, texts
}

func hasClass(e xml.StartElement, c string) bool {
	for _, a := range e.Attr {
		if a.Name.Local == "class" && slices.Contains(strings.Fields(a.Value), c) {
			return true
		}
	}
	return false
}

func TestEmptyChartSaysSo(t *testing.T) {
	c := Chart{ID: "split", Title: "Canary share", EmptyMessage: "no traffic yet", Series: []Series{{Name: "measured", Class: "measured", Kind: Dots}}}
	svg := string(c.HTML())
	points, texts := parse(t, svg)
	if len(points) != 0 {
		t.Errorf("points in an empty chart: %v", points)
	}
	if !slices.Contains(texts, "no traffic yet") {
		t.Errorf("texts %v: want the empty message", texts)
	}
}

func TestSinglePointGetsAWidenedDomain(t *testing.T) {
	c := Chart{Series: []Series{{Name: "a", Class: "a", Kind: Line, Points: []Point{{X: 100, Y: 0.5}}}}}
	x0, x1, y0, y1 := c.domain()
	if !(x0 < 100 && x1 > 100) || !(y0 < 0.5 && y1 > 0.5) {
		t.Fatalf("domain x [%g, %g] y [%g, %g] does not contain the point strictly", x0, x1, y0, y1)
	}
	svg := string(c.HTML())
	points, _ := parse(t, svg)
	if len(points) != 1 || points[0]["data-x"] != "100" || points[0]["data-y"] != "0.5" {
		t.Fatalf("points %v", points)
	}
	// Drawn in the middle of the plot, not at an edge.
	cx := circleX(t, svg)
	if mid := (marginLeft + 720 - marginRight) / 2; math.Abs(cx-mid) > 0.1 {
		t.Errorf("single point at x=%g, want the middle %g", cx, mid)
	}
}

var circleRE = regexp.MustCompile(`<circle cx="([0-9.]+)" cy="([0-9.]+)"`)

func circleX(t *testing.T, svg string) float64 {
	t.Helper()
	m := circleRE.FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no circle in %s", svg)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestIntervalsAreDrawnAndWidenTheDomain(t *testing.T) {
	c := Chart{Title: "share", Series: []Series{{Name: "measured", Class: "measured", Kind: Dots, Points: []Point{
		{X: 0, Y: 0.05, Lo: 0.03, Hi: 0.09, Interval: true, Data: []Attr{{"canary", "12"}, {"Total", "240"}}, Title: "5.0% [3.0, 9.0]"},
		{X: 10, Y: 0.25, Lo: 0.2, Hi: 0.31, Interval: true},
	}}}}
	_, _, y0, y1 := c.domain()
	if y0 > 0.03 || y1 < 0.31 {
		t.Errorf("y domain [%g, %g] cuts the intervals [0.03, 0.31]", y0, y1)
	}
	svg := string(c.HTML())
	points, texts := parse(t, svg)
	if len(points) != 2 {
		t.Fatalf("%d points, want 2", len(points))
	}
	p := points[0]
	for k, want := range map[string]string{"data-lo": "0.03", "data-hi": "0.09", "data-canary": "12", "data-total": "240"} {
		if p[k] != want {
			t.Errorf("%s = %q, want %q (%v)", k, p[k], want, p)
		}
	}
	if strings.Count(svg, `class="bar"`) != 2 {
		t.Errorf("want an interval bar per point:\n%s", svg)
	}
	if !slices.Contains(texts, "5.0% [3.0, 9.0]") {
		t.Errorf("tooltip missing from %v", texts)
	}
}

func TestFixedDomainClampsAndStepHoldsToTheEdge(t *testing.T) {
	c := Chart{Width: 400, Height: 200, FixedY: true, YMin: 0, YMax: 100, XMin: 0, XMax: 60,
		Series: []Series{{Name: "git", Class: "git", Kind: Step, Points: []Point{{X: 0, Y: 0}, {X: 20, Y: 5}, {X: 40, Y: 25}}}},
		Rules:  []Rule{{Y: 150, Label: "over the top", Class: "limit"}}}
	svg := string(c.HTML())
	parse(t, svg)
	// y = 25 of [0, 100] in [200-46, 12]; the step ends at the right edge.
	wantY := 200 - marginBottom - 0.25*(200-marginBottom-marginTop)
	if !strings.Contains(svg, "V"+px(wantY)+"H"+px(400-marginRight)+`"`) {
		t.Errorf("step path does not hold 25 at y=%s to the right edge:\n%s", px(wantY), svg)
	}
	// The rule above the fixed domain is clamped to the top.
	if !strings.Contains(svg, `y1="`+px(marginTop)+`" y2="`+px(marginTop)+`"/><text`) {
		t.Errorf("rule not clamped to the top:\n%s", svg)
	}
}

func TestTextIsEscaped(t *testing.T) {
	c := Chart{Title: `a<b & "c"`, Series: []Series{{Name: "<script>", Class: `x" onload="y`, Points: []Point{{X: 1, Y: 1, Data: []Attr{{`n"ame`, `<v>`}}}}}}}
	svg := string(c.HTML())
	parse(t, svg)
	if strings.Contains(svg, "<script>") || strings.Contains(svg, `onload="y`) {
		t.Fatalf("unescaped text:\n%s", svg)
	}
}
