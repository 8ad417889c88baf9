package safetensors

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/modelgate/modelgate"
)

// raw builds a file from a header (used verbatim, no padding) and a data
// buffer of dataLen bytes 0, 1, 2, ...
func raw(header string, dataLen int) []byte {
	b := make([]byte, 8, 8+len(header)+dataLen)
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	for i := range dataLen {
		b = append(b, byte(i))
	}
	return b
}

// withLen builds a file whose length prefix is n, followed by rest.
func withLen(n uint64, rest string) []byte {
	b := binary.LittleEndian.AppendUint64(nil, n)
	return append(b, rest...)
}

// openBytes opens b with the default limits.
func openBytes(b []byte) (*File, error) {
	return Open(bytes.NewReader(b), int64(len(b)), modelgate.DefaultLimits())
}

// mustWrite returns the canonical file of tensors and metadata.
func mustWrite(tb testing.TB, tensors []Tensor, metadata map[string]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, tensors, metadata); err != nil {
		tb.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// mustOpen opens b and fails the test on error.
func mustOpen(tb testing.TB, b []byte) *File {
	tb.Helper()
	f, err := openBytes(b)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return f
}

// checkErr checks that err is a *modelgate.Error with the code and rule.
func checkErr(tb testing.TB, err error, code, rule string) {
	tb.Helper()
	var e *modelgate.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not a *modelgate.Error; want %s/%s", err, err, code, rule)
	}
	if e.Code != code || e.Rule != rule {
		tb.Fatalf("error %q: code %s rule %s; want %s/%s", err, e.Code, e.Rule, code, rule)
	}
	if e.Message == "" && e.Err == nil {
		tb.Fatalf("error %#v has no message", e)
	}
}

// readAll reads every tensor of f back in the form Write takes.
func readAll(tb testing.TB, f *File) []Tensor {
	tb.Helper()
	var out []Tensor
	for _, name := range f.TensorNames() {
		t, err := f.Tensor(context.Background(), name)
		if err != nil {
			tb.Fatalf("Tensor(%q): %v", name, err)
		}
		out = append(out, t)
	}
	return out
}
