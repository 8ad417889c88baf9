package nn

import (
	"bufio"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// nn2AllActs lists every activation of spec v1 (kept here so that a new
// activation in spec makes TestActivationGoldenCoverage fail until it has
// golden values).
var nn2AllActs = []spec.Activation{
	spec.ActIdentity, spec.ActReLU, spec.ActReLU6, spec.ActLeakyReLU, spec.ActELU, spec.ActSELU,
	spec.ActCELU, spec.ActGELUTanh, spec.ActGELUErf, spec.ActSwish, spec.ActSiLU, spec.ActSigmoid,
	spec.ActHardSigmoid, spec.ActLogSigmoid, spec.ActTanh, spec.ActHardTanh, spec.ActSoftplus,
	spec.ActSoftsign, spec.ActMish, spec.ActTanhShrink,
}

// nn2Default returns the Act a parsed spec holds for name (alpha filled).
func nn2Default(a spec.Activation) spec.Act {
	switch a {
	case spec.ActLeakyReLU:
		return spec.Act{Activation: a, Alpha: 0.01}
	case spec.ActELU, spec.ActCELU:
		return spec.Act{Activation: a, Alpha: 1}
	}
	return spec.Act{Activation: a}
}

// nn2Apply evaluates the compiled activation a on one value.
func nn2Apply(t testing.TB, a spec.Act, x float32) float32 {
	t.Helper()
	f, err := compileAct(a)
	if err != nil {
		t.Fatalf("compileAct(%v): %v", a, err)
	}
	v := []float32{x}
	if f != nil {
		f(v)
	}
	return v[0]
}

// nn2Close reports whether got is within rel of want, with an absolute
// slack abs for values near zero.
func nn2Close(got float32, want, rel, abs float64) bool {
	g := float64(got)
	if math.IsNaN(want) {
		return math.IsNaN(g)
	}
	if math.IsInf(want, 0) {
		return g == want
	}
	return math.Abs(g-want) <= rel*math.Abs(want)+abs
}

type nn2Golden struct {
	act   spec.Act
	x     float32
	want  float64
	line  int
	input string
}

// nn2ReadGolden reads testdata/activation_golden.txt (made by
// activation_golden.py with mpmath at 60 digits).
func nn2ReadGolden(t *testing.T) []nn2Golden {
	t.Helper()
	f, err := os.Open("testdata/activation_golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []nn2Golden
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 4 {
			t.Fatalf("line %d: %q", ln, line)
		}
		alpha, err1 := strconv.ParseFloat(fs[1], 64)
		x, err2 := strconv.ParseFloat(fs[2], 64)
		want, err3 := strconv.ParseFloat(fs[3], 64)
		if err3 != nil && errors.Is(err3, strconv.ErrRange) && want == 0 {
			err3 = nil // underflows float64: the float32 answer is 0 too
		}
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("line %d: %v", ln, err)
		}
		out = append(out, nn2Golden{spec.Act{Activation: spec.Activation(fs[0]), Alpha: alpha}, float32(x), want, ln, line})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestActivationGolden compares every activation against mpmath values at
// inputs from ±1e-30 to ±3e38: relative 1e-6 (plus the float32 denormal
// spacing).
func TestActivationGolden(t *testing.T) {
	t.Parallel()
	cases := nn2ReadGolden(t)
	seen := map[spec.Activation]int{}
	for _, c := range cases {
		seen[c.act.Activation]++
		got := nn2Apply(t, c.act, c.x)
		if !nn2Close(got, c.want, 1e-6, 1.5e-45) {
			t.Errorf("line %d %s(alpha=%v)(%v) = %v, want %v", c.line, c.act.Activation, c.act.Alpha, c.x, got, c.want)
		}
	}
	for _, a := range nn2AllActs {
		if a != spec.ActIdentity && seen[a] == 0 {
			t.Errorf("no golden values for %s", a)
		}
	}
}

// TestActivationHand checks values computed by hand (and NNlib's doc
// examples: elu(-10f0) = -0.9999546f0, selu(-10f0) = -1.7580194f0,
// leakyrelu(-10f0, 1//5) = -2.0f0).
func TestActivationHand(t *testing.T) {
	t.Parallel()
	ln2 := math.Ln2
	cases := []struct {
		act  spec.Act
		x    float32
		want float64
	}{
		{spec.Act{Activation: spec.ActIdentity}, 5, 5},
		{spec.Act{Activation: spec.ActReLU}, -2, 0},
		{spec.Act{Activation: spec.ActReLU}, 2, 2},
		{spec.Act{Activation: spec.ActReLU6}, 7, 6},
		{spec.Act{Activation: spec.ActReLU6}, 5.5, 5.5},
		{spec.Act{Activation: spec.ActLeakyReLU, Alpha: 0.2}, -10, -2},
		{spec.Act{Activation: spec.ActLeakyReLU, Alpha: 0.01}, 3, 3},
		{spec.Act{Activation: spec.ActELU, Alpha: 1}, -10, -0.9999546},
		{spec.Act{Activation: spec.ActELU, Alpha: 2}, -10, -1.9999092},
		{spec.Act{Activation: spec.ActSELU}, -10, -1.7580194},
		{spec.Act{Activation: spec.ActSELU}, 1, seluLambda},
		{spec.Act{Activation: spec.ActCELU, Alpha: 2}, -2, 2 * (math.Exp(-1) - 1)},
		{spec.Act{Activation: spec.ActSigmoid}, 0, 0.5},
		{spec.Act{Activation: spec.ActHardSigmoid}, 0, 0.5},
		{spec.Act{Activation: spec.ActHardSigmoid}, -3, 0},
		{spec.Act{Activation: spec.ActHardSigmoid}, 1.5, 0.75},
		{spec.Act{Activation: spec.ActHardSigmoid}, 4, 1},
		{spec.Act{Activation: spec.ActHardTanh}, -2, -1},
		{spec.Act{Activation: spec.ActHardTanh}, 0.25, 0.25},
		{spec.Act{Activation: spec.ActSoftsign}, 1, 0.5},
		{spec.Act{Activation: spec.ActSoftsign}, -3, -0.75},
		{spec.Act{Activation: spec.ActSoftplus}, 0, ln2},
		{spec.Act{Activation: spec.ActLogSigmoid}, 0, -ln2},
		{spec.Act{Activation: spec.ActSwish}, 0, 0},
		{spec.Act{Activation: spec.ActSiLU}, 2, 2 / (1 + math.Exp(-2))},
		{spec.Act{Activation: spec.ActTanh}, 0, 0},
		{spec.Act{Activation: spec.ActTanhShrink}, 0, 0},
		{spec.Act{Activation: spec.ActMish}, 0, 0},
		{spec.Act{Activation: spec.ActGELUErf}, 0, 0},
		{spec.Act{Activation: spec.ActGELUErf}, 1, 0.8413447460685429},
		{spec.Act{Activation: spec.ActGELUTanh}, 1, 0.8411919906082768},
	}
	for _, c := range cases {
		if got := nn2Apply(t, c.act, c.x); !nn2Close(got, c.want, 2e-7, 0) {
			t.Errorf("%s(alpha=%v)(%v) = %v, want %v", c.act.Activation, c.act.Alpha, c.x, got, c.want)
		}
	}
}

// nn2RefAct is NNlib's definition of each activation, written literally in
// float64 (no stabilisation): valid where it does not overflow or cancel,
// i.e. for moderate |x|.
func nn2RefAct(a spec.Act, x float64) float64 {
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	sp := func(v float64) float64 { return math.Log(1 + math.Exp(v)) }
	switch a.Activation {
	case spec.ActIdentity:
		return x
	case spec.ActReLU:
		return math.Max(0, x)
	case spec.ActReLU6:
		return math.Min(math.Max(0, x), 6)
	case spec.ActLeakyReLU:
		return math.Max(a.Alpha*x, x)
	case spec.ActELU:
		if x > 0 {
			return x
		}
		return a.Alpha * (math.Exp(x) - 1)
	case spec.ActSELU:
		if x > 0 {
			return 1.0507009873554804934193349852946 * x
		}
		return 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717 * (math.Exp(x) - 1)
	case spec.ActCELU:
		return math.Max(0, x) + math.Min(0, a.Alpha*(math.Exp(x/a.Alpha)-1))
	case spec.ActGELUTanh:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case spec.ActGELUErf:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt(2)))
	case spec.ActSwish, spec.ActSiLU:
		return x * sig(x)
	case spec.ActSigmoid:
		return sig(x)
	case spec.ActHardSigmoid:
		return math.Max(0, math.Min(1, (x+3)/6))
	case spec.ActLogSigmoid:
		return math.Log(sig(x))
	case spec.ActTanh:
		return math.Tanh(x)
	case spec.ActHardTanh:
		return math.Max(-1, math.Min(1, x))
	case spec.ActSoftplus:
		return sp(x)
	case spec.ActSoftsign:
		return x / (1 + math.Abs(x))
	case spec.ActMish:
		return x * math.Tanh(sp(x))
	case spec.ActTanhShrink:
		return x - math.Tanh(x)
	}
	panic("unknown activation " + string(a.Activation))
}

