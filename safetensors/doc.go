// Package safetensors reads and writes safetensors weight files strictly.
//
// A safetensors file is an 8-byte little-endian unsigned length N, then N
// bytes of UTF-8 JSON (an object mapping each tensor name to
// {"dtype", "shape", "data_offsets"}, plus an optional "__metadata__" object
// of strings), then the data buffer. Offsets are relative to the start of
// the data buffer.
//
// [Open], [OpenFile] and [Inspect] read only the header and refuse the file
// unless every rule below holds; [File.ReadFloat32] then converts tensors
// on demand, and [Header.RequireFloat] lets a caller refuse up front a file
// holding dtypes it cannot convert. [Write] produces canonical files that
// the reference implementation and other readers accept (checked against
// the reference serializer's own test vectors in testdata/valid, and
// against an independent Go implementation in internal/interop).
//
// # Rules
//
// Every rule is enforced before any allocation it would otherwise require,
// and each rejection is a *[modelgate.Error] whose Where is "byte N" (an
// offset in the file) or a tensor name (quoted when it is not printable or
// longer than 200 bytes) and whose Rule is the identifier in parentheses.
// The code is EINVALID unless noted.
//
//   - The file is at least 8 bytes long (truncated) and at most
//     Limits.WeightsBytes (file-too-large, ELIMIT).
//   - N is at most the smaller of Limits.HeaderBytes and [MaxHeaderBytes],
//     the reference's 100 MB (header-too-large, ELIMIT), and 8+N is within
//     the file (truncated). N is checked before the header is read.
//   - The header is valid UTF-8 (invalid-utf8; escaped lone surrogates too),
//     starts with '{' (header-not-object), is one JSON object followed only
//     by spaces, 0x20, used as padding (header-trailing-data), and is
//     well-formed JSON (header-json).
//   - Member names are unique in every object, the top level, __metadata__
//     and each tensor entry, compared after unescaping (duplicate-name).
//   - "__metadata__", if present, is an object (metadata-not-object) of
//     strings (metadata-not-string) with at most [MaxMetadataEntries]
//     entries (too-many-metadata, ELIMIT).
//   - At most Limits.Tensors tensors (too-many-tensors, ELIMIT).
//   - A tensor entry is an object (tensor-not-object) with exactly the
//     members dtype, shape and data_offsets (unknown-field, missing-field).
//   - dtype is a name the reference knows (dtype-unknown, EINVALID). Known
//     names other than F32, F16, BF16 and F64 are accepted by Open but
//     refused by ReadFloat32 (dtype-unsupported, EUNSUPPORTED).
//   - shape is an array (shape-not-array) of at most [modelgate.MaxRank]
//     dimensions (rank-too-large, ELIMIT), each a plain non-negative integer
//     (not-integer: no sign, fraction or exponent) of at most
//     [modelgate.MaxDim] (number-too-large, ELIMIT). An empty shape is a
//     scalar of one element.
//   - data_offsets is an array of exactly two integers (offsets-not-pair,
//     not-integer) below 2^63 (number-too-large) with begin <= end
//     (offsets-reversed).
//   - Sorted by offsets, the tensors tile the data buffer exactly from 0:
//     no gap (gap), no overlap (overlap), nothing past the end of the file
//     (truncated) and no byte after the last tensor (trailing-bytes).
//   - end-begin equals the product of the shape times the dtype's width,
//     computed left to right with overflow checks (offset-overflow) and a
//     whole number of bytes for sub-byte dtypes (size-mismatch).
//
// A dimension of 0 gives a tensor of no element whose data_offsets have
// begin == end; like the reference, such tensors are accepted, and any
// number of them may sit at the same offset.
//
// The reader is stricter than the reference in a few places, never more
// lenient: duplicate names, trailing whitespace other than spaces, unknown
// members, a null __metadata__ and numbers such as 1.0 or 1e3 are refused.
// Escaped characters in names (\u0041) are accepted and unescaped; such a
// file is valid but not canonical.
//
// # Canonical form
//
// [Write] sorts tensors by name, lays their data out in that order, writes
// the header compactly with "__metadata__" first and keys sorted, escapes
// only '"', '\\' and control characters, and pads the header with spaces so
// that the data starts at a multiple of 8. A file is canonical when writing
// what [Open] read from it gives back the same bytes.
package safetensors
