package safetensors

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/modelgate/modelgate"
)

// chunkBytes is how much tensor data is read or converted between two
// checks of the context; it also bounds the buffer used with a ReaderAt.
const chunkBytes = 1 << 20

// chunks calls fn for consecutive pieces of tensor t's bytes, each a
// multiple of width bytes, with the piece's offset inside the tensor. It
// checks ctx before each piece and holds the read lock throughout, so Close
// cannot unmap the data under it.
func (f *File) chunks(ctx context.Context, t TensorInfo, width int64, fn func(off int64, b []byte)) (err error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.r == nil && f.data == nil {
		return &modelgate.Error{Code: modelgate.EINVALID, Where: whereName(t.Name), Rule: "closed", Err: errClosed}
	}
	start := f.h.DataOffset() + t.Begin
	size := t.End - t.Begin
	step := chunkBytes - chunkBytes%width
	if f.data != nil {
		defer faultToError(&err, t.Name)
		old := debug.SetPanicOnFault(true)
		defer debug.SetPanicOnFault(old)
		for off := int64(0); off < size; off += step {
			if err := ctx.Err(); err != nil {
				return err
			}
			end := min(off+step, size)
			fn(off, f.data[start+off:start+end])
		}
		return ctx.Err()
	}
	buf := make([]byte, min(step, size))
	for off := int64(0); off < size; off += step {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := buf[:min(step, size-off)]
		if _, err := f.r.ReadAt(b, start+off); err != nil {
			return readError(err, start+off)
		}
		fn(off, b)
	}
	return ctx.Err()
}

// faultToError turns a memory fault while reading a mapped file (the file
// was truncated by someone else after it was validated) into an error. It
// is defence in depth for mapped files only, not a substitute for the
// validation done by Open.
func faultToError(err *error, name string) {
	r := recover()
	if r == nil {
		return
	}
	re, ok := r.(interface{ Addr() uintptr })
	if !ok {
		panic(r)
	}
	*err = &modelgate.Error{Code: modelgate.EINTERNAL, Where: whereName(name), Rule: "mapped-file-fault",
		Message: "the mapped file changed while it was read", Err: fmt.Errorf("fault at %#x: %v", re.Addr(), r)}
}
