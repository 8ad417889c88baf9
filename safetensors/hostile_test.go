package safetensors

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

// hostileCase is a file that must be refused with the given code and rule.
type hostileCase struct {
	name       string
	file       []byte
	code, rule string
}

// entry returns a tensor entry with the given members.
func entry(dtype, shape, offsets string) string {
	return `{"dtype":` + dtype + `,"shape":` + shape + `,"data_offsets":` + offsets + `}`
}

// ok8 is a valid F32 entry of two elements at [0, 8).
var ok8 = entry(`"F32"`, `[2]`, `[0,8]`)

// hostileCases lists one or more files for every rule of the reader.
func hostileCases() []hostileCase {
	inv, lim := modelgate.EINVALID, modelgate.ELIMIT
	deep := `{"a":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	rank9 := entry(`"F32"`, `[1,1,1,1,1,1,1,1,1]`, `[0,4]`)
	return []hostileCase{
		{"empty file", nil, inv, "truncated"},
		{"seven bytes", []byte{2, 0, 0, 0, 0, 0, 0}, inv, "truncated"},
		{"length 2^63", withLen(1<<63, "{}"), lim, "header-too-large"},
		{"length 2^64-1", withLen(1<<64-1, "{}"), lim, "header-too-large"},
		{"length 100MB+1", withLen(MaxHeaderBytes+1, "{}"+strings.Repeat(" ", 1000)), lim, "header-too-large"},
		{"length 100MB tiny file", withLen(MaxHeaderBytes, "{}"+strings.Repeat(" ", 1000)), inv, "truncated"},
		{"length past end", withLen(1000, "{}      "), inv, "truncated"},
		{"length 0", withLen(0, ""), inv, "header-not-object"},
		{"length 1", withLen(1, "{"), inv, "header-not-object"},
		{"leading space", raw(` {}`, 0), inv, "header-not-object"},
		{"byte order mark", raw("\ufeff{}", 0), inv, "header-not-object"},
		{"array header", raw(`[]`, 0), inv, "header-not-object"},
		{"string header", raw(`"{}"`, 0), inv, "header-not-object"},
		{"trailing garbage", raw(`{}x`, 0), inv, "header-trailing-data"},
		{"trailing newline", raw("{}\n", 0), inv, "header-trailing-data"},
		{"trailing tab", raw("{} \t", 0), inv, "header-trailing-data"},
		{"trailing nul", raw("{}\x00", 0), inv, "header-trailing-data"},
		{"second object", raw(`{}{}`, 0), inv, "header-trailing-data"},
		{"missing value", raw(`{"a":}`, 0), inv, "tensor-not-object"},
		{"missing colon", raw(`{"a" "b"}`, 0), inv, "header-json"},
		{"trailing comma", raw(`{"a":{"dtype":"F32",}}`, 0), inv, "header-json"},
		{"single quotes", raw(`{'a':1}`, 0), inv, "header-json"},
		{"comment", raw(`{/**/}`, 0), inv, "header-json"},
		{"unterminated", raw(`{"a":{"dtype"`, 0), inv, "header-json"},
		{"unterminated top", raw(`{"a":`+ok8, 8), inv, "header-json"},
		{"leading zero", raw(`{"a":`+entry(`"F32"`, `[02]`, `[0,8]`)+`}`, 8), inv, "header-json"},
		{"tensor not object", raw(`{"a":1}`, 0), inv, "tensor-not-object"},
		{"tensor null", raw(`{"a":null}`, 0), inv, "tensor-not-object"},
		{"deep nesting", raw(deep, 0), inv, "tensor-not-object"},
		{"duplicate tensor", raw(`{"a":`+ok8+`,"a":`+ok8+`}`, 8), inv, "duplicate-name"},
		{"duplicate escaped", raw(`{"a":`+ok8+`,"\u0061":`+ok8+`}`, 8), inv, "duplicate-name"},
		{"duplicate metadata", raw(`{"__metadata__":{},"__metadata__":{}}`, 0), inv, "duplicate-name"},
		{"duplicate metadata key", raw(`{"__metadata__":{"k":"1","k":"2"}}`, 0), inv, "duplicate-name"},
		{"duplicate field", raw(`{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8), inv, "duplicate-name"},
		{"invalid utf8 name", raw("{\"a\xff\":"+ok8+"}", 8), inv, "invalid-utf8"},
		{"overlong utf8 name", raw("{\"\xc0\xaf\":"+ok8+"}", 8), inv, "invalid-utf8"},
		{"invalid utf8 metadata", raw("{\"__metadata__\":{\"k\":\"\xed\xa0\x80\"}}", 0), inv, "invalid-utf8"},
		{"lone surrogate name", raw(`{"\ud800":`+ok8+`}`, 8), inv, "invalid-utf8"},
		{"lone surrogate metadata", raw(`{"__metadata__":{"k":"\udfff"}}`, 0), inv, "invalid-utf8"},
		{"metadata number", raw(`{"__metadata__":{"k":1}}`, 0), inv, "metadata-not-string"},
		{"metadata object", raw(`{"__metadata__":{"k":{"x":"y"}}}`, 0), inv, "metadata-not-string"},
		{"metadata deep", raw(`{"__metadata__":{"k":`+strings.Repeat("[", 5000)+`}}`, 0), inv, "metadata-not-string"},
		{"metadata null value", raw(`{"__metadata__":{"k":null}}`, 0), inv, "metadata-not-string"},
		{"metadata null", raw(`{"__metadata__":null}`, 0), inv, "metadata-not-object"},
		{"metadata array", raw(`{"__metadata__":["a"]}`, 0), inv, "metadata-not-object"},
		{"metadata as tensor", raw(`{"__metadata__":`+ok8+`}`, 8), inv, "metadata-not-string"},
		{"unknown field", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}`, 8), inv, "unknown-field"},
		{"wrong case field", raw(`{"a":{"Dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8), inv, "unknown-field"},
		{"missing offsets", raw(`{"a":{"dtype":"F32","shape":[2]}}`, 8), inv, "missing-field"},
		{"missing dtype", raw(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, 8), inv, "missing-field"},
		{"empty entry", raw(`{"a":{}}`, 0), inv, "missing-field"},
		{"unknown dtype", raw(`{"a":`+entry(`"F128"`, `[2]`, `[0,8]`)+`}`, 8), inv, "dtype-unknown"},
		{"lower-case dtype", raw(`{"a":`+entry(`"f32"`, `[2]`, `[0,8]`)+`}`, 8), inv, "dtype-unknown"},
		{"dtype number", raw(`{"a":`+entry(`32`, `[2]`, `[0,8]`)+`}`, 8), inv, "dtype-unknown"},
		{"shape object", raw(`{"a":`+entry(`"F32"`, `{}`, `[0,8]`)+`}`, 8), inv, "shape-not-array"},
		{"shape negative", raw(`{"a":`+entry(`"F32"`, `[-2]`, `[0,8]`)+`}`, 8), inv, "not-integer"},
		{"shape minus zero", raw(`{"a":`+entry(`"F32"`, `[-0]`, `[0,0]`)+`}`, 0), inv, "not-integer"},
		{"shape fraction", raw(`{"a":`+entry(`"F32"`, `[2.0]`, `[0,8]`)+`}`, 8), inv, "not-integer"},
		{"shape exponent", raw(`{"a":`+entry(`"F32"`, `[2e0]`, `[0,8]`)+`}`, 8), inv, "not-integer"},
		{"shape string", raw(`{"a":`+entry(`"F32"`, `["2"]`, `[0,8]`)+`}`, 8), inv, "not-integer"},
		{"shape nested", raw(`{"a":`+entry(`"F32"`, `[[2]]`, `[0,8]`)+`}`, 8), inv, "not-integer"},
		{"shape 2^64", raw(`{"a":`+entry(`"F32"`, `[18446744073709551616]`, `[0,8]`)+`}`, 8), lim, "number-too-large"},
		{"dimension above MaxDim", raw(`{"a":`+entry(`"F32"`, `[2147483649]`, `[0,8]`)+`}`, 8), lim, "number-too-large"},
		{"rank 9", raw(`{"a":`+rank9+`}`, 4), lim, "rank-too-large"},
		{"offsets object", raw(`{"a":`+entry(`"F32"`, `[2]`, `{}`)+`}`, 8), inv, "offsets-not-pair"},
		{"one offset", raw(`{"a":`+entry(`"F32"`, `[2]`, `[8]`)+`}`, 8), inv, "offsets-not-pair"},
		{"three offsets", raw(`{"a":`+entry(`"F32"`, `[2]`, `[0,8,8]`)+`}`, 8), inv, "offsets-not-pair"},
		{"offset fraction", raw(`{"a":`+entry(`"F32"`, `[2]`, `[0,8.0]`)+`}`, 8), inv, "not-integer"},
		{"offset 2^63", raw(`{"a":`+entry(`"F32"`, `[2]`, `[0,9223372036854775808]`)+`}`, 8), lim, "number-too-large"},
		{"offsets reversed", raw(`{"a":`+entry(`"F32"`, `[2]`, `[8,0]`)+`}`, 8), inv, "offsets-reversed"},
		{"gap at start", raw(`{"a":`+entry(`"F32"`, `[2]`, `[4,12]`)+`}`, 12), inv, "gap"},
		{"gap between", raw(`{"a":`+ok8+`,"b":`+entry(`"F32"`, `[1]`, `[12,16]`)+`}`, 16), inv, "gap"},
		{"overlap", raw(`{"a":`+ok8+`,"b":`+entry(`"F32"`, `[2]`, `[4,12]`)+`}`, 12), inv, "overlap"},
		{"same range twice", raw(`{"a":`+ok8+`,"b":`+ok8+`}`, 8), inv, "overlap"},
		{"trailing bytes", raw(`{"a":`+ok8+`}`, 12), inv, "trailing-bytes"},
		{"trailing bytes no tensor", raw(`{}`, 1), inv, "trailing-bytes"},
		{"data past end", raw(`{"a":`+ok8+`}`, 4), inv, "truncated"},
		{"size mismatch", raw(`{"a":`+entry(`"F32"`, `[3]`, `[0,8]`)+`}`, 8), inv, "size-mismatch"},
		{"size mismatch dtype", raw(`{"a":`+entry(`"F64"`, `[2]`, `[0,8]`)+`}`, 8), inv, "size-mismatch"},
		{"scalar mismatch", raw(`{"a":`+entry(`"F32"`, `[]`, `[0,8]`)+`}`, 8), inv, "size-mismatch"},
		{"sub-byte partial", raw(`{"a":`+entry(`"F4"`, `[3]`, `[0,2]`)+`}`, 2), inv, "size-mismatch"},
		{"shape overflow", raw(`{"a":`+entry(`"F32"`, `[2147483648,2147483648,2147483648]`, `[0,8]`)+`}`, 8), inv, "offset-overflow"},
		{"shape overflow before zero", raw(`{"a":`+entry(`"U8"`, `[2147483648,2147483648,2147483648,0]`, `[0,0]`)+`}`, 0), inv, "offset-overflow"},
		{"bytes overflow", raw(`{"a":`+entry(`"F64"`, `[2147483648,2147483648,4]`, `[0,8]`)+`}`, 8), inv, "offset-overflow"},
	}
}

// TestHostile checks that every hostile file is refused by Inspect and Open
// with its rule, and that OpenFile agrees.
func TestHostile(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Inspect(bytes.NewReader(tc.file), int64(len(tc.file)), modelgate.Limits{})
			checkErr(t, err, tc.code, tc.rule)
			f, err := openBytes(tc.file)
			if f != nil {
				t.Fatal("Open returned a File with an error")
			}
			checkErr(t, err, tc.code, tc.rule)
		})
	}
}

