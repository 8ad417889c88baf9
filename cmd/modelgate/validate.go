package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/modelpkg"
)

var validateHelp = cmdHelp{
	name: "validate",
	args: "PKG",
	about: `Check the package in directory PKG completely: the spec (strict parsing, every
range, static shapes, budgets), the weights file's size and SHA-256 against the
spec, the safetensors structure, and that every tensor binds exactly once with
the expected dtype and shape. Every problem is printed on its own line as
"where: what (rule)".

Exit status: 0 valid, 1 invalid, 2 usage or I/O error.`,
	example: `modelgate validate examples/mnist-mlp
modelgate validate --format json examples/lstm`,
}

// problemJSON is one problem in --format json output: the same objects the
// HTTP API answers with.
type problemJSON = modelgate.Problem

// validateJSON is the --format json output of validate.
type validateJSON struct {
	Valid    bool          `json:"valid"`
	Problems []problemJSON `json:"problems"`
}

// cmdValidate implements "modelgate validate".
func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	pr, code, ok := packageReport(ctx, validateHelp, args, stdout, stderr)
	if !ok {
		return code
	}
	rep := pr.rep
	if pr.format == "json" {
		writeJSON(stdout, validateJSON{Valid: rep.Valid(), Problems: problemsJSON(rep.Problems)})
	} else if rep.Valid() {
		a := rep.Analysis
		fmt.Fprintf(stdout, "%s: valid: %s, input %v, output %v, %d parameters, %d FLOPs per sample\n",
			pr.dir, rep.Spec.Name, a.Input, a.Output, a.TotalParams, a.TotalFLOPs)
	} else {
		writeProblems(stdout, rep.Problems)
	}
	if !rep.Valid() {
		return exitInvalid
	}
	return exitOK
}

// pkgReport is a validated package and how the command should print it.
type pkgReport struct {
	rep    *modelpkg.Report
	dir    string // the PKG argument
	format string // "text" or "json"
}

// packageReport parses the flags of a command that takes one package
// directory (--format and the package limit flags) and validates the
// package. When ok is false the command is over and code is its exit
// status (help, usage error or I/O failure, already reported).
func packageReport(ctx context.Context, h cmdHelp, args []string, stdout, stderr io.Writer) (pkgReport, int, bool) {
	fs := newFlagSet(h, stderr)
	format := formatFlag(fs)
	lf := addPackageLimitFlags(fs)
	pos, code, ok := parseArgs(fs, h, args, stdout)
	if !ok {
		return pkgReport{}, code, false
	}
	if !wantArgs(fs, pos, 1, stderr) || !checkFormat(fs, *format, stderr) {
		return pkgReport{}, exitUsage, false
	}
	rep, err := modelpkg.Validate(ctx, pos[0], modelpkg.Options{Limits: lf.limits()})
	if err != nil {
		return pkgReport{}, fail(stderr, h.name, err), false
	}
	return pkgReport{rep: rep, dir: pos[0], format: *format}, 0, true
}

// problemLine formats a problem as "where: what (rule)".
func problemLine(e *modelgate.Error) string {
	msg := e.Message
	if e.Err != nil {
		if msg != "" {
			msg += ": "
		}
		msg += e.Err.Error()
	}
	s := msg
	if e.Where != "" {
		s = e.Where + ": " + s
	}
	if e.Rule != "" {
		s += " (" + e.Rule + ")"
	}
	return s
}

// writeProblems prints one problem per line.
func writeProblems(w io.Writer, p modelgate.Problems) {
	for _, e := range p {
		fmt.Fprintln(w, printable(problemLine(e)))
	}
}

func problemsJSON(p modelgate.Problems) []problemJSON {
	out := make([]problemJSON, 0, len(p))
	for _, e := range p {
		out = append(out, e.Problem())
	}
	return out
}

// writeJSON writes v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(w, "{\"error\": %q}\n", err.Error())
		return
	}
	fmt.Fprintf(w, "%s\n", b)
}
