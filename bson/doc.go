// Package bson is a strict reader for the subset of BSON that BSON.jl
// writes. It turns bytes into a [Document] tree with byte offsets and
// nothing else: it knows nothing about Julia (see package juliabson).
//
// BSON.jl's own reader is lax (it ignores declared lengths, NUL bytes,
// binary subtypes and array keys, keeps the last duplicate key and ignores
// trailing bytes), so a hostile file could look different to it than to
// us. Parse therefore refuses, rather than guesses, wherever two readers
// could disagree.
//
// # Rules
//
// [Parse] accepts an input only if all of these hold; each rejection is a
// *modelgate.Error with Where = "byte N" and the Rule in brackets:
//
//   - The input is exactly one document: its declared length equals the
//     input length ("truncated" if longer, "trailing-bytes" if shorter).
//   - Every document and array declares a length of at least 5 ("bad-length")
//     that lies inside its parent ("length-mismatch", or "truncated" past the
//     end of the input) and equals the bytes its elements consume
//     ("length-mismatch"), ending in a NUL byte ("missing-nul").
//   - Only the nine element types BSON.jl writes: double, string, document,
//     array, binary, bool, null, int32, int64 ("unsupported-element-type",
//     code EUNSUPPORTED).
//   - Keys are NUL-terminated inside their document ("missing-nul") and valid
//     UTF-8 ("invalid-utf8"); keys of a document are unique ("duplicate-key");
//     array keys are exactly "0", "1", ... in order ("bad-array-key").
//   - Strings declare a length of at least 1, end with NUL ("missing-nul")
//     and are valid UTF-8 ("invalid-utf8"). They may hold other NUL bytes:
//     BSON.jl writes a method's slot names as one NUL-separated string.
//   - Binary values have a non-negative length and subtype 0x00
//     ("binary-subtype", code EUNSUPPORTED).
//   - Bools are 0x00 or 0x01 ("invalid-bool").
//   - Budgets, code ELIMIT: input size ("too-large", [MaxBytes]), nesting
//     depth ("depth", [MaxDepth]) and total element count
//     ("too-many-elements", [MaxElements]).
//
// # Resources
//
// Parse never recurses (it keeps an explicit stack bounded by the depth
// limit), never allocates from a declared length (every length is checked
// against the bytes that remain before it is used; binary payloads and
// strings are sub-slices of the input) and allocates per element actually
// present, at most [Limits.MaxElements] of them.
//
// Every document accepted by Parse is also accepted by mongo-driver's
// bsoncore with the same structure and values; the package's fuzz test
// checks this.
package bson
