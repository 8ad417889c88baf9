package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/flux"
	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/spec"
)

var convertHelp = cmdHelp{
	name: "convert",
	args: "FILE.bson -o OUTDIR",
	about: `Convert a legacy Flux.jl BSON file into a modelgate package without running
anything from it. The file is scanned first (see "modelgate scan"); any critical or
high finding refuses it and nothing is written. Otherwise the model's layers are
mapped to spec layers and its weights to row-major float32 tensors, and the
package is written to a temporary directory beside OUTDIR, checked through the
same loader as "modelgate validate", and renamed into place.

Flux files do not store the input shape: give --input-shape for models that
start with a convolution (C,H,W). Weights-only files (a vector of arrays or
Zygote.Params) need --arch SPEC, a spec JSON or YAML file whose weights member
may be a placeholder; the arrays fill its parameters in Flux params(model) order.

Exit status: 0 converted, 1 refused (findings, or a layout modelgate cannot
represent), 2 the file could not be parsed safely, or a usage or I/O error.`,
	example: `modelgate convert model.bson -o mnist-conv --input-shape 1,28,28
modelgate convert --allow-known-lambdas --key model model.bson -o out
modelgate convert --arch lenet5.json params.bson -o lenet5`,
}

// cmdConvert implements "modelgate convert".
func cmdConvert(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(convertHelp, stderr)
	out := fs.String("o", "", "output package directory (must not exist or be empty)")
	key := fs.String("key", "", "top-level key holding the model (default: the only model key)")
	lambdas := fs.Bool("allow-known-lambdas", false, "convert exactly the flatten lambda x -> reshape(x, :, size(x, N)), matched as data")
	arch := fs.String("arch", "", "architecture spec (JSON or YAML) for a weights-only file")
	shape := fs.String("input-shape", "", "per-sample input shape, comma separated, e.g. 1,28,28")
	name := fs.String("name", "", "spec name (default: flux-KEY)")
	swap := fs.Bool("swap-hw", false, "the model was trained on Images.jl matrices (image rows in Julia dimension 1): make it take upright C,H,W images")
	pos, code, ok := parseArgs(fs, convertHelp, args, stdout)
	if !ok {
		return code
	}
	if !wantArgs(fs, pos, 1, stderr) {
		return exitUsage
	}
	if *out == "" {
		fmt.Fprintln(stderr, "modelgate convert: -o OUTDIR is required")
		return exitUsage
	}
	opt := flux.Options{Key: *key, AllowKnownLambdas: *lambdas, Name: *name, SwapHW: *swap}
	var err error
	if opt.InputShape, err = parseShape(*shape); err != nil {
		fmt.Fprintf(stderr, "modelgate convert: --input-shape: %v\n", err)
		return exitUsage
	}
	if *arch != "" {
		if opt.Arch, err = readArch(*arch); err != nil {
			return fail(stderr, "convert", err)
		}
	}
	data, err := readLegacyFile(pos[0])
	if err != nil {
		return fail(stderr, "convert", err)
	}
	res, err := flux.Convert(ctx, data, opt)
	if err != nil {
		return convertFailed(stdout, stderr, pos[0], res, err)
	}
	if err := writePackage(ctx, *out, res); err != nil {
		return fail(stderr, "convert", err)
	}
	fmt.Fprintf(stdout, "%s: converted to %s (%s, %d tensors)\n", pos[0], *out, res.Spec.Name, len(res.Tensors))
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "  note: %s\n", n)
	}
	return exitOK
}

// convertFailed reports a refusal or error; scan refusals print the report.
func convertFailed(stdout, stderr io.Writer, name string, res *flux.Result, err error) int {
	var ref *flux.RefusedError
	if errors.As(err, &ref) {
		writeScanText(stdout, name, ref.Report)
		fmt.Fprintf(stderr, "modelgate convert: %s refused: it holds content outside the allow-list; nothing written\n", name)
		return exitInvalid
	}
	if res != nil && res.Report != nil && res.Report.Error != "" {
		fmt.Fprintf(stderr, "modelgate convert: %v\n", err)
		return exitUsage // could not be parsed safely
	}
	fmt.Fprintf(stderr, "modelgate convert: %v\n", err)
	switch modelgate.ErrorCode(err) {
	case modelgate.EINTERNAL:
		return exitUsage
	}
	return exitInvalid
}

// parseShape parses "1,28,28".
func parseShape(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// readArch reads an architecture spec; its weights member may be a
// placeholder.
func readArch(name string) (*spec.Spec, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > modelgate.MaxSpecBytes {
		return nil, modelgate.Errorf(modelgate.ELIMIT, name, "spec-too-large", "the architecture file is %d bytes", len(b))
	}
	isYAML := strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
	return spec.Parse(b, isYAML, modelgate.Limits{})
}

// writePackage writes res into a temporary directory beside dir and
// renames it into place, so nothing is left behind on failure.
func writePackage(ctx context.Context, dir string, res *flux.Result) error {
	if st, err := os.Stat(dir); err == nil {
		ents, _ := os.ReadDir(dir)
		if !st.IsDir() || len(ents) > 0 {
			return fmt.Errorf("%s exists and is not an empty directory", dir)
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dir)), ".modelgate-convert-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := modelpkg.Write(ctx, tmp, res.Spec, res.Tensors); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	os.Remove(dir) // an empty directory may stand in the way of the rename
	return os.Rename(tmp, dir)
}
