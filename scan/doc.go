// Package scan judges a legacy model file against allow-lists without
// running anything from it, and says exactly what is in it.
//
// [File] detects the format by magic bytes (package magic), parses BSON.jl
// files strictly into an inert graph (packages bson and juliabson) and walks
// every node once, iteratively. Every struct type, datatype, ref and
// function singleton must be in the allow-list tables of this package
// (allow.go): the Flux layer types with their field counts per Flux
// version, the Core numeric, array and tuple types, NamedTuple, the NNlib
// and Base activation singletons, MLUtils.flatten, Random.TaskLocalRNG,
// Tracker arrays and Zygote Params/Buffer/IdSet for weights-only files.
// Anything else is a [Finding]. The allow-list never comes from the file.
//
// # Severities
//
//   - critical: serialized code (anonymous functions and their Method,
//     CodeInfo, Expr, GlobalRef IR), known gadget types and functions
//     (Base.run, Core.eval, Cmd, Broadcasted, Generator, SubArray, Fix1/Fix2
//     over functions outside the allow-list), pointers (Ptr values and
//     opaque bits of unknown primitive types);
//   - high: any other type, function or ref outside the allow-list, user
//     types under Main, GPU arrays (the file holds device pointers, not
//     weights), a layer with a field count no Flux version wrote;
//   - warning and note: facts that do not refuse the file (BatchNorm saved
//     with active = true, extra top-level keys, a file holding no model, a
//     recognised known lambda with [Options.AllowKnownLambdas]).
//
// [Report.Err] is nil when there is no critical or high finding. A file
// that cannot be parsed safely (not BSON.jl BSON, malformed, truncated,
// over a budget) makes File return an error, with the report of what was
// learnt so far.
package scan
