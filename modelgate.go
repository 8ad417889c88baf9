// Package modelgate holds the domain types shared by every part of modelgate:
// error codes and the resource budgets ([Limits]) that every reader, the
// validator, the runtime and the server enforce.
//
// modelgate accepts neural-network models from people it does not trust and
// runs them without executing anything from the files. A model is a
// declarative spec (package spec) plus weights in safetensors (package
// safetensors); it is reconstructed by our own code (package nn). Legacy Flux
// BSON files are parsed as inert data (packages bson, juliabson), scanned
// against allow-lists (package scan) and converted (package flux) or refused.
//
// This package imports only the standard library.
package modelgate

import (
	"errors"
	"fmt"
)

// Error codes. Every error that crosses a package boundary towards a user
// carries one of these, so the CLI and the server can map it to an exit code
// or HTTP status through one table.
const (
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	EUNSUPPORTED  = "unsupported"  // well-formed, but modelgate does not run it
	ELIMIT        = "limit"        // a budget was exceeded
	ENOTFOUND     = "not_found"    // the named thing does not exist
	ECONFLICT     = "conflict"     // the operation conflicts with stored state
	EUNAUTHORIZED = "unauthorized" // missing or wrong credentials
	EFORBIDDEN    = "forbidden"    // credentials lack the scope or namespace
	EINTERNAL     = "internal"     // a bug or an environment failure
)

// Error is an error with a machine-readable code, a location and the rule that
// was broken. Where is a JSON pointer ("/layers/3/kernel"), a byte offset
// ("byte 1234"), a tensor name or a file path; Rule is a short stable
// identifier ("duplicate-key", "shape-mismatch").
type Error struct {
	Code    string // one of the E* constants
	Where   string // location inside the input; may be empty
	Rule    string // stable rule identifier; may be empty
	Message string // human-readable explanation
	Err     error  // underlying error; may be nil
}

// Error formats the error as "where: message [rule]".
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	s := e.Message
	if s == "" && e.Err != nil {
		s = e.Err.Error()
	} else if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Rule != "" {
		s += " [" + e.Rule + "]"
	}
	if e.Where != "" {
		s = e.Where + ": " + s
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Problem is the machine-readable form of an [*Error]: the objects that the
// CLI's --format json output and the HTTP API's error bodies both carry.
type Problem struct {
	Code    string `json:"code"`    // one of the E* constants
	Where   string `json:"where"`   // JSON pointer, "byte N", tensor name, file; may be empty
	Rule    string `json:"rule"`    // stable rule identifier; may be empty
	Message string `json:"message"` // human-readable, including the wrapped error's text
}

// Problem returns e in its machine-readable form.
func (e *Error) Problem() Problem {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return Problem{Code: e.Code, Where: e.Where, Rule: e.Rule, Message: msg}
}

// Errorf returns an *Error with the given code, location and rule.
func Errorf(code, where, rule, format string, args ...any) *Error {
	return &Error{Code: code, Where: where, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL
// if there is none. A nil error has the empty code.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return EINTERNAL
}

// Problems is a list of errors found while validating one input. Validators
// that can report more than one problem return a Problems value; it is nil
// when there are none.
type Problems []*Error

// Error joins the problems, one per line.
func (p Problems) Error() string {
	s := ""
	for i, e := range p {
		if i > 0 {
			s += "\n"
		}
		s += e.Error()
	}
	return s
}

// Unwrap lets errors.Is and errors.As look at every problem.
func (p Problems) Unwrap() []error {
	out := make([]error, len(p))
	for i, e := range p {
		out[i] = e
	}
	return out
}

// Err returns p as an error, or nil when p is empty.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}
