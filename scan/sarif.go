package scan

import (
	"encoding/json"
	"io"
	"sort"
)

// Scanned is one scanned file for [WriteSARIF]: the URI as the user gave
// it (the command-line argument) and its report.
type Scanned struct {
	URI    string
	Report *Report
}

// sarif types: the subset of SARIF 2.1.0 that code-scanning UIs read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
	} `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
}

// level maps a severity to a SARIF level.
func level(s Severity) string {
	switch s {
	case Critical, High:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// ruleText is the short description of each rule.
var ruleText = map[string]string{
	"serialized-code":      "serialized code (anonymous function, Method, CodeInfo, Expr, GlobalRef)",
	"gadget":               "known load-time gadget type or dangerous function",
	"pointer":              "raw pointer value",
	"opaque-bits":          "raw bytes of an unknown primitive type",
	"fix-not-allowed":      "Base.Fix1/Fix2 over a function outside the allow-list",
	"tracker-call":         "Tracker call record with a function",
	"type-not-allowed":     "type outside the allow-list",
	"user-type":            "user-defined type or function under Main",
	"function-not-allowed": "function outside the allow-list",
	"ref-not-allowed":      "reference to a global outside the allow-list",
	"gpu-array":            "GPU array: device pointers, no weights",
	"field-count":          "layer field count no Flux version wrote",
	"too-many-findings":    "too many distinct findings",
	"batchnorm-active":     "BatchNorm saved in training mode",
	"extra-key":            "top-level key that is not part of the model",
	"no-model":             "the file holds no model",
	"known-lambda":         "recognised known lambda (flatten)",
	"optimiser-state":      "optimiser state, ignored",
	"mixed-versions":       "layouts from different Flux versions",
	"parse-error":          "the file could not be parsed safely",
}

// WriteSARIF writes the reports as one SARIF 2.1.0 log: one run of the
// tool "modelgate", every rule used, and one result per finding (and per
// file that could not be parsed, rule "parse-error"), located at the file
// URI with the in-file path as a logical location.
func WriteSARIF(w io.Writer, toolVersion string, files []Scanned) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "modelgate", Version: toolVersion}}, Results: []sarifResult{}}
	used := map[string]Severity{}
	for _, f := range files {
		if f.Report == nil {
			continue
		}
		if f.Report.Error != "" {
			run.Results = append(run.Results, result(f.URI, "parse-error", "error", f.Report.Error, ""))
			used["parse-error"] = High
		}
		for _, fd := range f.Report.Findings {
			run.Results = append(run.Results, result(f.URI, fd.Rule, level(fd.Severity), fd.Message, fd.Path))
			used[fd.Rule] = fd.Severity
		}
	}
	ids := make([]string, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := sarifRule{ID: id, ShortDescription: sarifMessage{Text: ruleText[id]}}
		if r.ShortDescription.Text == "" {
			r.ShortDescription.Text = id
		}
		r.DefaultConfiguration.Level = level(used[id])
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
	}
	if run.Tool.Driver.Rules == nil {
		run.Tool.Driver.Rules = []sarifRule{}
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func result(uri, rule, lvl, msg, path string) sarifResult {
	r := sarifResult{RuleID: rule, Level: lvl, Message: sarifMessage{Text: msg}}
	var loc sarifLocation
	loc.PhysicalLocation.ArtifactLocation.URI = uri
	if path != "" {
		loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: path}}
	}
	r.Locations = []sarifLocation{loc}
	return r
}
