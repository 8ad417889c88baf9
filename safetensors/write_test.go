package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

// TestWriteReference checks that Write reproduces, byte for byte, files
// produced by the reference serializer and the hand-built golden file.
func TestWriteReference(t *testing.T) {
	t.Parallel()
	files := validFiles(t)
	seq := []float32{0, 1, 2, 3, 4, 5}
	le16 := func(v ...uint16) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint16(b, x)
		}
		return b
	}
	f64 := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.1)), math.Float64bits(1e300))
	cases := []struct {
		file     string
		tensors  []Tensor
		metadata map[string]string
	}{
		{"ref_empty.safetensors", nil, nil},
		{"ref_metadata.safetensors", nil, map[string]string{"framework": "pt"}},
		{"ref_attn.0.safetensors", []Tensor{F32("attn.0", []int64{1, 2, 3}, seq)}, nil},
		{"ref_attn0.safetensors", []Tensor{F32("attn0", []int64{1, 1, 2, 3}, seq)}, nil},
		{"mixed.safetensors", []Tensor{ // given out of order on purpose
			F32("w", []int64{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
			{Name: "i64", DType: "I64", Shape: []int64{}, Data: binary.LittleEndian.AppendUint64(nil, 42)},
			{Name: "f64", DType: "F64", Shape: []int64{2}, Data: f64},
			{Name: "f16", DType: "F16", Shape: []int64{2, 2}, Data: le16(0x3c00, 0x0001, 0x8000, 0x7bff)},
			F32("empty", []int64{0, 4}, nil),
			{Name: "bf16", DType: "BF16", Shape: []int64{3}, Data: le16(0x3f80, 0xc000, 0x7f80)},
		}, map[string]string{"note": "é\n\"q\"", "format": "pt"}},
	}
	for _, tc := range cases {
		got := mustWrite(t, tc.tensors, tc.metadata)
		if want := files[tc.file]; !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.file, got, want)
		}
	}
}

