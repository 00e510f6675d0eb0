package command

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Every numeric flag has a range, and every regular-expression flag must
// compile; ValidateFlags checks the flags a user set before the command
// runs, so a bad value is a usage error (exit 4), never a silent default or
// a failure deep inside a run. Without a declared Range a number must be
// finite and not negative, a duration not negative; a command declares
// other ranges next to the flag (FlagRange).

// annRange (a Range in JSON), annRegexp and annEnum (the values) are keys
// of pflag.Flag.Annotations.
const (
	annRange  = "gitshift.range"
	annRegexp = "gitshift.regexp"
	annEnum   = "gitshift.enum"
)

// Range is the set of values a numeric flag accepts: Min to Max, each
// bound included unless MinOpen/MaxOpen. A duration's bounds are in
// nanoseconds (float64(time.Second)). Why says what a value outside would
// mean, e.g. "0 would take the default 8".
type Range struct {
	Min, Max         float64
	MinOpen, MaxOpen bool
	Why              string
}

// AtLeast is the Range [min, +inf); Above is (min, +inf).
func AtLeast(min float64, why string) Range { return Range{Min: min, Max: math.MaxFloat64, Why: why} }
func Above(min float64, why string) Range {
	return Range{Min: min, Max: math.MaxFloat64, MinOpen: true, Why: why}
}

// defaultRange: not negative.
var defaultRange = AtLeast(0, "")

// FlagRange declares the values numeric flag name accepts.
func FlagRange(fs *pflag.FlagSet, name string, r Range) {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	set(fs, name, annRange, string(b))
}

// FlagRegexp declares that string flag name holds a regular expression
// (RE2, which is also Prometheus's syntax).
func FlagRegexp(fs *pflag.FlagSet, name string) { set(fs, name, annRegexp, "true") }

// FlagEnum declares the values string flag name accepts ("" is always
// accepted: the flag's default or "not given").
func FlagEnum(fs *pflag.FlagSet, name string, values ...string) {
	if err := fs.SetAnnotation(name, annEnum, values); err != nil {
		panic(fmt.Sprintf("command: flag --%s: %v", name, err))
	}
}

// FlagValues returns the values a FlagEnum flag accepts (nil for others).
func FlagValues(f *pflag.Flag) []string { return f.Annotations[annEnum] }

func set(fs *pflag.FlagSet, name, key, value string) {
	if err := fs.SetAnnotation(name, key, []string{value}); err != nil {
		panic(fmt.Sprintf("command: flag --%s: %v", name, err)) // a programming error
	}
}

// FlagBounds returns the Range a numeric flag accepts: the declared one,
// or the default (not negative); ok is false for other flags.
func FlagBounds(f *pflag.Flag) (r Range, ok bool) {
	switch f.Value.Type() {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "count",
		"float32", "float64", "duration":
	default:
		return Range{}, false
	}
	r = defaultRange
	if v, ok := f.Annotations[annRange]; ok {
		if err := json.Unmarshal([]byte(v[0]), &r); err != nil {
			panic(err)
		}
	}
	return r, true
}

// Contains reports whether v is in r (never NaN or an infinity).
func (r Range) Contains(v float64) bool {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return false
	case v < r.Min || r.MinOpen && v == r.Min:
		return false
	case v > r.Max || r.MaxOpen && v == r.Max:
		return false
	}
	return true
}

// IsRegexpFlag reports whether f was declared with FlagRegexp.
func IsRegexpFlag(f *pflag.Flag) bool { return f.Annotations[annRegexp] != nil }

// ValidateFlags checks every flag the user set on cmd (its own and the
// inherited ones) against its range or syntax.
func ValidateFlags(cmd *cobra.Command) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err == nil {
			err = validateFlag(f)
		}
	})
	return err
}

func validateFlag(f *pflag.Flag) error {
	if values := FlagValues(f); values != nil {
		v := f.Value.String()
		if v != "" && !slices.Contains(values, v) {
			return flagError(f, "want %s", strings.Join(values, " or "))
		}
		return nil
	}
	if IsRegexpFlag(f) {
		if _, err := regexp.Compile(f.Value.String()); err != nil {
			return flagError(f, "not a regular expression: %v", err)
		}
		return nil
	}
	r, ok := FlagBounds(f)
	if !ok {
		return nil
	}
	v, err := flagNumber(f)
	if err != nil {
		return flagError(f, "%v", err)
	}
	if !r.Contains(v) {
		why := ""
		if r.Why != "" {
			why = " (" + r.Why + ")"
		}
		return flagError(f, "must be %s%s", r.describe(f.Value.Type() == "duration"), why)
	}
	return nil
}

// flagNumber reads a numeric flag's value as a float64 (a duration in
// nanoseconds).
func flagNumber(f *pflag.Flag) (float64, error) {
	if f.Value.Type() == "duration" {
		d, err := time.ParseDuration(f.Value.String())
		return float64(d), err
	}
	return strconv.ParseFloat(f.Value.String(), 64)
}

func (r Range) describe(duration bool) string {
	show := func(v float64) string {
		if duration {
			return time.Duration(v).String()
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	what := "a number"
	if duration {
		what = "a duration"
	}
	low := "at least " + show(r.Min)
	if r.MinOpen {
		low = "above " + show(r.Min)
	}
	if r.Min == 0 && !r.MinOpen {
		low = "not negative"
	}
	if r.Max == math.MaxFloat64 {
		return what + ", " + low
	}
	if !r.MinOpen && !r.MaxOpen {
		return fmt.Sprintf("%s from %s to %s", what, show(r.Min), show(r.Max))
	}
	high := "at most " + show(r.Max)
	if r.MaxOpen {
		high = "below " + show(r.Max)
	}
	return fmt.Sprintf("%s %s and %s", what, low, high)
}

func flagError(f *pflag.Flag, format string, args ...any) error {
	return errkind.Wrap(errkind.Usage, fmt.Errorf("invalid argument %q for \"--%s\" flag: %s", f.Value.String(), f.Name, fmt.Sprintf(format, args...)))
}
