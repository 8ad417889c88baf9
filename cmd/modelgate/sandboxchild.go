package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/modelgate/modelgate/flux"
	"github.com/modelgate/modelgate/sandbox"
	"github.com/modelgate/modelgate/sandbox/legacy"
	"github.com/modelgate/modelgate/server"
)

// runConvertChild is the hidden subcommand `modelgate __convert`, started
// only by serve's legacy converter (sandbox/legacy): it confines the
// process (rlimits, Landlock, seccomp) before reading the legacy file from
// stdin, converts it, and writes the framed result to stdout. Run by hand
// it refuses to do anything.
func runConvertChild(ctx context.Context) int {
	return legacy.ServeChild(ctx, os.Stdin, os.Stdout, os.Stderr, convertLegacy)
}

// convertLegacy converts a legacy Flux .bson file inside the sandbox with
// the upload's options (those of "modelgate convert": input shape, key,
// the known flatten lambda, swapped image axes). The scan report travels with the result,
// refused or not.
func convertLegacy(ctx context.Context, data []byte, opt server.ConvertOptions) (*legacy.Result, error) {
	res, err := flux.Convert(ctx, data, flux.Options{Limits: opt.Limits, InputShape: opt.InputShape, Key: opt.Key,
		AllowKnownLambdas: opt.AllowKnownLambdas, SwapHW: opt.SwapHW})
	out := &legacy.Result{}
	if res != nil && res.Report != nil {
		report, merr := json.Marshal(res.Report)
		if merr != nil {
			return nil, merr
		}
		out.Report = report
	}
	if err != nil {
		return out, err
	}
	if out.Spec, out.Weights, err = res.Encode(); err != nil {
		return out, err
	}
	return out, nil
}

// legacyConverter is serve's converter: conversion in a sandboxed child of
// this executable.
func legacyConverter() (*legacy.Converter, error) {
	return legacy.NewConverter(sandbox.DefaultLimits())
}
