// Package legacy runs legacy model conversion (Flux.jl BSON files) in a
// sandboxed child process and implements server.Converter with it.
//
// The parent ([Converter]) re-executes the modelgate binary with the
// hidden subcommand [ChildCommand]; the child ([ServeChild]) confines
// itself (package sandbox) before reading the request from stdin, converts
// with a [Func], and writes the result to stdout. Both directions use a
// small length-prefixed binary framing (protocol.go) that the parent
// parses strictly, treating the child's answer as untrusted: lengths are
// checked against the bytes present, problems are re-typed and bounded,
// and the converted spec and weights then go through the server's normal
// validation like any upload.
package legacy

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/sandbox"
	"github.com/modelgate/modelgate/server"
)

// ChildCommand is the hidden subcommand that runs the child side.
const ChildCommand = "__convert"

// Result is a converted file.
type Result struct {
	Spec    []byte          // spec JSON
	Weights []byte          // weights.safetensors bytes
	Report  json.RawMessage // scan/conversion report (JSON), kept with the version
}

// Func converts a legacy file. It runs inside the confined child. On
// refusal it returns an error carrying the problems (modelgate.Problems or
// *modelgate.Error) and, when it has one, a Result holding only the report.
// opt has passed [server.ConvertOptions.Check] and its Limits are complete.
type Func func(ctx context.Context, data []byte, opt server.ConvertOptions) (*Result, error)

// Converter implements server.Converter by running the conversion in a
// sandboxed child of Exe (normally os.Executable()).
type Converter struct {
	Exe    string         // the modelgate executable
	Limits sandbox.Limits // the child's limits; zero fields take sandbox defaults
	// MaxConcurrent bounds the children running at once (each may use
	// Limits.AddressSpace); further conversions wait for a slot until
	// their context ends. 0 means 2.
	MaxConcurrent int

	once  sync.Once
	slots chan struct{}
}

var _ server.Converter = (*Converter)(nil)

// NewConverter returns a Converter that re-executes the running binary.
func NewConverter(lim sandbox.Limits) (*Converter, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return &Converter{Exe: exe, Limits: lim}, nil
}

// Convert runs the conversion of data in the sandbox with opt.
func (c *Converter) Convert(ctx context.Context, data []byte, opt server.ConvertOptions) (*server.Converted, error) {
	release, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	req, err := encodeRequest(data, opt)
	if err != nil {
		return nil, err
	}
	sl := c.Limits
	if sl.MaxInput <= 0 || sl.MaxInput < int64(len(req)) {
		sl.MaxInput = int64(len(req))
	}
	out, err := sandbox.Run(ctx, c.Exe, []string{ChildCommand}, req, sl)
	if err != nil {
		var me *modelgate.Error
		if errors.As(err, &me) && me.Where == "" {
			me.Where = "file"
		}
		return nil, err
	}
	res, problems, err := decodeResult(out)
	if err != nil {
		return nil, err
	}
	var conv *server.Converted
	if res != nil {
		conv = &server.Converted{Spec: res.Spec, Weights: res.Weights, Report: res.Report}
	}
	if len(problems) > 0 {
		return conv, problems
	}
	return conv, nil
}

// acquire waits for a conversion slot.
func (c *Converter) acquire(ctx context.Context) (func(), error) {
	c.once.Do(func() {
		n := c.MaxConcurrent
		if n <= 0 {
			n = 2
		}
		c.slots = make(chan struct{}, n)
	})
	select {
	case c.slots <- struct{}{}:
		return func() { <-c.slots }, nil
	case <-ctx.Done():
		return nil, &modelgate.Error{Code: modelgate.ELIMIT, Where: "file", Rule: "converter-busy",
			Message: "every conversion slot stayed busy until the request ended", Err: ctx.Err()}
	}
}

// ServeChild is the body of the hidden subcommand: confine, read the
// request from stdin, convert with fn, write the framed result to stdout.
// It returns the exit code.
func ServeChild(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, fn Func) int {
	return sandbox.Serve(ctx, stdin, stdout, stderr, func(ctx context.Context, in []byte) ([]byte, error) {
		data, opt, err := decodeRequest(in)
		if err != nil {
			return nil, err
		}
		res, err := fn(ctx, data, opt)
		return encodeResult(res, err)
	})
}
