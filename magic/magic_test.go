package magic_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/magic"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want magic.Format
	}{
		{"empty", "", magic.Empty},
		{"julia-serialization", "7JL\x1e\x04\x00\x00\x00", magic.JuliaSerialization},
		{"jld2", "HDF5-based Julia Data Format, version 0.1.1\x00\x00", magic.JLD2},
		{"jld", "Julia data file (HDF5), version 0.1.3", magic.JLD},
		{"hdf5", "\x89HDF\r\n\x1a\n\x00\x00\x00\x00", magic.HDF5},
		{"zip", "PK\x03\x04\x14\x00", magic.Zip},
		{"empty-zip", "PK\x05\x06\x00\x00", magic.Zip},
		{"pickle-2", "\x80\x02}q\x00(", magic.Pickle},
		{"pickle-4", "\x80\x04\x95\x10\x00\x00", magic.Pickle},
		{"pickle-bad-proto", "\x80\x09}", magic.Unknown},
		{"gzip", "\x1f\x8b\x08\x00", magic.Gzip},
		{"numpy", "\x93NUMPY\x01\x00", magic.NumPy},
		{"gguf", "GGUF\x03\x00\x00\x00", magic.GGUF},
		{"tflite", "\x1c\x00\x00\x00TFL3", magic.TFLite},
		{"safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}", magic.Safetensors},
		{"bson-empty", "\x05\x00\x00\x00\x00", magic.BSON},
		{"bson", "\x10\x00\x00\x00\x10model\x00\x01\x00\x00\x00\x00", magic.BSON},
		{"bson-unterminated-key", "\x10\x00\x00\x00\x10model", magic.Unknown},
		{"bson-control-key", "\x10\x00\x00\x00\x10\x01\x00\x01\x00\x00\x00\x00", magic.Unknown},
		{"bson-bad-type", "\x10\x00\x00\x00\x20model\x00", magic.Unknown},
		{"bson-negative", "\xff\xff\xff\xff\x10a\x00", magic.Unknown},
		{"json-object", "  {\"layers\": []}", magic.JSON},
		{"json-array", "[1, 2]", magic.JSON},
		{"json-bom", "\xef\xbb\xbf{}", magic.JSON},
		{"onnx", "\x08\x07\x12\x07pytorch", magic.ONNX},
		{"text", "hello world", magic.Unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := magic.Detect([]byte(c.in)); got != c.want {
				t.Fatalf("Detect(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestDetectLongBSONKeyCutAtPrefix(t *testing.T) {
	t.Parallel()
	b := append([]byte("\x00\x10\x00\x00\x02"), make([]byte, 600)...)
	for i := 5; i < len(b); i++ {
		b[i] = 'k'
	}
	b[magic.PrefixLen-1] = 0xc3 // first byte of a two-byte rune, cut by the prefix
	if got := magic.Detect(b); got != magic.BSON {
		t.Fatalf("got %v", got)
	}
}

func TestDetectCorpus(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../bson/testdata/corpus/*")
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := magic.BSON
		switch filepath.Ext(f) {
		case ".bin":
			want = magic.JuliaSerialization
		case ".md":
			continue
		}
		n++
		if got := magic.Detect(data); got != want {
			t.Errorf("%s: %v, want %v", filepath.Base(f), got, want)
		}
	}
	if n == 0 {
		t.Fatal("no corpus files")
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte("7JL"))
	f.Add([]byte("\x05\x00\x00\x00\x00"))
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if magic.Detect(b) == "" {
			t.Fatal("empty format")
		}
	})
}
