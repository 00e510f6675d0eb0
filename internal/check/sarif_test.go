package check

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestWriteSARIF(t *testing.T) {
	diags := []Diagnostic{
		{Code: "GS1001", Severity: SeverityError, File: "canary/vs.yaml", Line: 3, Message: "not applied", Hint: "set recurse", App: "bookinfo"},
		{Code: "GS1005", Severity: SeverityInfo, File: "notes.yaml", Message: "ignored"},
	}
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, diags, SARIFOptions{ToolVersion: "v0.1.0", URIPrefix: "deploy"}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "gitshift" || len(run.Tool.Driver.Rules) != len(Rules()) {
		t.Errorf("driver %q with %d rules", run.Tool.Driver.Name, len(run.Tool.Driver.Rules))
	}
	if len(run.Results) != 2 {
		t.Fatalf("%d results", len(run.Results))
	}
	r0, r1 := run.Results[0], run.Results[1]
	loc := r0.Locations[0].PhysicalLocation
	if r0.RuleID != "GS1001" || r0.Level != "error" || loc.ArtifactLocation.URI != "deploy/canary/vs.yaml" || loc.Region == nil || loc.Region.StartLine != 3 {
		t.Errorf("result 0 = %+v", r0)
	}
	if run.Tool.Driver.Rules[r0.RuleIndex].ID != "GS1001" {
		t.Errorf("ruleIndex %d does not point at GS1001", r0.RuleIndex)
	}
	if r1.Level != "note" || r1.Locations[0].PhysicalLocation.Region != nil {
		t.Errorf("result 1 = %+v", r1)
	}
}

func TestRuleTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.Code] || r.run == nil || r.Summary == "" || r.Help == "" || r.Name == "" {
			t.Errorf("rule %s: duplicate or incomplete", r.Code)
		}
		seen[r.Code] = true
		if _, err := ParseSeverity(string(r.Severity)); err != nil {
			t.Errorf("rule %s: %v", r.Code, err)
		}
	}
	if !SeverityError.AtLeast(SeverityWarning) || SeverityInfo.AtLeast(SeverityWarning) {
		t.Error("severity order")
	}
}
