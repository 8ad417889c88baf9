package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/onnx"
	"github.com/modelgate/modelgate/safetensors"
)

var exportHelp = cmdHelp{
	name: "export",
	args: "--onnx PKG -o FILE",
	about: `Check the package in directory PKG completely (as validate does), then write it
as an ONNX model (IR 8, opset 17) to FILE, so that a package reconstructed safely
can run on any ONNX runtime. The graph has one input "input" [N, input...] and
one output "output" [N, output...] with a symbolic batch dimension N. Layers
ONNX cannot express are refused. FILE is replaced atomically.

Exit status: 0 written, 1 the package is invalid or cannot be exported,
2 usage or I/O error.`,
	example: `modelgate export --onnx examples/mnist-mlp -o mnist.onnx`,
}

// cmdExport implements "modelgate export".
func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(exportHelp, stderr)
	asONNX := fs.Bool("onnx", false, "write ONNX (the only format; required)")
	out := fs.String("o", "", "output file (required)")
	lf := addPackageLimitFlags(fs)
	pos, code, ok := parseArgs(fs, exportHelp, args, stdout)
	if !ok {
		return code
	}
	if !wantArgs(fs, pos, 1, stderr) {
		return exitUsage
	}
	if !*asONNX || *out == "" {
		fmt.Fprintf(stderr, "%s: --onnx and -o FILE are required\n", fs.Name())
		fs.Usage()
		return exitUsage
	}
	data, err := exportONNX(ctx, pos[0], lf)
	if err != nil {
		return fail(stderr, "export", err)
	}
	if err := writeAtomic(*out, data); err != nil {
		return fail(stderr, "export", err)
	}
	fmt.Fprintf(stdout, "%s: wrote %s (%d bytes)\n", pos[0], *out, len(data))
	return exitOK
}

// exportONNX loads and checks the package in dir, then exports it. The
// weights are read from a file whose size and SHA-256 are checked again
// against the spec, so the exported tensors are the ones that were checked.
func exportONNX(ctx context.Context, dir string, lf *limitFlags) ([]byte, error) {
	lim := lf.limits()
	p, err := modelpkg.Load(ctx, dir, modelpkg.Options{Limits: lim})
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, modelpkg.WeightsFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := modelpkg.CheckWeights(ctx, p.Spec, f, fi.Size(), false); err != nil {
		return nil, err
	}
	st, err := safetensors.Open(f, fi.Size(), lim)
	if err != nil {
		return nil, err
	}
	return onnx.Export(ctx, p.Spec, p.Analysis, st)
}

// writeAtomic writes data to a temporary file next to path and renames it
// into place.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".modelgate-export-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}