// TestActivationSweep compares every activation with its literal NNlib
// definition on random inputs in [-8, 8], and checks that every output is
// finite for random finite inputs of every magnitude.
func TestActivationSweep(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	moderate := make([]float32, 4000)
	for i := range moderate {
		moderate[i] = float32(rng.Float64()*16 - 8)
	}
	wide := make([]float32, 4000)
	for i := range wide {
		m := math.Pow(10, rng.Float64()*76-38) // 1e-38 .. 1e38
		if rng.IntN(2) == 0 {
			m = -m
		}
		wide[i] = float32(m)
	}
	wide = append(wide, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 0)
	for _, name := range nn2AllActs {
		act := nn2Default(name)
		f, err := compileAct(act)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f == nil {
			continue
		}
		x := append([]float32(nil), moderate...)
		f(x)
		for i, v := range moderate {
			want := nn2RefAct(act, float64(v))
			if !nn2Close(x[i], want, 2e-6, 1e-12) {
				t.Errorf("%s(%v) = %v, want %v", name, v, x[i], want)
				break
			}
		}
		y := append([]float32(nil), wide...)
		f(y)
		for i, v := range y {
			// Every true value is finite except selu(x) for x > MaxFloat32/λ.
			finiteOK := !(name == spec.ActSELU && wide[i] > math.MaxFloat32/1.06)
			if finiteOK && (math.IsNaN(float64(v)) || math.IsInf(float64(v), 0)) {
				t.Errorf("%s(%v) = %v, want finite", name, wide[i], v)
				break
			}
		}
	}
}

func TestCompileActErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		act  spec.Act
		code string
	}{
		{spec.Act{Activation: "bogus"}, modelgate.EUNSUPPORTED},
		{spec.Act{Activation: "ReLU"}, modelgate.EUNSUPPORTED},
		{spec.Act{Activation: spec.ActReLU, Alpha: 0.5}, modelgate.EINVALID},
		{spec.Act{Activation: spec.ActIdentity, Alpha: 1}, modelgate.EINVALID},
		{spec.Act{Activation: spec.ActLeakyReLU, Alpha: -0.1}, modelgate.EINVALID},
		{spec.Act{Activation: spec.ActELU, Alpha: -1}, modelgate.EINVALID},
		{spec.Act{Activation: spec.ActCELU, Alpha: math.NaN()}, modelgate.EINVALID},
		{spec.Act{Activation: spec.ActELU, Alpha: math.Inf(1)}, modelgate.EINVALID},
	}
	for _, c := range cases {
		f, err := compileAct(c.act)
		if err == nil || f != nil {
			t.Errorf("compileAct(%+v) = %v, %v; want error", c.act, f != nil, err)
			continue
		}
		if got := modelgate.ErrorCode(err); got != c.code {
			t.Errorf("compileAct(%+v): code %q, want %q (%v)", c.act, got, c.code, err)
		}
	}
	// A zero alpha (never left by spec.Resolve) is the default.
	if got := nn2Apply(t, spec.Act{Activation: spec.ActCELU}, -1); !nn2Close(got, math.Expm1(-1), 1e-7, 0) {
		t.Errorf("celu with alpha 0: %v", got)
	}
	if got := nn2Apply(t, spec.Act{Activation: spec.ActLeakyReLU}, -100); !nn2Close(got, -1, 1e-7, 0) {
		t.Errorf("leakyrelu with alpha 0: %v", got)
	}
}

