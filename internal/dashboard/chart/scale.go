package chart

import (
	"math"
	"time"
)

// Scale maps a domain [D0, D1] linearly onto a range [R0, R1] (pixels; R1
// may be smaller than R0 for a y axis that grows upwards).
type Scale struct{ D0, D1, R0, R1 float64 }

// Map returns v's position, clamped to the range: a value outside a fixed
// domain is drawn at its edge rather than over the axes. A zero-width
// domain maps everything to the middle of the range.
func (s Scale) Map(v float64) float64 {
	if s.D1 == s.D0 {
		return (s.R0 + s.R1) / 2
	}
	f := (v - s.D0) / (s.D1 - s.D0)
	f = math.Max(0, math.Min(1, f))
	return s.R0 + f*(s.R1-s.R0)
}

// Ticks returns about n "nice" values (1, 2 or 5 times a power of ten)
// covering [lo, hi], the first at or below lo and the last at or above hi.
func Ticks(lo, hi float64, n int) []float64 {
	if n < 1 || math.IsNaN(lo) || math.IsNaN(hi) || hi < lo {
		return nil
	}
	if hi == lo {
		return []float64{lo}
	}
	step := niceStep((hi - lo) / float64(n))
	first := math.Floor(lo / step)
	// Snap the float error away (0.6000000000000001 → 0.6): round to the
	// step's decimals by dividing by a power of ten, which is exact.
	scale := math.Pow(10, math.Max(0, -math.Floor(math.Log10(step))))
	var out []float64
	for i := 0; ; i++ {
		v := math.Round((first+float64(i))*step*scale) / scale
		out = append(out, v)
		if v >= hi-step*1e-9 || i > 4*n+4 {
			break
		}
	}
	return out
}

func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// timeSteps are the tick spacings of a time axis, in seconds.
var timeSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400}

// TimeTicks is Ticks for unix seconds: at whole seconds, minutes or hours,
// inside [lo, hi] (a time axis starts at its first sample, not before).
func TimeTicks(lo, hi float64, n int) []float64 {
	if n < 1 || hi <= lo {
		return nil
	}
	raw := (hi - lo) / float64(n)
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if s >= raw {
			step = s
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		out = append(out, v)
	}
	return out
}

// Unix is t in (fractional) unix seconds, the x unit of time charts.
func Unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// ClockLabel formats unix seconds as a local wall-clock time of day.
func ClockLabel(loc *time.Location) func(float64) string {
	return func(v float64) string {
		sec, frac := math.Modf(v)
		t := time.Unix(int64(sec), int64(frac*1e9)).In(loc)
		if t.Second() == 0 {
			return t.Format("15:04")
		}
		return t.Format("15:04:05")
	}
}
