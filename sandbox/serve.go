package sandbox

import (
	"context"
	"fmt"
	"io"
	"os"
)

// setupFailure starts the child's stderr line when it could not confine
// itself; it then exits without reading its input.
const setupFailure = "sandbox: confine: "

// Exit codes of a child.
const (
	exitOK      = 0
	exitFailed  = 1 // fn returned an error
	exitSetup   = 3 // not started by Run, or confinement failed
	exitTooMuch = 4 // more input than allowed
)

// Serve is the entry point of a child started by [Run] (a hidden
// subcommand of the calling program). It confines the process (see the
// package documentation), and only then reads its input from stdin, calls
// fn and writes fn's output to stdout. It returns the process exit code.
// If the process was not started by Run, or any confinement step fails,
// it exits without reading anything.
func Serve(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, fn func(ctx context.Context, input []byte) ([]byte, error)) int {
	lim, err := decodeLimits(os.Getenv(envLimits))
	if err != nil {
		fmt.Fprintf(stderr, "%s%v (this command is only run by modelgate itself)\n", setupFailure, err)
		return exitSetup
	}
	if err := Confine(lim); err != nil {
		fmt.Fprintf(stderr, "%s%v\n", setupFailure, err)
		return exitSetup
	}
	in, err := io.ReadAll(io.LimitReader(stdin, lim.MaxInput+1))
	if err != nil {
		fmt.Fprintf(stderr, "sandbox: reading input: %v\n", err)
		return exitFailed
	}
	if int64(len(in)) > lim.MaxInput {
		fmt.Fprintf(stderr, "sandbox: input larger than %d bytes\n", lim.MaxInput)
		return exitTooMuch
	}
	out, err := fn(ctx, in)
	if err != nil {
		fmt.Fprintf(stderr, "sandbox: %v\n", err)
		return exitFailed
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "sandbox: writing output: %v\n", err)
		return exitFailed
	}
	return exitOK
}
