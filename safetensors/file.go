package safetensors

import (
	"context"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/modelgate/modelgate"
)

// File is an open, validated safetensors file. Its methods are safe for
// concurrent use; Close waits for reads in progress.
type File struct {
	h     *Header
	index map[string]int // name -> position in h.Tensors
	names []string       // sorted

	mu     sync.RWMutex // guards r, data and closer against Close
	r      io.ReaderAt  // the file, when it is not mapped
	data   []byte       // the whole file, when it is mapped
	closer func() error // releases the mapping or the os.File; may be nil
}

// Open validates the safetensors file held by r, which is size bytes long,
// and returns a File that reads tensors from r on demand. Only the header
// is read; see [Inspect] for the rules checked. The caller keeps r open for
// as long as the File is used.
func Open(r io.ReaderAt, size int64, lim modelgate.Limits) (*File, error) {
	h, err := Inspect(r, size, lim)
	if err != nil {
		return nil, err
	}
	return newFile(h, r), nil
}

// newFile indexes a validated header.
func newFile(h *Header, r io.ReaderAt) *File {
	f := &File{h: h, r: r, index: make(map[string]int, len(h.Tensors)), names: make([]string, len(h.Tensors))}
	for i, t := range h.Tensors {
		f.index[t.Name] = i
		f.names[i] = t.Name
	}
	slices.Sort(f.names)
	return f
}

// Close releases the memory mapping or the file opened by [OpenFile]. For a
// File made by [Open] it only marks the File closed. Reads after Close fail.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.r == nil && f.data == nil {
		return errClosed
	}
	f.r, f.data = nil, nil
	if f.closer == nil {
		return nil
	}
	err := f.closer()
	f.closer = nil
	return err
}

// Header returns a copy of the file's validated header.
func (f *File) Header() *Header {
	h := *f.h
	h.Tensors = f.Tensors()
	h.Metadata = f.Metadata()
	return &h
}

// TensorNames returns the names of every tensor, sorted.
func (f *File) TensorNames() []string { return slices.Clone(f.names) }

// Tensors returns a description of every tensor in file order (by offset).
func (f *File) Tensors() []TensorInfo {
	out := make([]TensorInfo, len(f.h.Tensors))
	for i, t := range f.h.Tensors {
		out[i] = t.clone()
	}
	return out
}

// TensorInfo returns the dtype name and the shape of the named tensor; the
// dtype may be one [File.ReadFloat32] does not support.
func (f *File) TensorInfo(name string) (dtype string, shape []int64, ok bool) {
	i, ok := f.index[name]
	if !ok {
		return "", nil, false
	}
	t := f.h.Tensors[i]
	return t.DType, slices.Clone(t.Shape), true
}

// Metadata returns a copy of the __metadata__ object, or nil if the file
// has none.
func (f *File) Metadata() map[string]string { return maps.Clone(f.h.Metadata) }

// lookup returns the named tensor or an ENOTFOUND error.
func (f *File) lookup(name string) (TensorInfo, error) {
	i, ok := f.index[name]
	if !ok {
		return TensorInfo{}, modelgate.Errorf(modelgate.ENOTFOUND, whereName(name), "tensor-not-found", "no tensor named %q", name)
	}
	return f.h.Tensors[i], nil
}

// ReadBytes copies the raw little-endian bytes of the named tensor, of any
// dtype, into dst, which must be exactly End-Begin bytes long.
func (f *File) ReadBytes(ctx context.Context, name string, dst []byte) error {
	t, err := f.lookup(name)
	if err != nil {
		return err
	}
	if int64(len(dst)) != t.End-t.Begin {
		return invalid(whereName(name), "dst-length", "destination holds %d bytes, tensor has %d", len(dst), t.End-t.Begin)
	}
	return f.chunks(ctx, t, 1, func(off int64, b []byte) {
		copy(dst[off:], b)
	})
}

// ReadFloat32 reads the named tensor into dst, converting F16, BF16 and F64
// to float32: F16 and BF16 exactly (subnormals, infinities and NaN
// included), F64 rounded to nearest as a Go conversion does. dst must have
// exactly as many elements as the tensor. Other dtypes give an EUNSUPPORTED
// error.
func (f *File) ReadFloat32(ctx context.Context, name string, dst []float32) error {
	t, err := f.lookup(name)
	if err != nil {
		return err
	}
	info, _ := lookupDType(t.DType)
	if !info.supported {
		return unsupported(whereName(name), "dtype-unsupported",
			"dtype %s cannot be read as float32 (supported: F32, F16, BF16, F64)", t.DType)
	}
	if n := t.NumElements(); int64(len(dst)) != n {
		return invalid(whereName(name), "dst-length", "destination holds %d elements, tensor has %d", len(dst), n)
	}
	width := int64(info.bits / 8)
	conv := converter(t.DType)
	return f.chunks(ctx, t, width, func(off int64, b []byte) {
		conv(dst[off/width:], b)
	})
}