// TestWriteRefuses checks that Write validates its input with the reader's
// rules and writes nothing when it refuses.
func TestWriteRefuses(t *testing.T) {
	t.Parallel()
	ok := F32("a", []int64{2}, []float32{1, 2})
	many := make([]Tensor, modelgate.MaxTensors+1)
	for i := range many {
		many[i] = Tensor{Name: strconv.Itoa(i), DType: "U8", Shape: []int64{0}}
	}
	bigMeta := map[string]string{}
	for i := range MaxMetadataEntries + 1 {
		bigMeta[strconv.Itoa(i)] = ""
	}
	cases := []struct {
		name       string
		tensors    []Tensor
		metadata   map[string]string
		code, rule string
	}{
		{"duplicate", []Tensor{ok, ok}, nil, modelgate.EINVALID, "duplicate-name"},
		{"reserved", []Tensor{{Name: "__metadata__", DType: "U8", Shape: []int64{0}}}, nil, modelgate.EINVALID, "reserved-name"},
		{"utf8 name", []Tensor{{Name: "a\xff", DType: "U8", Shape: []int64{0}}}, nil, modelgate.EINVALID, "invalid-utf8"},
		{"utf8 key", []Tensor{ok}, map[string]string{"\xff": ""}, modelgate.EINVALID, "invalid-utf8"},
		{"utf8 value", []Tensor{ok}, map[string]string{"k": "\xc0"}, modelgate.EINVALID, "invalid-utf8"},
		{"unknown dtype", []Tensor{{Name: "a", DType: "F128", Shape: []int64{0}}}, nil, modelgate.EINVALID, "dtype-unknown"},
		{"size", []Tensor{{Name: "a", DType: "F32", Shape: []int64{2}, Data: make([]byte, 7)}}, nil, modelgate.EINVALID, "size-mismatch"},
		{"sub-byte", []Tensor{{Name: "a", DType: "F4", Shape: []int64{3}, Data: make([]byte, 2)}}, nil, modelgate.EINVALID, "size-mismatch"},
		{"negative", []Tensor{{Name: "a", DType: "F32", Shape: []int64{-1}}}, nil, modelgate.EINVALID, "negative-dimension"},
		{"rank", []Tensor{{Name: "a", DType: "F32", Shape: make([]int64, 9)}}, nil, modelgate.ELIMIT, "rank-too-large"},
		{"dim", []Tensor{{Name: "a", DType: "F32", Shape: []int64{0, modelgate.MaxDim + 1}}}, nil, modelgate.ELIMIT, "number-too-large"},
		{"overflow", []Tensor{{Name: "a", DType: "F64", Shape: []int64{1 << 31, 1 << 31, 1 << 31}}}, nil, modelgate.EINVALID, "offset-overflow"},
		{"tensors", many, nil, modelgate.ELIMIT, "too-many-tensors"},
		{"metadata", nil, bigMeta, modelgate.ELIMIT, "too-many-metadata"},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		err := Write(&buf, tc.tensors, tc.metadata)
		checkErr(t, err, tc.code, tc.rule)
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes", tc.name, buf.Len())
		}
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

// Write accepts up to n bytes in total.
func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

// TestWriteError checks that an error of the destination is returned.
func TestWriteError(t *testing.T) {
	t.Parallel()
	tensors := []Tensor{F32("a", []int64{2}, []float32{1, 2})}
	for _, n := range []int{0, 10, 64} {
		err := Write(&failWriter{n}, tensors, nil)
		checkErr(t, err, modelgate.EINTERNAL, "write")
	}
}

// TestWriteMetadataErrorDeterministic checks that with several bad
// __metadata__ entries the error always names the same one (the first by
// key), whatever the map iteration order.
func TestWriteMetadataErrorDeterministic(t *testing.T) {
	t.Parallel()
	meta := map[string]string{}
	for i := range 16 {
		meta["k"+strconv.Itoa(10+i)] = "bad\xff"
	}
	tensors := []Tensor{F32("a", []int64{1}, []float32{1})}
	want := ""
	for range 20 {
		err := Write(&bytes.Buffer{}, tensors, meta)
		checkErr(t, err, modelgate.EINVALID, "invalid-utf8")
		if want == "" {
			want = err.Error()
		} else if err.Error() != want {
			t.Fatalf("error changes between calls: %q then %q", want, err.Error())
		}
	}
	if !strings.Contains(want, `"k10"`) {
		t.Errorf("error %q does not name the first bad key", want)
	}
}

// randomTensors returns up to 20 random tensors of random known dtypes.
func randomTensors(r *rand.Rand) ([]Tensor, map[string]string) {
	dts := []string{"F32", "F16", "BF16", "F64", "I64", "U8", "BOOL", "F4", "C64"}
	var ts []Tensor
	seen := map[string]bool{}
	for range r.IntN(20) {
		name := string(rune('a'+r.IntN(26))) + strconv.Itoa(r.IntN(50)) + string([]rune{'é', '"', '\n', '\\', 'z'}[r.IntN(5)])
		if seen[name] {
			continue
		}
		dt := dts[r.IntN(len(dts))]
		shape := make([]int64, r.IntN(4))
		for i := range shape {
			shape[i] = int64(r.IntN(5)) * 2
		}
		size, err := byteSize(dt, shape)
		if err != nil { // a scalar or odd count of F4
			continue
		}
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		seen[name] = true
		ts = append(ts, Tensor{Name: name, DType: dt, Shape: shape, Data: data})
	}
	meta := map[string]string{}
	for range r.IntN(4) {
		meta[strconv.Itoa(r.IntN(100))] = string(rune(r.IntN(0x3000)))
	}
	return ts, meta
}

// TestRoundTripProperty checks Open(Write(x)) == x and that Write of what
// Open read gives the same bytes, on random inputs.
func TestRoundTripProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		ts, meta := randomTensors(r)
		b := mustWrite(t, ts, meta)
		if (len(b)-len(concatData(ts)))%8 != 0 {
			t.Fatalf("header not aligned: %d", len(b))
		}
		f := mustOpen(t, b)
		got := readAll(t, f)
		want := slices.SortedFunc(slices.Values(ts), func(a, b Tensor) int { return cmp.Compare(a.Name, b.Name) })
		if !slices.EqualFunc(got, want, sameTensor) {
			t.Fatalf("read back %v, want %v", got, want)
		}
		if m := f.Metadata(); !maps.Equal(m, meta) {
			t.Fatalf("metadata %q, want %q", m, meta)
		}
		if !bytes.Equal(mustWrite(t, got, f.Metadata()), b) {
			t.Fatal("canonical file does not re-encode to the same bytes")
		}
	}
}

// concatData returns the data of ts concatenated.
func concatData(ts []Tensor) []byte {
	var b []byte
	for _, t := range ts {
		b = append(b, t.Data...)
	}
	return b
}

// sameTensor compares two tensors.
func sameTensor(a, b Tensor) bool {
	return a.Name == b.Name && a.DType == b.DType && slices.Equal(a.Shape, b.Shape) && bytes.Equal(a.Data, b.Data)
}
