package check

import (
	"encoding/json"
	"io"
	"path"
	"strings"
)

// SARIF 2.1.0 shapes (the subset code scanning reads).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string       `json:"id"`
		Name                 string       `json:"name"`
		ShortDescription     sarifText    `json:"shortDescription"`
		FullDescription      sarifText    `json:"fullDescription"`
		Help                 sarifText    `json:"help"`
		DefaultConfiguration sarifDefault `json:"defaultConfiguration"`
	}
	sarifDefault struct {
		Level string `json:"level"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
)

// SARIFOptions describe the tool and where the checked directory sits.
type SARIFOptions struct {
	ToolVersion string
	// URIPrefix is prepended to every file (the checked directory relative
	// to the repository root, for code scanning), e.g. "deploy".
	URIPrefix string
}

func sarifLevel(s Severity) string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "note"
}

// WriteSARIF writes diagnostics as a SARIF 2.1.0 log with one run whose
// driver lists every rule.
func WriteSARIF(w io.Writer, diags []Diagnostic, opts SARIFOptions) error {
	rules := Rules()
	index := map[string]int{}
	driver := sarifDriver{Name: "gitshift", Version: opts.ToolVersion, InformationURI: "https://github.com/gitshift/gitshift"}
	for i, r := range rules {
		index[r.Code] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID: r.Code, Name: ruleName(r.Name),
			ShortDescription:     sarifText{r.Summary},
			FullDescription:      sarifText{r.Help},
			Help:                 sarifText{r.Summary + ". " + r.Help},
			DefaultConfiguration: sarifDefault{sarifLevel(r.Severity)},
		})
	}
	results := make([]sarifResult, 0, len(diags))
	for _, d := range diags {
		msg := d.Message
		if d.App != "" {
			msg = "[" + d.App + "] " + msg
		}
		if d.Hint != "" {
			msg += " (hint: " + d.Hint + ")"
		}
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(opts.URIPrefix, d.File), URIBaseID: "%SRCROOT%"}}
		if d.Line > 0 {
			loc.Region = &sarifRegion{StartLine: d.Line}
		}
		results = append(results, sarifResult{
			RuleID: d.Code, RuleIndex: index[d.Code], Level: sarifLevel(d.Severity),
			Message: sarifText{msg}, Locations: []sarifLocation{{PhysicalLocation: loc}},
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func sarifURI(prefix, file string) string {
	if prefix == "" || prefix == "." {
		return file
	}
	return path.Join(prefix, file)
}

// ruleName turns "recurse-off" into "RecurseOff" (SARIF names are identifiers).
func ruleName(kebab string) string {
	var b strings.Builder
	for _, part := range strings.Split(kebab, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
