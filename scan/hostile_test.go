package scan_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/scan"
)

// hostile is one attack: the file, and either the rule of a blocking
// finding (refused, exit 1) or the error code and rule of a parse failure
// (exit 2).
type hostile struct {
	name     string
	data     func(testing.TB) []byte
	finding  string // rule of a blocking finding
	severity scan.Severity
	errRule  string // rule of the parse error
}

func hostiles() []hostile {
	return []hostile{
		{name: "issue50-subarray-broadcasted-run", data: gadget50, finding: "gadget", severity: scan.Critical},
		{name: "ir-calls-run", data: func(tb testing.TB) []byte {
			return lambdaIR(tb, bson.A{expr("call", gref("Base", "run"), slot(2)), expr("return", ssa(1))}, func(v any) any { return v })
		}, finding: "serialized-code", severity: scan.Critical},
		{name: "known-lambda-without-flag", data: func(tb testing.TB) []byte {
			return lambdaIR(tb, flattenCode(4), func(v any) any { return chain(v) })
		}, finding: "serialized-code", severity: scan.Critical},
		{name: "core-eval-ref", data: func(tb testing.TB) []byte { return file(tb, tup(ref("Core", "eval"))) }, finding: "gadget", severity: scan.Critical},
		{name: "base-run-function", data: func(tb testing.TB) []byte { return file(tb, chain(fn("Base", "#run"))) }, finding: "gadget", severity: scan.Critical},
		{name: "type-outside-allow-list", data: func(tb testing.TB) []byte { return file(tb, st(dt("Foo", "Bar"), 1.0)) }, finding: "type-not-allowed", severity: scan.High},
		{name: "main-user-type", data: func(tb testing.TB) []byte { return file(tb, chain(st(dt("Main", "Evil"), 1.0))) }, finding: "user-type", severity: scan.High},
		{name: "main-user-function", data: func(tb testing.TB) []byte { return file(tb, chain(fn("Main", "#slope"))) }, finding: "user-type", severity: scan.High},
		{name: "fix1-over-run", data: func(tb testing.TB) []byte {
			return file(tb, st(dtp([]string{"Base", "Fix1"}, dt("Base", "#run"), dt("Core", "String")), fn("Base", "#run"), "ls"))
		}, finding: "fix-not-allowed", severity: scan.Critical},
		{name: "forged-ptr", data: func(tb testing.TB) []byte {
			return file(tb, prim(dtp([]string{"Core", "Ptr"}, dt("Core", "Nothing")), []byte{0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0}))
		}, finding: "pointer", severity: scan.Critical},
		{name: "opaque-primitive", data: func(tb testing.TB) []byte { return file(tb, prim(dt("Evil", "Prim"), []byte{1, 2, 3})) }, finding: "opaque-bits", severity: scan.Critical},
		{name: "cuarray", data: func(tb testing.TB) []byte {
			return file(tb, chain(st(dtp([]string{"Flux", "Dense"}), st(dt("CUDA", "CuArray"), int64(1)), f32arr(1), fn("NNlib", "#relu"))))
		}, finding: "gpu-array", severity: scan.High},
		{name: "tracker-call-with-function", data: func(tb testing.TB) []byte {
			return file(tb, st(dt("Tracker", "Call"), fn("Base", "#run"), tup("ls")))
		}, finding: "tracker-call", severity: scan.Critical},
		{name: "wrong-field-count", data: func(tb testing.TB) []byte {
			return file(tb, st(dt("Flux", "Dense"), f32arr(1, 1), f32arr(1), fn("NNlib", "#relu"), 1.0))
		}, finding: "field-count", severity: scan.High},
		{name: "backref-cycle", data: func(tb testing.TB) []byte { return file(tb, br(1), tup(br(1))) }, finding: "backref-cycle", severity: scan.High},
		{name: "duplicate-key-last-differs", data: func(tb testing.TB) []byte {
			return enc(tb, bson.D{{Key: "model", Value: dense(1, 1)}, {Key: "model", Value: fn("Base", "#run")}})
		}, errRule: "duplicate-key"},
		{name: "trailing-bytes", data: func(tb testing.TB) []byte { return append(file(tb, dense(1, 1)), 0) }, errRule: "trailing-bytes"},
		{name: "backref-out-of-range", data: func(tb testing.TB) []byte { return file(tb, br(7), tup()) }, errRule: "backref-range"},
		{name: "deep-200k", data: func(testing.TB) []byte { return deep(200000) }, errRule: "depth"},
		{name: "huge-declared-array", data: func(tb testing.TB) []byte {
			return file(tb, arr(dt("Core", "Float32"), []int64{1 << 30, 1 << 30}, f32(1)))
		}, errRule: "array-size"},
		{name: "huge-declared-document", data: func(tb testing.TB) []byte {
			b := file(tb, dense(1, 1))
			b[0], b[1], b[2], b[3] = 0xff, 0xff, 0xff, 0x7f
			return b
		}, errRule: "truncated"},
		{name: "wrong-primitive-width", data: func(tb testing.TB) []byte { return file(tb, prim(dt("Core", "Float32"), []byte{1, 2, 3})) }, errRule: "primitive-width"},
		{name: "julia-serialization", data: func(testing.TB) []byte { return []byte("7JL\x0a\x04\x00\x00\x00\x00\x00\x00\x00") }, errRule: "format-unsupported"},
		{name: "plain-bson-config", data: func(tb testing.TB) []byte {
			return enc(tb, doc("class_name", "Sequential", "config", doc("layers", bson.A{doc("units", int32(3))})))
		}, errRule: "not-bsonjl"},
		{name: "top-level-tag", data: func(tb testing.TB) []byte { return enc(tb, st(dt("Main", "Policy"))) }, errRule: "top-level-tag"},
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	for _, h := range hostiles() {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			data := h.data(t)
			rep, err := scan.File(context.Background(), data, scan.Options{})
			if h.errRule != "" {
				var me *modelgate.Error
				if err == nil || !asError(err, &me) || me.Rule != h.errRule {
					t.Fatalf("want parse error %s, got %v (report err %v)", h.errRule, err, rep.Err())
				}
				if rep == nil || rep.Error == "" {
					t.Fatalf("report does not carry the error")
				}
				return
			}
			if err != nil {
				t.Fatalf("parse failed: %v", err)
			}
			if rep.Err() == nil {
				t.Fatalf("not refused: %+v", rep.Findings)
			}
			for _, f := range rep.Findings {
				if f.Rule == h.finding && f.Severity == h.severity {
					return
				}
			}
			t.Fatalf("no %s %s finding: %+v", h.severity, h.finding, rep.Findings)
		})
	}
}

