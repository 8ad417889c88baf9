// Package ctxio makes long copies cancellable: a Reader that fails with the
// context's error once the context ends, checked before every Read.
package ctxio

import (
	"context"
	"io"
)

// Reader returns a reader that reads from r until ctx ends; from then on
// every Read returns ctx.Err(). Use it as the source of io.Copy so a copy
// of a large upload or blob stops within one buffer of a cancellation.
func Reader(ctx context.Context, r io.Reader) io.Reader { return &reader{ctx: ctx, r: r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c *reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
