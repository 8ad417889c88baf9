package scan

import "strings"

// Version is a Flux version as major*10000 + minor*100 + patch (0.12.6 is
// 1206). 0 as an upper bound means "no bound".
type Version int

// String formats v as "0.12.6" (".0" patch omitted).
func (v Version) String() string {
	maj, min, pat := int(v)/10000, int(v)/100%100, int(v)%100
	if pat == 0 {
		return itoa(maj) + "." + itoa(min)
	}
	return itoa(maj) + "." + itoa(min) + "." + itoa(pat)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Range is a half-open Flux version interval [Lo, Hi); a zero bound is open.
type Range struct{ Lo, Hi Version }

// All is the unbounded range.
var All = Range{}

func v(maj, min, pat int) Version { return Version(maj*10000 + min*100 + pat) }

// intersect returns the intersection of r and o and whether it is non-empty.
func (r Range) intersect(o Range) (Range, bool) {
	out := r
	if o.Lo > out.Lo {
		out.Lo = o.Lo
	}
	if o.Hi != 0 && (out.Hi == 0 || o.Hi < out.Hi) {
		out.Hi = o.Hi
	}
	return out, out.Hi == 0 || out.Lo < out.Hi
}

// String formats the range as ">=0.12, <0.15", "any" when unbounded.
func (r Range) String() string {
	var parts []string
	if r.Lo != 0 {
		parts = append(parts, ">="+r.Lo.String())
	}
	if r.Hi != 0 {
		parts = append(parts, "<"+r.Hi.String())
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, ", ")
}

// Layout is one field count a Flux version range wrote for a type.
type Layout struct {
	Fields   int
	Versions Range
}

// Kind classifies an allow-listed struct type.
type Kind int

// The kinds of allow-listed struct types.
const (
	KindLayer      Kind = iota + 1 // a Flux layer or container
	KindActivation                 // a function singleton usable as an activation or layer
	KindPart                       // a part of a layer (cell, Diagonal, Scale, Zeros, Tracker wrapper, Fix1)
	KindData                       // plain data (Colon, RNG, Missing, Dict, IdDict)
	KindParams                     // Zygote Params/Buffer/IdSet (weights-only files)
	KindOptimiser                  // Flux.Optimise state: allowed, never converted
)

// StructRule is the allow-list entry of one struct type.
type StructRule struct {
	Kind    Kind
	Layouts []Layout // allowed field counts; nil means any count (data types with variable fields are not allowed this way)
}

func lay(fields int, lo, hi Version) Layout { return Layout{fields, Range{lo, hi}} }

func anyLayout(fields ...int) []Layout {
	out := make([]Layout, len(fields))
	for i, f := range fields {
		out[i] = Layout{f, All}
	}
	return out
}

// layers lists the Flux layer types and their field counts by version
// (shared/reference/bsonjl-and-flux.md §4).
var layers = map[string][]Layout{
	"Chain":            anyLayout(1),
	"Dense":            anyLayout(3),
	"Conv":             {lay(6, 0, v(0, 12, 6)), lay(7, v(0, 12, 6), 0)},
	"CrossCor":         {lay(6, 0, 0), lay(7, v(0, 13, 0), 0)},
	"DepthwiseConv":    {lay(6, 0, v(0, 13, 0))},
	"ConvTranspose":    {lay(6, 0, v(0, 12, 6)), lay(7, v(0, 12, 6), v(0, 14, 17)), lay(8, v(0, 14, 17), 0)},
	"MaxPool":          anyLayout(3),
	"MeanPool":         anyLayout(3),
	"AdaptiveMaxPool":  {lay(1, v(0, 11, 0), 0)},
	"AdaptiveMeanPool": {lay(1, v(0, 11, 0), 0)},
	"GlobalMaxPool":    {lay(0, v(0, 10, 4), 0)},
	"GlobalMeanPool":   {lay(0, v(0, 10, 4), 0)},
	"BatchNorm":        {lay(7, v(0, 10, 0), v(0, 10, 2)), lay(8, 0, v(0, 12, 0)), lay(11, v(0, 12, 0), 0)},
	"InstanceNorm":     {lay(7, v(0, 10, 0), v(0, 10, 2)), lay(8, 0, v(0, 12, 0)), lay(11, v(0, 12, 0), 0)},
	"GroupNorm":        {lay(8, v(0, 10, 0), v(0, 10, 2)), lay(9, 0, v(0, 12, 0)), lay(12, v(0, 12, 0), 0)},
	"LayerNorm":        {lay(1, 0, v(0, 12, 0)), lay(5, v(0, 12, 0), 0)},
	"Dropout":          {lay(2, 0, v(0, 10, 2)), lay(3, v(0, 10, 2), v(0, 13, 0)), lay(4, v(0, 13, 0), 0)},
	"AlphaDropout":     {lay(2, 0, v(0, 13, 0)), lay(3, v(0, 13, 0), 0)},
	"Embedding":        {lay(1, v(0, 12, 0), 0), lay(2, v(0, 16, 0), 0)},
	"SkipConnection":   anyLayout(2),
	"Upsample":         {lay(2, v(0, 12, 0), 0)},
	"Parallel":         {lay(2, v(0, 12, 0), 0)},
	"Recur":            {lay(3, 0, v(0, 12, 0)), lay(2, v(0, 12, 0), v(0, 15, 0))},
	"RNN":              {lay(1, v(0, 15, 0), 0)},
	"LSTM":             {lay(1, v(0, 15, 0), 0)},
	"GRU":              {lay(1, v(0, 15, 0), 0)},
	"GRUv3":            {lay(1, v(0, 15, 0), 0)},
}

// parts lists the layer parts: recurrent cells, LayerNorm's affine parts,
// the bias=false encodings and the Tracker wrappers.
var parts = map[string][]Layout{
	"Flux.RNNCell":   {lay(5, 0, v(0, 15, 0)), lay(4, v(0, 15, 0), 0)},
	"Flux.LSTMCell":  {lay(5, 0, v(0, 12, 0)), lay(4, v(0, 12, 0), v(0, 15, 0)), lay(3, v(0, 15, 0), 0)},
	"Flux.GRUCell":   {lay(4, 0, v(0, 15, 0)), lay(3, v(0, 15, 0), 0)},
	"Flux.GRUv3Cell": {lay(5, v(0, 12, 0), v(0, 15, 0)), lay(4, v(0, 15, 0), 0)},
	"Flux.Diagonal":  {lay(2, 0, v(0, 13, 0))},
	"Flux.Scale":     {lay(3, v(0, 13, 0), 0)},
	"Flux.Zeros":     {lay(1, v(0, 11, 0), v(0, 12, 0)), lay(0, v(0, 12, 0), v(0, 13, 0))},
	// Tracker.jl arrays (Flux <= 0.9; Flux.Tracker inside Flux <= 0.8).
	"Tracker.TrackedArray":      {lay(3, 0, v(0, 10, 0))},
	"Tracker.Tracked":           {lay(4, 0, v(0, 10, 0))},
	"Tracker.Call":              {lay(2, 0, v(0, 10, 0))},
	"Flux.Tracker.TrackedArray": {lay(3, 0, v(0, 9, 0))},
	"Flux.Tracker.Tracked":      {lay(4, 0, v(0, 9, 0))},
	"Flux.Tracker.Call":         {lay(2, 0, v(0, 9, 0))},
	"Base.Fix1":                 {lay(2, v(0, 13, 0), 0)}, // only Fix1(broadcast, activation): checked in fix1
}

// activations are the function singletons allowed as activations or as
// layers of a Chain. The converter maps each to a spec activation or
// layer; every name here must be mapped there.
var activations = []string{
	"Base.#identity", "Base.#tanh",
	"NNlib.#relu", "NNlib.#σ", "NNlib.#sigmoid", "NNlib.#sigmoid_fast", "NNlib.#hardσ", "NNlib.#hardsigmoid",
	"NNlib.#tanh_fast", "NNlib.#hardtanh", "NNlib.#relu6", "NNlib.#leakyrelu", "NNlib.#elu", "NNlib.#selu",
	"NNlib.#celu", "NNlib.#gelu", "NNlib.#gelu_tanh", "NNlib.#gelu_erf", "NNlib.#swish", "NNlib.#logσ",
	"NNlib.#logsigmoid", "NNlib.#softplus", "NNlib.#softsign", "NNlib.#mish", "NNlib.#tanhshrink",
	"NNlib.#softmax", "NNlib.#logsoftmax",
	"Flux.#flatten", "MLUtils.#flatten",
	// Old Flux re-exported NNlib's functions under its own name in some writers.
	"Flux.#σ", "Flux.#relu", "Flux.#softmax", "Flux.#logsoftmax",
}

// connections are the function singletons allowed as the connection of
// SkipConnection and Parallel.
var connections = []string{"Base.#+", "Base.#*", "Base.#vcat", "Base.#cat"}

// dataTypes are struct types holding plain data.
var dataTypes = map[string][]Layout{
	"Base.Colon":                anyLayout(0),
	"Random.TaskLocalRNG":       anyLayout(0),
	"Random._GLOBAL_RNG":        anyLayout(0),
	"Random.Xoshiro":            nil, // four or five UInt64 words of state
	"Random.MersenneTwister":    nil, // state vectors and counters
	"Random.DSFMT.DSFMT_state":  anyLayout(1),
	"Base.Missing":              anyLayout(0),
	"Core.NamedTuple":           nil, // fields = the names in its type parameters
	"Base.Dict":                 anyLayout(2),
	"Base.IdDict":               anyLayout(2),
	"Base.IdSet":                anyLayout(1),
	"Core.TypeVar":              anyLayout(3),
	"Zygote.Params":             anyLayout(2),
	"Zygote.Buffer":             anyLayout(2),
	"Zygote.IdSet":              anyLayout(1),
	"Base.Threads.SpinLock":     nil, // never: listed to document that locks are refused
	"Flux.Optimise.Descent":     anyLayout(1),
	"Flux.Optimise.Momentum":    anyLayout(3),
	"Flux.Optimise.Nesterov":    anyLayout(3),
	"Flux.Optimise.RMSProp":     anyLayout(3, 4),
	"Flux.Optimise.ADAM":        anyLayout(3, 4),
	"Flux.Optimise.Adam":        anyLayout(3, 4),
	"Flux.Optimise.NADAM":       anyLayout(3, 4),
	"Flux.Optimise.AdaMax":      anyLayout(3, 4),
	"Flux.Optimise.ADAGrad":     anyLayout(2, 3),
	"Flux.Optimise.ADADelta":    anyLayout(2, 3),
	"Flux.Optimise.AMSGrad":     anyLayout(3, 4),
	"Flux.Optimise.Optimiser":   anyLayout(1),
	"Flux.Optimise.WeightDecay": anyLayout(1),
	"Flux.Optimise.ExpDecay":    anyLayout(5),
	"Flux.Optimise.ClipValue":   anyLayout(1),
	"Flux.Optimise.ClipNorm":    anyLayout(1),
	"Optimisers.Leaf":           anyLayout(2, 3),
	"Optimisers.Descent":        anyLayout(1),
	"Optimisers.Momentum":       anyLayout(2),
	"Optimisers.Nesterov":       anyLayout(2),
	"Optimisers.RMSProp":        anyLayout(3, 4),
	"Optimisers.Adam":           anyLayout(3),
	"Optimisers.AdamW":          anyLayout(2, 3, 4),
	"Optimisers.NAdam":          anyLayout(3),
	"Optimisers.AdaGrad":        anyLayout(2),
	"Optimisers.AdaMax":         anyLayout(3),
	"Optimisers.Lion":           anyLayout(2),
	"Optimisers.WeightDecay":    anyLayout(1),
	"Optimisers.ClipGrad":       anyLayout(1),
	"Optimisers.ClipNorm":       anyLayout(3),
	"Optimisers.OptimiserChain": anyLayout(1),
}

// typeOnly are datatypes allowed as type parameters or element types but
// not as struct values of their own.
var typeOnly = map[string]bool{
	"Core.Any": true, "Core.Tuple": true, "Core.Array": true, "Core.NamedTuple": true, "Core.Union": true,
	"Core.Nothing": true, "Core.String": true, "Core.Symbol": true, "Core.Int": true,
	"Core.Float16": true, "Core.Float32": true, "Core.Float64": true,
	"Core.Int8": true, "Core.Int16": true, "Core.Int32": true, "Core.Int64": true, "Core.Int128": true,
	"Core.UInt8": true, "Core.UInt16": true, "Core.UInt32": true, "Core.UInt64": true, "Core.UInt128": true,
	"Core.Bool": true, "Core.Char": true, "Core.AbstractFloat": true, "Core.Real": true, "Core.Number": true,
	"Core.Function": true, "Core.DataType": true, "Base.Complex": true, "Core.AbstractArray": true,
	"Base.OneTo": true, "Base.Val": true, "Core.Type": true, "Core.Integer": true, "Base.Pair": true,
}

// primitiveStructs are primitive types whose values may appear as
// struct bytes (ϵ, momentum, p, seeds).
var primitiveStructs = map[string]bool{
	"Core.Float16": true, "Core.Float32": true, "Core.Float64": true,
	"Core.Int8": true, "Core.Int16": true, "Core.Int32": true, "Core.Int64": true, "Core.Int128": true,
	"Core.UInt8": true, "Core.UInt16": true, "Core.UInt32": true, "Core.UInt64": true, "Core.UInt128": true,
	"Core.Bool": true, "Core.Char": true,
}

// codeTypes are the types that carry serialized code.
var codeTypes = map[string]bool{
	"Core.Method": true, "Core.CodeInfo": true, "Core.Expr": true, "Core.GlobalRef": true,
	"Core.TypeName": true, "Core.MethodInstance": true, "Core.MethodTable": true, "Core.SlotNumber": true,
	"Core.SSAValue": true, "Core.ReturnNode": true, "Core.GotoNode": true, "Core.GotoIfNot": true,
	"Core.LineInfoNode": true, "Core.QuoteNode": true, "Core.NewvarNode": true, "Core.PhiNode": true,
	"Core.PiNode": true, "Core.UpsilonNode": true, "Core.PhiCNode": true, "Core.CodeInstance": true,
	"Core.OpaqueClosure": true, "Core.Argument": true, "Core.TypedSlot": true, "Core.Module": true,
	"Core.Compiler.IRCode": true, "Core.Builtin": true, "Core.IntrinsicFunction": true,
}

// gadgetTypes are types known to run code or touch memory when BSON.jl
// builds, converts, iterates, hashes or shows them.
var gadgetTypes = map[string]bool{
	"Base.Cmd": true, "Base.OrCmds": true, "Base.AndCmds": true, "Base.CmdRedirect": true,
	"Base.Broadcast.Broadcasted": true, "Base.Generator": true, "Base.SubArray": true,
	"Base.Fix1": true, "Base.Fix2": true, "Base.ComposedFunction": true, "Base.Process": true,
	"Base.ReshapedArray": true, "Base.ReinterpretArray": true, "Base.PermutedDimsArray": true,
	"Base.Iterators.Flatten": true, "Base.Iterators.Zip": true, "Base.Iterators.ProductIterator": true,
	"Base.Iterators.Filter": true, "Base.Iterators.Rest": true, "Base.Iterators.Stateful": true,
	"Base.RefValue": true, "Base.Threads.Atomic": true, "Core.Ptr": true, "Base.Ptr": true,
	"Base.GenericIOBuffer": true, "Base.IOStream": true, "Base.Libc.RawFD": true, "Base.Filesystem.File": true,
	"Base.Dict{Any}": true, "Base.Lazy": true, "Core.Box": true, "Base.Task": true, "Core.Task": true,
}

// gadgetFuncs are function names (the last path element, '#' removed)
// that run commands, evaluate code, load files or touch raw memory.
var gadgetFuncs = map[string]bool{
	"run": true, "eval": true, "include": true, "include_string": true, "evalfile": true,
	"invokelatest": true, "invoke": true, "_apply": true, "_apply_iterate": true, "ccall": true,
	"cglobal": true, "llvmcall": true, "unsafe_load": true, "unsafe_store!": true, "unsafe_wrap": true,
	"unsafe_copyto!": true, "unsafe_pointer_to_objref": true, "pointer_from_objref": true, "unsafe_string": true,
	"open": true, "read": true, "write": true, "rm": true, "cp": true, "mv": true, "download": true,
	"pipeline": true, "spawn": true, "success": true, "readchomp": true, "readlines": true, "dlopen": true,
	"dlsym": true, "parse": true, "setfield!": true, "setproperty!": true, "getfield": true, "exit": true,
	"require": true, "deserialize": true, "load": true, "ENV": true, "cd": true, "mkdir": true, "touch": true,
	"chmod": true, "symlink": true, "readdir": true, "kill": true, "systemerror": true, "atexit": true,
	"Cmd": true, "@cmd": true, "shell_escape": true, "Expr": true, "macroexpand": true,
}

// gpuPrefixes name GPU packages: their arrays hold device pointers, never
// weights.
var gpuPrefixes = []string{"CUDA.", "CuArrays.", "CUDAnative.", "CUDAdrv.", "AMDGPU.", "Metal.", "oneAPI."}

// lookupStruct returns the allow-list rule of a struct type.
func lookupStruct(name string) (StructRule, bool) {
	if l, ok := parts[name]; ok {
		return StructRule{KindPart, l}, true
	}
	if mod, tn, ok := cutLast(name); ok && (mod == "Flux") {
		if l, ok := layers[tn]; ok {
			return StructRule{KindLayer, l}, true
		}
	}
	if isActivation(name) || isConnection(name) {
		return StructRule{KindActivation, anyLayout(0)}, true
	}
	if l, ok := dataTypes[name]; ok {
		if strings.HasPrefix(name, "Flux.Optimise.") || strings.HasPrefix(name, "Optimisers.") {
			return StructRule{KindOptimiser, l}, true
		}
		if strings.HasPrefix(name, "Zygote.") {
			return StructRule{KindParams, l}, true
		}
		if name == "Base.Threads.SpinLock" {
			return StructRule{}, false
		}
		return StructRule{KindData, l}, true
	}
	return StructRule{}, false
}

// LayerType reports whether name (normalized, e.g. "Flux.Dense") is an
// allow-listed Flux layer type.
func LayerType(name string) bool {
	mod, tn, ok := cutLast(name)
	_, known := layers[tn]
	return ok && mod == "Flux" && known
}

func isActivation(name string) bool {
	for _, a := range activations {
		if a == name {
			return true
		}
	}
	return false
}

func isConnection(name string) bool {
	for _, a := range connections {
		if a == name {
			return true
		}
	}
	return false
}

// allowedType reports whether a datatype may appear (as a type parameter,
// element type or struct type).
func allowedType(name string) bool {
	if typeOnly[name] || primitiveStructs[name] {
		return true
	}
	_, ok := lookupStruct(name)
	return ok
}

func cutLast(name string) (string, string, bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return "", name, false
	}
	return name[:i], name[i+1:], true
}

// funcName returns the function a type or ref name denotes ("run" for
// "Base.#run" or "Base.run"), and whether the last element was a singleton
// type name ("#run").
func funcName(name string) (string, bool) {
	_, last, _ := cutLast(name)
	if strings.HasPrefix(last, "#") {
		return strings.TrimPrefix(last, "#"), true
	}
	return last, false
}