// TestLimits checks the budgets taken from modelgate.Limits.
func TestLimits(t *testing.T) {
	t.Parallel()
	three := raw(`{"a":`+ok8+`,"b":`+entry(`"F32"`, `[0]`, `[8,8]`)+`,"c":`+entry(`"U8"`, `[1]`, `[8,9]`)+`}`, 9)
	var keys []string
	for i := range MaxMetadataEntries + 1 {
		keys = append(keys, `"k`+strconv.Itoa(i)+`":""`)
	}
	meta := `{"__metadata__":{` + strings.Join(keys, ",") + `}}`
	cases := []struct {
		name       string
		file       []byte
		lim        modelgate.Limits
		code, rule string
	}{
		{"tensors", three, modelgate.Limits{Tensors: 2}, modelgate.ELIMIT, "too-many-tensors"},
		{"header bytes", three, modelgate.Limits{HeaderBytes: 16}, modelgate.ELIMIT, "header-too-large"},
		{"file bytes", three, modelgate.Limits{WeightsBytes: int64(len(three) - 1)}, modelgate.ELIMIT, "file-too-large"},
		{"metadata entries", raw(meta, 0), modelgate.Limits{}, modelgate.ELIMIT, "too-many-metadata"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(bytes.NewReader(tc.file), int64(len(tc.file)), tc.lim)
			checkErr(t, err, tc.code, tc.rule)
		})
	}
	if _, err := Open(bytes.NewReader(three), int64(len(three)), modelgate.Limits{Tensors: 3, HeaderBytes: int64(len(three) - 17), WeightsBytes: int64(len(three))}); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	if _, err := Open(bytes.NewReader(three), -1, modelgate.Limits{}); err == nil {
		t.Fatal("negative size accepted")
	} else {
		checkErr(t, err, modelgate.EINVALID, "negative-size")
	}
}