func TestActivationLayer(t *testing.T) {
	t.Parallel()
	li := spec.LayerInfo{Pointer: "/layers/2", In: spec.Shape{2, 3}, Out: spec.Shape{2, 3}}
	o, err := newActivationLayer(&spec.ActivationLayer{Act: spec.Act{Activation: spec.ActReLU6}}, li)
	if err != nil {
		t.Fatal(err)
	}
	in := []float32{-1, 0, 1, 5, 6, 7, 8, -8, 2.5, 3, 100, -0.5}
	out := make([]float32, len(in))
	if err := o.forward(context.Background(), 2, in, out); err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 1, 5, 6, 6, 6, 0, 2.5, 3, 6, 0}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("out = %v, want %v", out, want)
		}
	}
	if in[0] != -1 {
		t.Error("forward modified its input")
	}
	// Identity copies.
	id, err := newActivationLayer(&spec.ActivationLayer{Act: spec.Act{Activation: spec.ActIdentity}}, li)
	if err != nil {
		t.Fatal(err)
	}
	if err := id.forward(context.Background(), 2, in, out); err != nil || out[11] != -0.5 {
		t.Fatalf("identity: %v %v", out, err)
	}
	nn2CheckOpErrors(t, o, 6, 6)
	bad := []spec.LayerInfo{
		{In: spec.Shape{2, 3}, Out: spec.Shape{3, 2}},
		{In: spec.Shape{2, 3}, Out: spec.Shape{6}},
		{In: spec.Shape{}, Out: spec.Shape{}},
		{In: spec.Shape{0}, Out: spec.Shape{0}},
		{In: spec.Shape{1 << 20, 1 << 20}, Out: spec.Shape{1 << 20, 1 << 20}},
	}
	for _, b := range bad {
		if _, err := newActivationLayer(&spec.ActivationLayer{Act: spec.Act{Activation: spec.ActTanh}}, b); err == nil {
			t.Errorf("newActivationLayer(%v -> %v): no error", b.In, b.Out)
		}
	}
	if _, err := newActivationLayer(&spec.ActivationLayer{Act: spec.Act{Activation: "nope"}}, li); err == nil {
		t.Error("unknown activation accepted")
	} else if e := (*modelgate.Error)(nil); !errors.As(err, &e) || e.Where != "/layers/2" {
		t.Errorf("error %v lacks the layer pointer", err)
	}
}