// TestHostileAllocation checks that the huge declared sizes and the deep
// nesting cost memory proportional to the file, not to the declarations.
func TestHostileAllocation(t *testing.T) {
	for _, h := range hostiles() {
		if h.name != "huge-declared-array" && h.name != "huge-declared-document" && h.name != "deep-200k" {
			continue
		}
		data := h.data(t)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		scan.File(context.Background(), data, scan.Options{})
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 64*uint64(len(data))+(16<<20) {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", h.name, d, len(data))
		}
	}
}

func TestKnownLambda(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		code bson.A
		ok   bool
	}{
		{"flatten", flattenCode(4), true},
		{"flatten-3", flattenCode(3), true},
		{"extra-statement", append(bson.A{expr("call", gref("Base", "run"), slot(2))}, flattenCode(4)...), false},
		{"size-of-other-slot", bson.A{
			expr("call", gref("Main", "size"), slot(1), int64(4)),
			expr("call", gref("Main", "reshape"), slot(2), gref("Main", ":"), ssa(1)),
			expr("return", ssa(2)),
		}, false},
		{"reshape-to-run", bson.A{
			expr("call", gref("Main", "size"), slot(2), int64(4)),
			expr("call", gref("Base", "run"), slot(2), gref("Main", ":"), ssa(1)),
			expr("return", ssa(2)),
		}, false},
		{"module-elsewhere", bson.A{
			expr("call", gref("Evil", "size"), slot(2), int64(4)),
			expr("call", gref("Main", "reshape"), slot(2), gref("Main", ":"), ssa(1)),
			expr("return", ssa(2)),
		}, false},
		{"unused-value", bson.A{
			expr("call", gref("Main", "size"), slot(2), int64(4)),
			expr("call", gref("Main", "size"), slot(2), int64(4)),
			expr("call", gref("Main", "reshape"), slot(2), gref("Main", ":"), ssa(1)),
			expr("return", ssa(3)),
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := lambdaIR(t, tc.code, func(v any) any { return chain(dense(4, 4), v) })
			rep, err := scan.File(context.Background(), data, scan.Options{AllowKnownLambdas: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Err() == nil; got != tc.ok {
				t.Fatalf("accepted = %v, want %v: %+v", got, tc.ok, rep.Findings)
			}
		})
	}
}

func TestCleanModel(t *testing.T) {
	t.Parallel()
	data := enc(t, doc("model", chain(dense(3, 4), dense(4, 2), fn("NNlib", "#softmax")), "acc", 0.9))
	rep, err := scan.File(context.Background(), data, scan.Options{})
	if err != nil || rep.Err() != nil {
		t.Fatalf("clean model refused: %v %v", err, rep.Err())
	}
	if len(rep.ModelKeys) != 1 || rep.ModelKeys[0] != "model" || rep.Count(scan.Warning) != 1 {
		t.Fatalf("report: %+v", rep)
	}
}

func asError(err error, target **modelgate.Error) bool {
	for err != nil {
		if e, ok := err.(*modelgate.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
