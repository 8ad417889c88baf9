package server

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate"
)

// ConvertOptions are the options of one legacy conversion; they mirror
// the flags of "modelgate convert".
type ConvertOptions struct {
	Limits modelgate.Limits // the server's budgets
	// InputShape is the per-sample input shape, row-major ([C, H, W] for
	// images); nil lets the converter infer it (first layer Dense or
	// recurrent). Conv-first Flux models need it.
	InputShape []int
	// Key is the top-level key holding the model; "" means the file's
	// single model key.
	Key string
	// AllowKnownLambdas converts the known flatten lambda
	// x -> reshape(x, :, size(x, N)), matched as data.
	AllowKnownLambdas bool
	// SwapHW makes an image model trained on Images.jl matrices (image
	// rows in Julia dimension 1) take upright [C, H, W] images.
	SwapHW bool
}

// MaxConvertKey bounds ConvertOptions.Key, in bytes.
const MaxConvertKey = 256

// Rules of the conversion options.
const (
	ruleBadInputShape = "bad-input-shape"
	ruleBadKey        = "bad-key"
	ruleBadLambdas    = "bad-allow-known-lambdas"
	ruleBadSwapHW     = "bad-swap-hw"
)

// Check reports whether the options are within bounds: an input shape of
// rank 1..modelgate.MaxRank with every dimension in 1..modelgate.MaxDim,
// and a key of at most MaxConvertKey bytes of valid UTF-8 without control
// characters. Problems are *modelgate.Error with Code EINVALID.
func (o ConvertOptions) Check() error {
	if o.InputShape != nil {
		if len(o.InputShape) == 0 || len(o.InputShape) > modelgate.MaxRank {
			return modelgate.Errorf(modelgate.EINVALID, "input_shape", ruleBadInputShape,
				"input shape must have 1..%d dimensions, not %d", modelgate.MaxRank, len(o.InputShape))
		}
		for i, d := range o.InputShape {
			if d < 1 || int64(d) > modelgate.MaxDim {
				return modelgate.Errorf(modelgate.EINVALID, "input_shape", ruleBadInputShape,
					"input shape dimension %d is %d, not in 1..%d", i, d, int64(modelgate.MaxDim))
			}
		}
	}
	if len(o.Key) > MaxConvertKey || !utf8.ValidString(o.Key) || strings.ContainsFunc(o.Key, isControl) {
		return modelgate.Errorf(modelgate.EINVALID, "key", ruleBadKey,
			"key must be at most %d bytes of UTF-8 text without control characters", MaxConvertKey)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// ParseInputShape parses the input_shape form field: 1..modelgate.MaxRank
// positive decimal integers separated by commas, e.g. "1,28,28" — no
// spaces, signs, leading zeros or brackets.
func ParseInputShape(s string) ([]int, error) {
	bad := func(format string, args ...any) error {
		return modelgate.Errorf(modelgate.EINVALID, "input_shape", ruleBadInputShape,
			"input_shape must be comma-separated positive integers like 1,28,28: "+format, args...)
	}
	if s == "" {
		return nil, bad("it is empty")
	}
	if strings.Count(s, ",") >= modelgate.MaxRank {
		return nil, bad("more than %d dimensions", modelgate.MaxRank)
	}
	parts := strings.Split(s, ",")
	out := make([]int, 0, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 10 || p[0] == '0' || strings.TrimLeft(p, "0123456789") != "" {
			return nil, bad("dimension %d is %q", i, clipText(p))
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n > modelgate.MaxDim || int64(int(n)) != n {
			return nil, bad("dimension %d is over %d", i, int64(modelgate.MaxDim))
		}
		out = append(out, int(n))
	}
	return out, nil
}

// parseBoolField parses a "true"/"false" form field.
func parseBoolField(where, rule string, b []byte) (bool, error) {
	switch string(b) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badRequest(where, rule, "%s must be \"true\" or \"false\"", where)
}

// asRequest marks a *modelgate.Error from Check or ParseInputShape as a
// malformed request (400).
func asRequest(err error) error {
	if me, ok := err.(*modelgate.Error); ok {
		return requestError{e: me}
	}
	return err
}

// readConvertPart reads one conversion option part into f.
func readConvertPart(f *uploadForm, name string, b []byte) error {
	f.convParts = append(f.convParts, name)
	var err error
	switch name {
	case "input_shape":
		f.convOpt.InputShape, err = ParseInputShape(string(b))
	case "key":
		f.convOpt.Key = string(b)
		if f.convOpt.Key == "" {
			return badRequest("key", ruleBadKey, "key is empty (leave the part out for the single model key)")
		}
	case "allow_known_lambdas":
		f.convOpt.AllowKnownLambdas, err = parseBoolField(name, ruleBadLambdas, b)
	case "swap_hw":
		f.convOpt.SwapHW, err = parseBoolField(name, ruleBadSwapHW, b)
	}
	if err == nil {
		err = f.convOpt.Check()
	}
	return asRequest(err)
}

// clipText bounds user text quoted back in a message.
func clipText(s string) string {
	if len(s) > 32 {
		s = s[:32] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
