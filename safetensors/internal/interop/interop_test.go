package interop

import (
	"bytes"
	"context"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/safetensors"
	oracle "github.com/nlpodyssey/safetensors"
)

// oracleDTypes are the dtypes both implementations know.
var oracleDTypes = []string{"BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"}

// randomTensors returns random tensors of dtypes the oracle knows.
func randomTensors(r *rand.Rand) ([]safetensors.Tensor, map[string]string) {
	var ts []safetensors.Tensor
	seen := map[string]bool{}
	for range r.IntN(12) {
		name := strings.Repeat(string(rune('a'+r.IntN(26))), 1+r.IntN(3)) + "." + strconv.Itoa(r.IntN(9)) + []string{"", "é", "\"", "\\", "\n", "/"}[r.IntN(6)]
		if seen[name] {
			continue
		}
		seen[name] = true
		dt := oracleDTypes[r.IntN(len(oracleDTypes))]
		shape := make([]int64, r.IntN(4))
		n := 1
		for i := range shape {
			shape[i] = int64(r.IntN(4))
			n *= int(shape[i])
		}
		width := map[string]int{"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
			"I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}[dt]
		data := make([]byte, n*width)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		ts = append(ts, safetensors.Tensor{Name: name, DType: dt, Shape: shape, Data: data})
	}
	var meta map[string]string
	if r.IntN(2) == 0 {
		meta = map[string]string{"format": "pt", "k" + strconv.Itoa(r.IntN(9)): "v\t\"é"}
	}
	return ts, meta
}

// checkSame compares what the oracle read with the tensors written.
func checkSame(t *testing.T, st oracle.SafeTensors, ts []safetensors.Tensor) {
	t.Helper()
	if st.Len() != len(ts) {
		t.Fatalf("oracle sees %d tensors, want %d", st.Len(), len(ts))
	}
	for _, want := range ts {
		got, ok := st.Tensor(want.Name)
		if !ok {
			t.Fatalf("oracle has no tensor %q", want.Name)
		}
		shape := make([]int64, len(got.Shape()))
		for i, d := range got.Shape() {
			shape[i] = int64(d)
		}
		if got.DType().String() != want.DType || !slices.Equal(shape, want.Shape) || !bytes.Equal(got.Data(), want.Data) {
			t.Fatalf("%q: oracle reads %s %v %d bytes, want %s %v %d bytes",
				want.Name, got.DType(), shape, len(got.Data()), want.DType, want.Shape, len(want.Data))
		}
	}
}

// TestOracleReadsOurFiles writes random files and the golden files and
// reads them with the oracle.
func TestOracleReadsOurFiles(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		ts, meta := randomTensors(r)
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, ts, meta); err != nil {
			t.Fatal(err)
		}
		st, err := oracle.Deserialize(buf.Bytes())
		if err != nil {
			t.Fatalf("oracle refuses our file %q: %v", buf.Bytes(), err)
		}
		checkSame(t, st, ts)
		_, md, err := oracle.ReadMetadata(buf.Bytes())
		if err != nil || !maps.Equal(md.Metadata(), meta) {
			t.Fatalf("oracle metadata %v, want %v (%v)", md.Metadata(), meta, err)
		}
	}
}

// view adapts a safetensors.Tensor to the oracle's View.
type view struct{ t safetensors.Tensor }

// DType returns the oracle's dtype.
func (v view) DType() oracle.DType { d, _ := oracle.ParseDType(v.t.DType); return d }

// Shape returns the shape as uint64.
func (v view) Shape() []uint64 {
	s := make([]uint64, len(v.t.Shape))
	for i, d := range v.t.Shape {
		s[i] = uint64(d)
	}
	return s
}

// Data returns the raw bytes.
func (v view) Data() []byte { return v.t.Data }

// DataLen returns the length of the raw bytes.
func (v view) DataLen() uint64 { return uint64(len(v.t.Data)) }

// TestWeReadOracleFiles writes random files with the oracle and reads them
// with package safetensors.
func TestWeReadOracleFiles(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		ts, meta := randomTensors(r)
		m := map[string]view{}
		for _, tt := range ts {
			m[tt.Name] = view{tt}
		}
		b, err := oracle.Serialize(m, meta)
		if err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.Open(bytes.NewReader(b), int64(len(b)), modelgate.Limits{})
		if err != nil {
			t.Fatalf("we refuse the oracle's file %q: %v", b, err)
		}
		for _, want := range ts {
			got, err := f.Tensor(context.Background(), want.Name)
			if err != nil || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("%q: read %v, %v", want.Name, got, err)
			}
		}
		if len(f.TensorNames()) != len(ts) || !maps.Equal(f.Metadata(), meta) {
			t.Fatalf("names %q metadata %v", f.TensorNames(), f.Metadata())
		}
	}
}

// TestDifferential runs the golden files and the fuzz corpus through both
// readers: whatever we accept, the oracle must accept with the same
// content (for the dtypes it knows). The oracle accepting what we refuse
// is expected (duplicates, stray whitespace, ...) and only counted.
func TestDifferential(t *testing.T) {
	var inputs [][]byte
	paths, _ := filepath.Glob("../../testdata/valid/*.safetensors")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
	}
	corpus, _ := filepath.Glob("../../testdata/fuzz/FuzzOpen/*")
	for _, p := range corpus {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, lit, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		inputs = append(inputs, []byte(s))
	}
	if len(inputs) < 10 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	stricter := 0
	for _, b := range inputs {
		f, ourErr := safetensors.Open(bytes.NewReader(b), int64(len(b)), modelgate.Limits{})
		st, oracleErr := oracle.Deserialize(b)
		switch {
		case ourErr == nil && oracleErr != nil:
			if knownToOracle(f) {
				t.Errorf("we accept %q, the oracle refuses: %v", b, oracleErr)
			}
		case ourErr == nil:
			var ts []safetensors.Tensor
			for _, name := range f.TensorNames() {
				tt, err := f.Tensor(context.Background(), name)
				if err != nil {
					t.Fatal(err)
				}
				ts = append(ts, tt)
			}
			checkSame(t, st, ts)
		case oracleErr == nil:
			stricter++
		}
	}
	t.Logf("%d inputs; %d accepted by the oracle but refused by us", len(inputs), stricter)
}

// knownToOracle reports whether every dtype of f is one the oracle knows.
func knownToOracle(f *safetensors.File) bool {
	for _, ti := range f.Tensors() {
		if !slices.Contains(oracleDTypes, ti.DType) {
			return false
		}
	}
	return true
}
