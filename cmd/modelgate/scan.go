package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/modelgate/modelgate/scan"
)

var scanHelp = cmdHelp{
	name: "scan",
	args: "FILE...",
	about: `Scan legacy model files (Flux.jl BSON) without running anything from them: the
format is detected from the first bytes (never the name), BSON.jl files are parsed
strictly as inert data, and every type, function and reference is checked against
modelgate's allow-list. Each finding has a severity (critical, high, warning,
note), a rule, the path inside the file and a one-line explanation.

Exit status: 0 every file clean (warnings and notes allowed), 1 a file holds
content that is not allowed, 2 a file could not be parsed safely (malformed,
truncated, unsupported format, over a budget) or a usage error.`,
	example: `modelgate scan model.bson
modelgate scan --format sarif *.bson > scan.sarif
modelgate scan --allow-known-lambdas --format json model.bson`,
}

// scanLargeFile is the size above which scan shows progress on a terminal.
const scanLargeFile = 16 << 20

// cmdScan implements "modelgate scan".
func cmdScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(scanHelp, stderr)
	format := fs.String("format", "text", "output format: text, json or sarif")
	lambdas := fs.Bool("allow-known-lambdas", false, "accept exactly the flatten lambda x -> reshape(x, :, size(x, N)), matched as data")
	pos, code, ok := parseArgs(fs, scanHelp, args, stdout)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fmt.Fprintf(stderr, "modelgate scan: no FILE given\n")
		fs.Usage()
		return exitUsage
	}
	if *format != "text" && *format != "json" && *format != "sarif" {
		fmt.Fprintf(stderr, "modelgate scan: --format must be text, json or sarif, not %q\n", *format)
		return exitUsage
	}
	exit := exitOK
	var files []scan.Scanned
	for _, name := range pos {
		rep, c := scanOne(ctx, name, *lambdas, stderr)
		exit = max(exit, c)
		files = append(files, scan.Scanned{URI: name, Report: rep})
		if *format == "text" {
			writeScanText(stdout, name, rep)
		}
	}
	switch *format {
	case "json":
		writeJSON(stdout, scanJSON(files))
	case "sarif":
		if err := scan.WriteSARIF(stdout, moduleVersion(), files); err != nil {
			return fail(stderr, "scan", err)
		}
	}
	return exit
}

// scanOne scans one file and returns its report and exit status.
func scanOne(ctx context.Context, name string, lambdas bool, stderr io.Writer) (*scan.Report, int) {
	data, err := readLegacyFile(name)
	if err != nil {
		return &scan.Report{Error: err.Error(), Findings: []scan.Finding{}}, exitUsage
	}
	opt := scan.Options{AllowKnownLambdas: lambdas}
	if len(data) > scanLargeFile && isTerminal(stderr) {
		opt.Progress = func(done, total int) {
			fmt.Fprintf(stderr, "\r%s: %s", name, bar(done, total))
			if done >= total {
				fmt.Fprintln(stderr)
			}
		}
	}
	rep, err := scan.File(ctx, data, opt)
	switch {
	case err != nil:
		return rep, exitUsage
	case rep.Err() != nil:
		return rep, exitInvalid
	}
	return rep, exitOK
}

// maxLegacyFile bounds the legacy files scan and convert read.
const maxLegacyFile = 2 << 30

// readLegacyFile reads a regular file of at most maxLegacyFile bytes.
func readLegacyFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if st.Size() > maxLegacyFile {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d-byte limit", name, st.Size(), maxLegacyFile)
	}
	return io.ReadAll(io.LimitReader(f, maxLegacyFile+1))
}

// bar renders a 30-cell progress bar.
func bar(done, total int) string {
	if total <= 0 {
		total = 1
	}
	n := min(30, done*30/total)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", 30-n) + fmt.Sprintf("] %3d%%", done*100/total)
}

// writeScanText prints one file's report for people.
func writeScanText(w io.Writer, name string, r *scan.Report) {
	switch {
	case r.Error != "":
		fmt.Fprintf(w, "%s: not scanned (%s): %s\n", name, r.Format, r.Error)
		return
	case r.Err() != nil:
		fmt.Fprintf(w, "%s: REFUSED: %s file, keys %s\n", name, r.Format, strings.Join(r.Keys, ", "))
	default:
		fmt.Fprintf(w, "%s: clean: %s file, keys %s\n", name, r.Format, strings.Join(r.Keys, ", "))
	}
	if len(r.ModelKeys) > 0 {
		fmt.Fprintf(w, "  model keys: %s\n", strings.Join(r.ModelKeys, ", "))
	}
	if len(r.ParamKeys) > 0 {
		fmt.Fprintf(w, "  weights-only keys: %s (convert with --arch)\n", strings.Join(r.ParamKeys, ", "))
	}
	if r.FluxVersion != "" {
		fmt.Fprintf(w, "  Flux version: %s\n", r.FluxVersion)
	}
	for _, f := range r.Findings {
		more := ""
		if f.Count > 1 {
			more = fmt.Sprintf(" (%d places)", f.Count)
		}
		fmt.Fprintf(w, "  %-8s %s: %s [%s]%s\n", f.Severity, f.Path, f.Message, f.Rule, more)
	}
}

// scanFileJSON is one file in --format json output.
type scanFileJSON struct {
	File   string       `json:"file"`
	Clean  bool         `json:"clean"`
	Report *scan.Report `json:"report"`
}

func scanJSON(files []scan.Scanned) []scanFileJSON {
	out := make([]scanFileJSON, len(files))
	for i, f := range files {
		out[i] = scanFileJSON{File: f.URI, Clean: f.Report.Clean(), Report: f.Report}
	}
	return out
}
