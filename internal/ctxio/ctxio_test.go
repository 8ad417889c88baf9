package ctxio_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/ctxio"
)

func TestReader(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r := ctxio.Reader(ctx, strings.NewReader("hello world"))
	buf := make([]byte, 5)
	if n, err := r.Read(buf); n != 5 || err != nil || string(buf) != "hello" {
		t.Fatalf("live read: %d %v %q", n, err, buf)
	}
	cancel()
	if n, err := r.Read(buf); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %d %v", n, err)
	}
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("copy after cancel: %v", err)
	}
}
