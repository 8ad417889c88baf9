package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/nn"
)

var runHelp = cmdHelp{
	name: "run",
	args: "PKG --input FILE",
	about: `Load the package in directory PKG (checked completely, as by validate) and run
it on every sample of FILE.

FILE is a JSON nested array, batch first and row-major, whose samples have
exactly the model's input shape (an object {"inputs": [...]} is accepted too),
or a NumPy .npy file holding a float32 or float64 C-order array of shape
[N, input...]. The format is detected from the content, not the name; "-"
reads standard input. Samples stream through the model in chunks of --batch,
so memory stays bounded however long FILE is.

The outputs go to standard output as a JSON nested array (one sample per
line; NaN and infinities are written as null), or to --output: a .json or .npy
(float32) file.`,
	example: `modelgate run examples/mnist-mlp --input examples/mnist-mlp/input.json
modelgate run examples/small-cnn --input digits.npy --output scores.npy --batch 64`,
}

// runOptions are the flags of run.
type runOptions struct {
	input, output string
	batch         int
	threads       int
	quiet         bool
	lim           modelgate.Limits
}

// cmdRun implements "modelgate run".
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(runHelp, stderr)
	var o runOptions
	fs.StringVar(&o.input, "input", "", "input `FILE`: JSON or .npy (detected by content); - for standard input")
	fs.StringVar(&o.output, "output", "", "write outputs to `FILE` (.json or .npy) instead of standard output")
	fs.IntVar(&o.batch, "batch", 256, "samples per Predict call (at most --max-batch)")
	fs.IntVar(&o.threads, "threads", 0, "threads per Predict call (0: all cores)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress on standard error")
	lf := addLimitFlags(fs)
	pos, code, ok := parseArgs(fs, runHelp, args, stdout)
	if !ok {
		return code
	}
	if !wantArgs(fs, pos, 1, stderr) {
		return exitUsage
	}
	o.lim = lf.limits()
	if err := o.check(); err != nil {
		fmt.Fprintf(stderr, "modelgate run: %v\n", err)
		return exitUsage
	}
	if err := run(ctx, pos[0], o, stdout, stderr); err != nil {
		return fail(stderr, "run", err)
	}
	return exitOK
}

// check validates flag values that do not need the model.
func (o *runOptions) check() error {
	if o.input == "" {
		return fmt.Errorf("--input is required")
	}
	if o.batch < 1 {
		return fmt.Errorf("--batch must be at least 1")
	}
	if o.batch > o.lim.Batch {
		return fmt.Errorf("--batch %d exceeds --max-batch %d", o.batch, o.lim.Batch)
	}
	if o.output != "" {
		switch strings.ToLower(filepath.Ext(o.output)) {
		case ".json", ".npy":
		default:
			return fmt.Errorf("--output must end in .json or .npy")
		}
		if sameFile(o.input, o.output) {
			return fmt.Errorf("--output %s is the input file", o.output)
		}
	}
	return nil
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	if a == "-" {
		return false
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// run loads the package and streams the input through it.
func run(ctx context.Context, dir string, o runOptions, stdout, stderr io.Writer) error {
	pkg, err := modelpkg.Load(ctx, dir, modelpkg.Options{Limits: o.lim, Threads: o.threads})
	if err != nil {
		return err
	}
	in, out := []int(pkg.Model.InputShape()), []int(pkg.Model.OutputShape())
	chunk, err := chunkSize(o, in)
	if err != nil {
		return err
	}
	r, closeIn, err := openInput(o.input)
	if err != nil {
		return err
	}
	defer closeIn()
	src, err := openSource(r, in, 0)
	if err != nil {
		return err
	}
	dst, finish, err := openSink(o.output, out, src.total(), stdout)
	if err != nil {
		return err
	}
	p := newProgress(stderr, !o.quiet, src.total())
	n, err := stream(ctx, pkg, src, dst, chunk, in, p)
	p.done(n)
	if err == nil && n == 0 {
		err = modelgate.Errorf(modelgate.EINVALID, "input", "input-empty", "the input has no samples")
	}
	if err == nil {
		err = src.finish()
	}
	if err := finish(err); err != nil {
		return err
	}
	if js, ok := dst.(*jsonSink); ok && js.nonFinite > 0 {
		fmt.Fprintf(stderr, "modelgate run: warning: %d output values were NaN or infinite and were written as null\n", js.nonFinite)
	}
	return nil
}

// chunkSize returns the samples per Predict call: --batch, reduced so one
// chunk of input fits in --max-input-bytes.
func chunkSize(o runOptions, in []int) (int, error) {
	per := int64(sampleLen(in)) * 4
	fit := o.lim.InputBytes / per
	if fit < 1 {
		return 0, modelgate.Errorf(modelgate.ELIMIT, "input", "input-too-large",
			"one sample of %v needs %d bytes, over --max-input-bytes %d", in, per, o.lim.InputBytes)
	}
	return int(min(int64(o.batch), fit)), nil
}

// stream runs the model over src chunk by chunk and writes to dst. It
// returns the number of samples processed.
func stream(ctx context.Context, pkg *modelpkg.Package, src source, dst sink, chunk int, in []int, p *progress) (int, error) {
	per := sampleLen(in)
	buf := make([]float32, chunk*per)
	shape := append([]int{0}, in...)
	total := 0
	for {
		n, err := src.next(buf)
		if n > 0 {
			shape[0] = n
			res, perr := pkg.Predict(ctx, nn.Tensor{Shape: shape, Data: buf[:n*per]})
			if perr != nil {
				return total, perr
			}
			if werr := dst.write(res.Data, n); werr != nil {
				return total, werr
			}
			total += n
			p.update(total)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// openInput opens the input file, or standard input for "-". The input is
// read as data only; it may be any readable file the user names.
func openInput(name string) (io.Reader, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// openSink creates the output. finish closes it: on error it removes a
// partly written output file and returns the first error.
func openSink(name string, out []int, total int, stdout io.Writer) (sink, func(error) error, error) {
	if name == "" {
		s := newJSONSink(stdout, out)
		return s, func(err error) error {
			if err != nil {
				return err
			}
			return s.close()
		}, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, nil, err
	}
	var s sink
	if strings.ToLower(filepath.Ext(name)) == ".npy" {
		s, err = newNPYSink(f, out, total)
	} else {
		s = newJSONSink(f, out)
	}
	finish := func(err error) error {
		if err == nil {
			err = s.close()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(name)
		}
		return err
	}
	if err != nil {
		return nil, nil, finish(err)
	}
	return s, finish, nil
}

// progress reports samples done on a terminal's standard error.
type progress struct {
	w     io.Writer
	on    bool
	total int
	last  time.Time
	shown bool
}

func newProgress(w io.Writer, want bool, total int) *progress {
	return &progress{w: w, on: want && isTerminal(w), total: total, last: time.Now()}
}

func (p *progress) update(n int) {
	if !p.on || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.shown = true
	if p.total > 0 {
		fmt.Fprintf(p.w, "\r%d/%d samples (%d%%)", n, p.total, n*100/p.total)
	} else {
		fmt.Fprintf(p.w, "\r%d samples", n)
	}
}

func (p *progress) done(n int) {
	if p.shown {
		fmt.Fprintf(p.w, "\r%d samples done\n", n)
	}
}
