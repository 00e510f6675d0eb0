package check

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gitshift/gitshift/internal/rollout/policy"
	"github.com/gitshift/gitshift/internal/simulate"
)

// runPolicyTraffic reports, for each CanaryPolicy of the Application, the
// traffic its steps need to decide within their maxDuration
// (simulate.Needs, the simulation's own stepping). Without Options.RPS it
// is one info at the step that needs the most; with it, each step that
// needs more is a warning (its minCanaryRequests cannot arrive in time)
// or an error (not even the judge's minimum per arm can).
func runPolicyTraffic(p *Pass) {
	for _, fp := range p.Files.canaryPolicies() {
		if !fp.governs(p.Target) {
			continue
		}
		needs := simulate.Needs(fp.pol, 0)
		if len(needs) == 0 {
			continue // a single 100% step decides nothing
		}
		short := false
		if p.rps > 0 {
			for _, n := range needs {
				if p.rps < n.RPS {
					short = true
					reportShortStep(p, fp, n)
				}
			}
		}
		if !short {
			reportNeed(p, fp, needs)
		}
	}
}

func reportNeed(p *Pass, fp foundPolicy, needs []simulate.StepNeed) {
	top := needs[0]
	var each []string
	for _, n := range needs {
		if n.RPS > top.RPS {
			top = n
		}
		each = append(each, fmt.Sprintf("%s %s", stepName(fp.pol, n), rate(n.RPS)))
	}
	pol := fp.pol
	st := pol.Spec.Steps[top.Step]
	msg := fmt.Sprintf("CanaryPolicy %q needs ≥ %s rps (both versions together) at %s (%s) to decide within %s: %s",
		pol.Metadata.Name, rate(top.RPS), stepName(pol, top), stepPath(top), dur(st.MaxDuration.Duration), evidence(top))
	sim := top.RPS
	if p.rps > 0 {
		msg += fmt.Sprintf("; at --rps %s every step can", rate(p.rps))
		sim = p.rps
	}
	hint := fmt.Sprintf("see the decision times: %s. Each step needs: %s. Below a step's rate it times out and the failure policy (%s) applies, unless the canary is shown non-inferior earlier (never below %s rps, the judge's %d requests per arm).",
		simulateCommand(fp, sim), strings.Join(each, ", "), pol.Spec.FailurePolicy, rate(top.FloorRPS), top.JudgeMin)
	if p.rps == 0 {
		hint += " Give check --rps with the service's traffic to grade every step against it."
	}
	p.report(SeverityInfo, pol.File, pol.Line(stepPath(top)), msg, hint)
}

func reportShortStep(p *Pass, fp foundPolicy, n simulate.StepNeed) {
	pol := fp.pol
	st := pol.Spec.Steps[n.Step]
	secs := n.LastLook.Seconds()
	canary, baseline := p.rps*n.CanaryShare*secs, p.rps*n.BaselineShare*secs
	var short []string
	if canary < float64(n.MinCanary) {
		short = append(short, fmt.Sprintf("%.0f of its %d canary requests", math.Floor(canary), n.MinCanary))
	}
	if baseline < float64(n.JudgeMin) {
		short = append(short, fmt.Sprintf("%.0f of the judge's %d baseline requests", math.Floor(baseline), n.JudgeMin))
	}
	sev, outcome := SeverityWarning, fmt.Sprintf("it times out and the failure policy (%s) applies unless the canary is shown non-inferior before", pol.Spec.FailurePolicy)
	if p.rps < n.FloorRPS {
		sev, outcome = SeverityError, fmt.Sprintf("below the judge's minimum of %d per arm it cannot decide: every rollout times out there and the failure policy (%s) applies", n.JudgeMin, pol.Spec.FailurePolicy)
	}
	msg := fmt.Sprintf("at --rps %s, %s (%s) of CanaryPolicy %q expects %s within %s (it needs ≥ %s rps): %s",
		rate(p.rps), stepName(pol, n), stepPath(n), pol.Metadata.Name, strings.Join(short, " and "), dur(st.MaxDuration.Duration), rate(n.RPS), outcome)
	// What would fit the stated traffic: the maxDuration that gets the
	// step's requests in, or the requests that arrive in the one it has.
	needSecs := math.Max(float64(n.MinCanary)/(p.rps*n.CanaryShare), float64(n.JudgeMin)/(p.rps*n.BaselineShare))
	fix := fmt.Sprintf("raise its maxDuration above %s", dur(time.Duration(math.Ceil(needSecs))*time.Second))
	if reach := int64(canary); reach >= n.JudgeMin && baseline >= float64(n.JudgeMin) {
		fix += fmt.Sprintf(" or lower its minCanaryRequests below %d", reach)
	}
	hint := fmt.Sprintf("%s, or give the canary more traffic; see the decision times: %s", fix, simulateCommand(fp, p.rps))
	p.report(sev, pol.File, pol.Line(stepPath(n)), msg, hint)
}

// evidence says what the step waits for.
func evidence(n simulate.StepNeed) string {
	if float64(n.JudgeMin)/n.BaselineShare > float64(n.MinCanary)/n.CanaryShare {
		return fmt.Sprintf("the judge's %d baseline requests by then", n.JudgeMin)
	}
	return fmt.Sprintf("%d canary requests by then", n.MinCanary)
}

func stepPath(n simulate.StepNeed) string { return "spec.steps[" + strconv.Itoa(n.Step) + "]" }

func stepName(p *policy.CanaryPolicy, n simulate.StepNeed) string {
	switch n.Kind {
	case policy.StepHeader:
		return fmt.Sprintf("the header step (%s; %.0f%% of requests assumed to carry it)", p.Spec.Steps[n.Step].HeaderRoute.Name, 100*n.CanaryShare)
	case policy.StepMirror:
		return fmt.Sprintf("the %d%% mirror step", n.Percent)
	}
	return fmt.Sprintf("the %d%% step", n.Percent)
}

// rate prints a request rate rounded up to three significant digits, so
// "needs ≥ rate" stays true and the printed command runs at it.
func rate(v float64) string {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	scale := math.Pow(10, 2-math.Floor(math.Log10(v)))
	r := math.Ceil(v*scale-1e-9) / scale
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// dur prints 15m0s as 15m and 1m3s as 1m3s.
func dur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./@%+=:,-]+$`)

// simulateCommand is the command that shows the policy's decision times
// at rps, with the file relative to the repository root like every path
// check prints.
func simulateCommand(fp foundPolicy, rps float64) string {
	cmd := "gitshift simulate --policy " + quote(fp.pol.File)
	if fp.several {
		cmd += " --policy-name " + quote(fp.pol.Metadata.Name)
	}
	return cmd + " --rps " + rate(rps)
}

func quote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
