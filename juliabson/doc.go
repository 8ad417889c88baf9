// Package juliabson interprets the conventions BSON.jl uses on top of BSON
// (tagged documents, _backrefs) as an inert graph of Go values. Nothing is
// ever evaluated: a type or ref path is only a list of strings, and an
// anonymous function's serialized IR is only data for the scanner to judge
// (package scan) and, for exactly one known lambda, for the converter to
// match (package flux).
//
// [Parse] runs bson.Parse and [Build]; Build takes an already parsed
// *bson.Document. The result is a [Graph]: the top-level entries, the
// _backrefs entries, and the list of backref numbers on cycles.
//
// # Values
//
// Plain BSON values become *Nothing, *Bool, *Int, *Float, *String and
// *Bytes (a bare binary, Julia's Vector{UInt8}); an untagged document is a
// *Dict (Dict{Symbol,Any}); a plain array is a *Vector (Vector{Any}). Tagged
// documents become *Symbol, *Tuple, *SVec, *Ref, *DataType, *UnionAll,
// *Bottom, *Anonymous, *Struct, *Array and *Backref. Every node carries a
// [Node]: its path and the BSON value (with byte offset) it came from.
//
// # Paths
//
// A node's path starts at a top-level key ("model") or at "_backrefs/N"
// (N is the 1-based backref number) and adds one segment per step: "N" for
// positional children (struct fields, tuple, vector, svec and boxed array
// elements), the escaped key for Dict entries ("~1" for "/", "~0" for "~"),
// "type" for a struct's or array's type, "params/N" for type parameters,
// "typename" for an anonymous function's type name, "body" and "var" for a
// UnionAll. [Walk] reports paths from the walk's root instead, through
// backrefs: a finding then names where a shared value is used.
//
// # Rules
//
// Build refuses, with a *modelgate.Error whose Where is "path (byte N)":
//
//   - a top-level document with a "tag" key ("top-level-tag", EUNSUPPORTED):
//     BSON.jl would turn the whole file into that tagged value;
//   - a "tag" that is not a string naming one of the eleven BSON.jl tags
//     ("unknown-tag", EUNSUPPORTED) and a tagged document whose keys are not
//     exactly the tag's ("tag-fields"), or whose fields have the wrong BSON
//     kind ("field-kind"); ref and datatype paths must be non-empty arrays of
//     non-empty strings ("empty-path", "field-kind");
//   - _backrefs that is not an array ("bad-backrefs"), a backref number
//     outside 1..len(_backrefs) ("backref-range"), a _backrefs entry that is
//     itself a backref ("backref-chain"), and, with Limits.RefuseCycles, any
//     cycle ("backref-cycle", EUNSUPPORTED);
//   - a struct whose type is not a datatype or anonymous function type
//     ("struct-type"); a primitive struct (Float16/32/64, Int8..Int128,
//     UInt8..UInt128, Bool, Char, Ptr) whose data is not bytes of exactly the
//     type's width ("primitive-width");
//   - an array whose dimensions are not non-negative integers or whose
//     product overflows ("array-size"), with more than Limits.MaxRank
//     dimensions ("rank", ELIMIT); a bits array (binary data) whose element
//     type is not in the allow-list Float16/32/64, Int8..Int128,
//     UInt8..UInt128, Bool, Char, Complex{Float16/32/64}
//     ("array-elem-type", EUNSUPPORTED) or whose byte length is not
//     product(dims) × width ("array-size"); a boxed array whose value count
//     is not product(dims) ("array-size") or whose element type is a bits
//     type ("array-data");
//   - a datatype params blob that is not a vector of integers
//     ("datatype-params");
//   - more than Limits.MaxNodes nodes ("too-many-nodes", ELIMIT).
//
// Cycles are legitimate in BSON.jl files (an anonymous function's
// Core.TypeName refers to itself through its methods' signatures): by
// default they are represented (the same *Backref target reached again)
// and listed in Graph.Cycles. Build and [Walk] never recurse, and Build
// allocates only per BSON element actually present: bits array data and
// primitive bytes are sub-slices of the input.
//
// Unknown primitive types (a CUDA.CuPtr, a user primitive type) keep their
// bytes with Prim == nil: judging them is the scanner's job.
package juliabson
