package check

import "fmt"

// runInvalidPolicy reports every reason a CanaryPolicy in the checkout does
// not parse or validate, at its file and line: `gitshift rollout`, simulate
// and the controller refuse such a policy, after the merge.
func runInvalidPolicy(p *Pass) {
	for _, pp := range p.Files.policyProblemsOf(p.Target) {
		what := "CanaryPolicy"
		if pp.name != "" {
			what = fmt.Sprintf("CanaryPolicy %q", pp.name)
		}
		msg := what + ": " + pp.Msg
		if pp.Field != "" {
			msg = fmt.Sprintf("%s: %s: %s", what, pp.Field, pp.Msg)
		}
		hint := fmt.Sprintf("gitshift rollout and the controller refuse this policy, and check cannot grade its traffic (GS3001) until it is fixed; `gitshift simulate --policy %s` shows the same error.", quote(pp.File))
		p.report("", pp.File, pp.Line, msg, hint)
	}
}
