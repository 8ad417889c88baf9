// Command modelgate validates, inspects and runs modelgate model packages
// without executing anything from the files.
//
// Usage:
//
//	modelgate <command> [flags] [arguments]
//
// Every command accepts --help. Exit codes are stable: 0 success, 1 the input
// is invalid or was refused, 2 a usage or I/O error. See docs/cli.md.
//
// # Adding a command
//
// A subcommand is one file (validate.go, run.go, ...) holding a function with
// the [commandFunc] signature, and one line in the table returned by
// [commandTable]. There is no init() registration.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/modelgate/modelgate/sandbox/legacy"
)

// Exit codes shared by every command.
const (
	exitOK      = 0 // success; for validate: the package is valid
	exitInvalid = 1 // the input is invalid, or was refused by a rule or budget
	exitUsage   = 2 // bad flags or arguments, or an I/O error
)

// commandFunc runs one subcommand. args are the arguments after the command
// name; the result is the process exit code.
type commandFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// command is one row of the command table.
type command struct {
	name    string      // the word after "modelgate"
	summary string      // one line for the top-level help
	run     commandFunc // the implementation
}

// commandTable lists every subcommand in help order. Add a command by adding
// one line here; its implementation lives in its own file.
func commandTable() []command {
	return []command{
		{"validate", "check a model package; print every problem", cmdValidate},
		{"scan", "scan legacy Flux BSON files against the allow-list", cmdScan}, {"convert", "convert a legacy Flux BSON file into a package", cmdConvert},
		{"inspect", "show layers, output shapes, parameters and FLOPs", cmdInspect},
		{"run", "run a package on a JSON or .npy input", cmdRun},
		{"export", "write a package as an ONNX model", cmdExport},
		{"schema", "print the JSON Schema of the model spec", cmdSchema},
		{"serve", "run the HTTP service (models, predictions, tokens)", cmdServe},
		{"token", "create, list and revoke API tokens", cmdToken},
		{"version", "print the modelgate version", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if len(os.Args) == 2 && os.Args[1] == legacy.ChildCommand { // hidden: serve's sandboxed converter
		code := runConvertChild(ctx)
		stop()
		os.Exit(code)
	}
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs the modelgate command line with args (without the program name)
// and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			return Main(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	}
	for _, c := range commandTable() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "modelgate: unknown command %q\n", name)
	usage(stderr)
	return exitUsage
}

// usage prints the top-level help.
func usage(w io.Writer) {
	fmt.Fprint(w, `modelgate loads neural-network models from untrusted sources and runs them
without executing anything from the files.

Usage:

	modelgate <command> [flags] [arguments]

Commands:

`)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, c := range commandTable() {
		fmt.Fprintf(tw, "\t%s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Run "modelgate <command> --help" for a command's flags and an example.
Exit codes: 0 ok, 1 invalid or refused, 2 usage or I/O error.
`)
}
