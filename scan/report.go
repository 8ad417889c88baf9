package scan

import (
	"fmt"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/magic"
)

// Severity ranks a finding. Critical and high findings refuse the file;
// warnings and notes do not.
type Severity string

// The severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Warning  Severity = "warning"
	Note     Severity = "note"
)

// Blocking reports whether findings of this severity refuse the file.
func (s Severity) Blocking() bool { return s == Critical || s == High }

// Finding is one fact about the file that the allow-list does not cover, or
// that a user should know.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`    // stable kebab-case id, see [Rules]
	Path     string   `json:"path"`    // where in the file: top-level key, then positions and type names
	Message  string   `json:"message"` // one line
	Count    int      `json:"count"`   // how many places share this rule and subject (>= 1); Path is the first
}

// Report is what the scanner learnt about one file.
type Report struct {
	Format      magic.Format `json:"format"`                 // detected from the magic bytes
	Bytes       int64        `json:"bytes"`                  // file size
	Keys        []string     `json:"keys,omitempty"`         // top-level keys (without _backrefs)
	ModelKeys   []string     `json:"model_keys,omitempty"`   // top-level keys whose value is a Flux model
	ParamKeys   []string     `json:"param_keys,omitempty"`   // top-level keys holding weights only (a vector of arrays, Zygote.Params)
	FluxVersion string       `json:"flux_version,omitempty"` // version range implied by the layouts seen, e.g. ">=0.13, <0.15"
	Nodes       int          `json:"nodes,omitempty"`        // graph nodes
	Findings    []Finding    `json:"findings"`               // in walk order, merged by rule and subject
	Error       string       `json:"error,omitempty"`        // why the file could not be parsed, when it could not

	index map[string]int
}

// Err returns nil when no finding is critical or high, else a
// modelgate.Problems with one *modelgate.Error per blocking finding (code
// EINVALID for critical findings, EUNSUPPORTED for high ones; Where is the
// in-file path, Rule the finding's rule).
func (r *Report) Err() error {
	if r == nil {
		return nil
	}
	var p modelgate.Problems
	for _, f := range r.Findings {
		if !f.Severity.Blocking() {
			continue
		}
		code := modelgate.EUNSUPPORTED
		if f.Severity == Critical {
			code = modelgate.EINVALID
		}
		msg := string(f.Severity) + ": " + f.Message
		if f.Count > 1 {
			msg += fmt.Sprintf(" (%d places)", f.Count)
		}
		p = append(p, &modelgate.Error{Code: code, Where: f.Path, Rule: f.Rule, Message: msg})
	}
	return p.Err()
}

// Clean reports whether the file parsed and has no blocking finding.
func (r *Report) Clean() bool { return r != nil && r.Error == "" && r.Err() == nil }

// Count returns the number of findings of severity s (merged findings count once).
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// maxFindings bounds the findings kept per report; merging by subject
// keeps real files far below it.
const maxFindings = 500

// add records a finding, merged with an earlier one of the same rule and
// subject.
func (r *Report) add(sev Severity, rule, subject, path, format string, args ...any) {
	if r.index == nil {
		r.index = map[string]int{}
	}
	key := rule + "\x00" + subject
	if i, ok := r.index[key]; ok {
		r.Findings[i].Count++
		return
	}
	if len(r.Findings) >= maxFindings {
		key = "too-many-findings"
		if i, ok := r.index[key]; ok {
			r.Findings[i].Count++
			return
		}
		sev, rule, format, args = High, "too-many-findings", "more than %d distinct findings; the rest are merged here", []any{maxFindings}
	}
	r.index[key] = len(r.Findings)
	r.Findings = append(r.Findings, Finding{Severity: sev, Rule: rule, Path: path, Message: fmt.Sprintf(format, args...), Count: 1})
}