// nn2CheckOpErrors checks that o refuses bad batch sizes and buffer lengths
// with an error and honours a cancelled context. inPer and outPer are the
// per-sample sizes.
func nn2CheckOpErrors(t *testing.T, o op, inPer, outPer int) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct{ n, in, out int }{
		{0, 0, 0}, {-1, inPer, outPer}, {1, inPer - 1, outPer}, {1, inPer, outPer + 1}, {2, inPer, outPer},
	} {
		if err := o.forward(ctx, c.n, make([]float32, max(c.in, 0)), make([]float32, max(c.out, 0))); err == nil {
			t.Errorf("forward(n=%d, in=%d, out=%d): no error", c.n, c.in, c.out)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := o.forward(cctx, 1, make([]float32, inPer), make([]float32, outPer)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled forward: %v, want context.Canceled", err)
	}
}

func BenchmarkActivation(b *testing.B) {
	const n = 1 << 16
	rng := rand.New(rand.NewPCG(3, 4))
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(rng.NormFloat64() * 3)
	}
	for _, name := range nn2AllActs {
		if name == spec.ActIdentity || name == spec.ActSiLU {
			continue
		}
		f, err := compileAct(nn2Default(name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(name), func(b *testing.B) {
			x := make([]float32, n)
			for b.Loop() {
				copy(x, src)
				f(x)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
}

// TestFastSigmoidTanh sweeps the float32 sigmoid and tanh densely over
// [-100, 100] and over tiny magnitudes, against float64: relative error
// must stay below 1e-6.
func TestFastSigmoidTanh(t *testing.T) {
	t.Parallel()
	var xs []float32
	for x := -100.0; x <= 100; x += 1.0 / 1024 {
		xs = append(xs, float32(x))
	}
	for e := -45.0; e < 0; e += 0.01 {
		xs = append(xs, float32(math.Pow(10, e)), -float32(math.Pow(10, e)))
	}
	xs = append(xs, 0.625, -0.625, math.Nextafter32(0.625, 0), 9.5, -9.5, 87, -87, 88, -88, 1e30, -1e30)
	var worstS, worstT float64
	for _, x := range xs {
		ws, wt := sigmoid64(float64(x)), math.Tanh(float64(x))
		rs := math.Abs(float64(sigmoid32(x))-ws) / math.Max(math.Abs(ws), 1e-300)
		rt := math.Abs(float64(tanh32(x))-wt) / math.Max(math.Abs(wt), 1e-300)
		if math.Abs(ws) < 1e-37 { // float32 subnormal range: absolute spacing
			rs = math.Abs(float64(sigmoid32(x))-ws) / 1e-37
		}
		if rs > 1e-6 || rt > 1e-6 {
			t.Fatalf("x=%v: sigmoid %v (want %v), tanh %v (want %v)", x, sigmoid32(x), ws, tanh32(x), wt)
		}
		worstS, worstT = max(worstS, rs), max(worstT, rt)
	}
	t.Logf("max relative error: sigmoid %.3g, tanh %.3g over %d inputs", worstS, worstT, len(xs))
	// The slice kernels inline expf: they must agree bitwise with the
	// scalar functions checked above.
	xs = append(xs, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -100, 100, 9.6, -9.6)
	ys, yt := slices.Clone(xs), slices.Clone(xs)
	actSigmoid(ys)
	actTanh(yt)
	for i, x := range xs {
		s, th := sigmoid32(x), tanh32(x)
		if math.Float32bits(ys[i]) != math.Float32bits(s) && !(s != s && ys[i] != ys[i]) ||
			math.Float32bits(yt[i]) != math.Float32bits(th) && !(th != th && yt[i] != yt[i]) {
			t.Fatalf("x=%v: slice kernels %v %v, scalar %v %v", x, ys[i], yt[i], s, th)
		}
	}
	if v := sigmoid32(float32(math.NaN())); v == v {
		t.Error("sigmoid(NaN) is not NaN")
	}
	if v := tanh32(float32(math.NaN())); v == v {
		t.Error("tanh(NaN) is not NaN")
	}
	if sigmoid32(float32(math.Inf(-1))) != 0 || sigmoid32(float32(math.Inf(1))) != 1 || tanh32(float32(math.Inf(-1))) != -1 {
		t.Error("infinities")
	}
}

// FuzzActivation evaluates every activation on arbitrary float32 bit
// patterns: no panic, finite output for finite input (selu may overflow
// near MaxFloat32), and agreement with the literal definition on [-8, 8].
func FuzzActivation(f *testing.F) {
	for _, v := range []float32{0, 1, -1, 1e-30, -87.5, 88.5, 9.5, -0.625, math.MaxFloat32, float32(math.NaN()), float32(math.Inf(-1))} {
		f.Add(math.Float32bits(v), uint8(0))
	}
	f.Fuzz(func(t *testing.T, bits uint32, which uint8) {
		name := nn2AllActs[int(which)%len(nn2AllActs)]
		act := nn2Default(name)
		x := math.Float32frombits(bits)
		y := nn2Apply(t, act, x)
		xf := float64(x)
		if math.IsNaN(xf) || math.IsInf(xf, 0) {
			return
		}
		if (math.IsNaN(float64(y)) || math.IsInf(float64(y), 0)) && !(name == spec.ActSELU && x > math.MaxFloat32/1.06) {
			t.Fatalf("%s(%v) = %v", name, x, y)
		}
		if math.Abs(xf) <= 8 {
			if want := nn2RefAct(act, xf); !nn2Close(y, want, 2e-6, 1e-12) {
				t.Fatalf("%s(%v) = %v, want %v", name, x, y, want)
			}
		}
	})
}

// TestElementwiseThreads checks that the activation and upsample layers
// give bitwise identical results for 1 and several goroutines, and that the
// parallel path (large inputs) agrees with the element-wise definition.
func TestElementwiseThreads(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(51, 52))
	li := spec.LayerInfo{In: spec.Shape{8, 99, 97}, Out: spec.Shape{8, 99, 97}}
	x := nn2Rand(rng, 2*8*99*97, 6)
	var ref []float32
	for _, threads := range []int{1, 2, 5} {
		o, err := newActivationLayer(&spec.ActivationLayer{Act: spec.Act{Activation: spec.ActGELUTanh}}, li)
		if err != nil {
			t.Fatal(err)
		}
		o.(*activationOp).setThreads(threads)
		out := make([]float32, len(x))
		if err := o.forward(context.Background(), 2, x, out); err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = out
			for i, v := range x {
				if want := nn2RefAct(spec.Act{Activation: spec.ActGELUTanh}, float64(v)); !nn2Close(out[i], want, 2e-6, 1e-12) {
					t.Fatalf("gelu(%v) = %v, want %v", v, out[i], want)
				}
			}
			continue
		}
		for i := range out {
			if out[i] != ref[i] {
				t.Fatalf("activation with %d threads differs at %d", threads, i)
			}
		}
	}
	var up []float32
	for _, threads := range []int{1, 2, 5} {
		o := nn2NewUpsample(t, 8, 99, 97, []int{2, 3}, "bilinear", false)
		o.(*upsampleOp).setThreads(threads)
		out := make([]float32, 2*8*198*291)
		if err := o.forward(context.Background(), 2, x, out); err != nil {
			t.Fatal(err)
		}
		if up == nil {
			up = out
			continue
		}
		for i := range out {
			if out[i] != up[i] {
				t.Fatalf("upsample with %d threads differs at %d", threads, i)
			}
		}
	}
}

// TestExpm1Neg sweeps the float32 e^x - 1 over [-87, 0] and tiny
// magnitudes against math.Expm1: relative error below 1e-6.
func TestExpm1Neg(t *testing.T) {
	t.Parallel()
	var xs []float32
	for x := -87.0; x <= 0; x += 1.0 / 4096 {
		xs = append(xs, float32(x))
	}
	for e := -45.0; e < 0; e += 0.01 {
		xs = append(xs, -float32(math.Pow(10, e)))
	}
	xs = append(xs, -0.35, math.Nextafter32(-0.35, 0), math.Nextafter32(-0.35, -1))
	worst := 0.0
	for _, x := range xs {
		want := math.Expm1(float64(x))
		got := float64(expm1Neg(x))
		rel := math.Abs(got-want) / math.Max(math.Abs(want), 1e-300)
		if rel > 1e-6 {
			t.Fatalf("expm1Neg(%v) = %v, want %v", x, got, want)
		}
		worst = max(worst, rel)
	}
	t.Logf("max relative error %.3g over %d inputs", worst, len(xs))
	// Extreme alphas take the float64 path and stay finite at ±0.
	for _, alpha := range []float64{1e-300, 1e300, 1e-7, 1e7} {
		for _, act := range []spec.Activation{spec.ActELU, spec.ActCELU} {
			for _, x := range []float32{0, float32(math.Copysign(0, -1)), -1, 1, -1e30} {
				y := nn2Apply(t, spec.Act{Activation: act, Alpha: alpha}, x)
				if y != y {
					t.Errorf("%s(alpha=%v)(%v) = NaN", act, alpha, x)
				}
			}
		}
	}
}
