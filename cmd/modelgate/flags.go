package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/modelgate/modelgate"
)

// cmdHelp describes one subcommand for its --help output.
type cmdHelp struct {
	name    string // subcommand name
	args    string // positional arguments, e.g. "PKG"
	about   string // what the command does, a few lines
	example string // one or more example invocations
}

// newFlagSet returns a flag set that prints h and the flag defaults on
// --help. Output goes to stderr for errors; parseArgs prints help to stdout.
func newFlagSet(h cmdHelp, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("modelgate "+h.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printHelp(fs.Output(), fs, h) }
	return fs
}

// printHelp writes the help text of one subcommand.
func printHelp(w io.Writer, fs *flag.FlagSet, h cmdHelp) {
	fmt.Fprintf(w, "Usage: modelgate %s [flags] %s\n\n%s\n", h.name, h.args, strings.TrimSpace(h.about))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "\nFlags:\n")
		saved := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(saved)
	}
	fmt.Fprintf(w, "\nExample:\n\n%s\n", indent(strings.TrimSpace(h.example)))
}

func indent(s string) string {
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}

// parseArgs parses flags that may appear before, between or after the
// positional arguments ("run PKG --input x.json"). A "--" ends flag parsing.
// It returns the positional arguments, or an exit code when the caller must
// stop: exitOK after --help (printed to stdout), exitUsage on a bad flag.
func parseArgs(fs *flag.FlagSet, h cmdHelp, args []string, stdout io.Writer) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printHelp(stdout, fs, h)
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// wantArgs checks the number of positional arguments.
func wantArgs(fs *flag.FlagSet, pos []string, n int, stderr io.Writer) bool {
	if len(pos) == n {
		return true
	}
	fmt.Fprintf(stderr, "%s: want %d argument(s), got %d\n", fs.Name(), n, len(pos))
	fs.Usage()
	return false
}

// formatFlag registers --format text|json.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "text", "output format: text or json")
}

// checkFormat validates the value of --format.
func checkFormat(fs *flag.FlagSet, format string, stderr io.Writer) bool {
	if format == "text" || format == "json" {
		return true
	}
	fmt.Fprintf(stderr, "%s: --format must be text or json, not %q\n", fs.Name(), format)
	return false
}

// limitFlags holds the budget flags shared by validate, inspect and run.
type limitFlags struct {
	batch, layers                     int
	specBytes, weightsBytes           int64
	params, flops, activation, inputB int64
}

// addLimitFlags registers every --max-* budget flag. Zero means the
// default from modelgate.DefaultLimits.
func addLimitFlags(fs *flag.FlagSet) *limitFlags { return registerLimitFlags(fs, true) }

// addPackageLimitFlags registers the budget flags that matter when a
// package is only loaded (no --max-batch, --max-input-bytes).
func addPackageLimitFlags(fs *flag.FlagSet) *limitFlags { return registerLimitFlags(fs, false) }

func registerLimitFlags(fs *flag.FlagSet, forRun bool) *limitFlags {
	d := modelgate.DefaultLimits()
	l := &limitFlags{}
	fs.Int64Var(&l.specBytes, "max-spec-bytes", d.SpecBytes, "largest model.json/model.yaml in bytes")
	fs.Int64Var(&l.weightsBytes, "max-weights-bytes", d.WeightsBytes, "largest weights.safetensors in bytes")
	fs.Int64Var(&l.params, "max-params", d.Params, "most parameters in a model")
	fs.Int64Var(&l.flops, "max-flops", d.FLOPs, "most floating-point operations per sample")
	fs.Int64Var(&l.activation, "max-activation-bytes", d.ActivationBytes, "largest live activation per sample in bytes")
	fs.IntVar(&l.layers, "max-layers", d.Layers, "most layers in a model, nested included")
	l.batch, l.inputB = d.Batch, d.InputBytes
	if forRun {
		fs.IntVar(&l.batch, "max-batch", d.Batch, "most samples per Predict call")
		fs.Int64Var(&l.inputB, "max-input-bytes", d.InputBytes, "largest input chunk held in memory, in bytes")
	}
	return l
}

// limits returns the budgets selected by the flags.
func (l *limitFlags) limits() modelgate.Limits {
	lim := modelgate.DefaultLimits()
	lim.SpecBytes = l.specBytes
	lim.WeightsBytes = l.weightsBytes
	lim.Params = l.params
	lim.FLOPs = l.flops
	lim.ActivationBytes = l.activation
	lim.Layers = l.layers
	lim.Batch = l.batch
	lim.InputBytes = l.inputB
	return lim.OrDefault()
}

// exitCode maps an error to an exit code: a coded modelgate error that says
// the input is bad gives exitInvalid; everything else (I/O, not found,
// cancellation, internal) gives exitUsage.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return exitUsage
	}
	switch modelgate.ErrorCode(err) {
	case modelgate.EINVALID, modelgate.EUNSUPPORTED, modelgate.ELIMIT, modelgate.ECONFLICT:
		return exitInvalid
	}
	return exitUsage
}

// fail prints err for the command and returns its exit code.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "modelgate %s: %s\n", cmd, printable(err.Error()))
	return exitCode(err)
}
