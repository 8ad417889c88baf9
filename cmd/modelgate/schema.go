package main

import (
	"context"
	"io"

	"github.com/modelgate/modelgate/spec"
)

var schemaHelp = cmdHelp{
	name: "schema",
	about: `Print the JSON Schema (2020-12) of the model spec, format modelgate/v1.
Editors and other tools can use it; modelgate itself checks more than the
schema can express (duplicate keys, shapes, budgets).`,
	example: "modelgate schema > modelgate-v1.schema.json",
}

// cmdSchema implements "modelgate schema".
func cmdSchema(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(schemaHelp, stderr)
	pos, code, ok := parseArgs(fs, schemaHelp, args, stdout)
	if !ok {
		return code
	}
	if !wantArgs(fs, pos, 0, stderr) {
		return exitUsage
	}
	b := spec.Schema()
	if _, err := stdout.Write(b); err != nil {
		return fail(stderr, "schema", err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		io.WriteString(stdout, "\n")
	}
	return exitOK
}
