package main

import (
	"context"
	"os"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/sandbox"
	"github.com/modelgate/modelgate/sandbox/legacy"
)

// runConvertChild is the hidden subcommand `modelgate __convert`, started
// only by serve's legacy converter (sandbox/legacy): it confines the
// process (rlimits, Landlock, seccomp) before reading the legacy file from
// stdin, converts it, and writes the framed result to stdout. Run by hand
// it refuses to do anything.
func runConvertChild(ctx context.Context) int {
	return legacy.ServeChild(ctx, os.Stdin, os.Stdout, os.Stderr, convertLegacy)
}

// convertLegacy converts a legacy Flux .bson file inside the sandbox.
func convertLegacy(ctx context.Context, data []byte, lim modelgate.Limits) (*legacy.Result, error) {
	return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, "file", "legacy-unsupported",
		"this build does not convert legacy Flux files yet; convert the model to a modelgate package and upload that")
}

// legacyConverter is serve's converter: conversion in a sandboxed child of
// this executable.
func legacyConverter() (*legacy.Converter, error) {
	return legacy.NewConverter(sandbox.DefaultLimits())
}
