package gemm

import (
	"math"
	"slices"
	"sync"
	"testing"
)

var (
	smallSizes = []int{1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129}
	scalars    = [][2]float32{{1, 0}, {2.5, 1}, {-1, 2.5}, {1, -1}, {2.5, 0}, {0, 2.5}, {-1, 0}, {1, 1}}
	transposes = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}
)

// accuracyCases lists the cases every path must match the reference on.
func accuracyCases(big bool) []gemmCase {
	var cs []gemmCase
	for _, s := range smallSizes {
		for _, tr := range transposes {
			cs = append(cs, gemmCase{tA: tr[0], tB: tr[1], m: s, n: s, k: s, alpha: 1})
		}
	}
	for i := range smallSizes {
		m, n, k := smallSizes[i], smallSizes[(i+5)%len(smallSizes)], smallSizes[(i+11)%len(smallSizes)]
		for j, tr := range transposes {
			sc := scalars[(i+j)%len(scalars)]
			cs = append(cs, gemmCase{tA: tr[0], tB: tr[1], m: m, n: n, k: k,
				alpha: sc[0], beta: sc[1], pad: (i % 3) * 3, nanC: sc[1] == 0})
			cs = append(cs, gemmCase{tA: tr[0], tB: tr[1], m: k, n: m, k: n,
				alpha: sc[1] + 1, beta: sc[0], pad: (j % 2) * 5, nanC: sc[0] == 0})
		}
	}
	for i, sc := range scalars {
		for _, tr := range transposes {
			cs = append(cs, gemmCase{tA: tr[0], tB: tr[1], m: 17 + i, n: 33, k: 65,
				alpha: sc[0], beta: sc[1], pad: 1, nanC: sc[1] == 0})
			cs = append(cs, gemmCase{tA: tr[0], tB: tr[1], m: 1, n: 100 + i, k: 31,
				alpha: sc[0], beta: sc[1], pad: 2, nanC: sc[1] == 0})
		}
	}
	if !big {
		return cs
	}
	bigShapes := [][3]int{
		{1000, 33, 257}, {7, 1025, 1023}, {257, 257, 1025}, {1025, 65, 1000},
		{1, 1025, 1000}, {1000, 1, 1023}, {1023, 100, 129}, {65, 1000, 300},
		{40, 2100, 1030}, // several n and k blocks
	}
	for i, s := range bigShapes {
		for j := range 2 {
			tr := transposes[(i+2*j)%4]
			sc := scalars[(i+j)%len(scalars)]
			cs = append(cs, gemmCase{tA: tr[0], tB: tr[1], m: s[0], n: s[1], k: s[2],
				alpha: sc[0], beta: sc[1], pad: j * 3, nanC: sc[1] == 0})
		}
	}
	return cs
}

// prepared is a case with its operands and lazily computed reference.
type prepared struct {
	tc          gemmCase
	o           operands
	once        sync.Once
	want, bound []float64
}

func (p *prepared) ref() ([]float64, []float64) {
	p.once.Do(func() { p.want, p.bound = reference(p.tc, p.o) })
	return p.want, p.bound
}

func prepare(cs []gemmCase) []*prepared {
	ps := make([]*prepared, len(cs))
	for i, tc := range cs {
		ps[i] = &prepared{tc: tc, o: makeOperands(tc, uint64(i))}
	}
	return ps
}

// TestPathsMatchReference runs every path this CPU supports on odd sizes,
// all transposes, scalar variants and sub-matrix strides.
func TestPathsMatchReference(t *testing.T) {
	t.Parallel()
	big := !testing.Short() && !raceEnabled
	cases := prepare(accuracyCases(big))
	for _, kp := range kernelPaths() {
		t.Run(kp.kern.name, func(t *testing.T) {
			if kp.missing != "" {
				t.Skipf("CPU lacks %s", kp.missing)
			}
			t.Parallel()
			for i, pc := range cases {
				threads := 1 + i%3
				got := call(kp.kern, threads, pc.tc, pc.o)
				want, bound := pc.ref()
				check(t, pc.tc, pc.o, got, want, bound)
			}
		})
	}
}

// smallBlocks returns kern with tiny cache blocks, so that small shapes
// cross many k, m and n block boundaries.
func smallBlocks(kern *kernel) *kernel {
	k := *kern
	k.name += "-smallblocks"
	k.kc, k.mc, k.nc = 40, 2*k.mr, 3*k.nr
	return &k
}

// TestSmallBlocks runs the blocking logic with tiny blocks on every path,
// against the reference and across thread counts.
func TestSmallBlocks(t *testing.T) {
	t.Parallel()
	shapes := [][3]int{{300, 100, 130}, {60, 500, 90}, {5, 300, 41}, {137, 97, 200}}
	for _, base := range paths(t) {
		kern := smallBlocks(base)
		for i, s := range shapes {
			tr := transposes[i%4]
			tc := gemmCase{tA: tr[0], tB: tr[1], m: s[0], n: s[1], k: s[2], alpha: 2.5, beta: -1, pad: 1}
			o := makeOperands(tc, 5)
			want, bound := reference(tc, o)
			one := call(kern, 1, tc, o)
			check(t, tc, o, one, want, bound)
			for _, th := range []int{2, 3, 8} {
				if got := call(kern, th, tc, o); !slices.Equal(bitsOf(got), bitsOf(one)) {
					t.Errorf("%s %v: %d threads differ from 1 thread", kern.name, tc, th)
				}
			}
		}
	}
}

// TestThreadsBitwise checks that every thread count gives the same bits,
// and that repeated calls do too.
func TestThreadsBitwise(t *testing.T) {
	t.Parallel()
	shapes := [][3]int{{100, 129, 257}, {257, 65, 33}, {33, 1025, 100}, {1, 4000, 784}, {129, 1, 300}, {3, 2000, 500}, {600, 40, 300}, {40, 2100, 1100}, {7, 3000, 300}, {6, 2500, 300}}
	for _, kp := range kernelPaths() {
		t.Run(kp.kern.name, func(t *testing.T) {
			if kp.missing != "" {
				t.Skipf("CPU lacks %s", kp.missing)
			}
			t.Parallel()
			for i, s := range shapes {
				tr := transposes[i%4]
				tc := gemmCase{tA: tr[0], tB: tr[1], m: s[0], n: s[1], k: s[2], alpha: 1.5, beta: 0.5, pad: i % 2}
				o := makeOperands(tc, 99)
				base := call(kp.kern, 1, tc, o)
				for _, th := range []int{1, 2, 3, 8} {
					if got := call(kp.kern, th, tc, o); !slices.Equal(bitsOf(got), bitsOf(base)) {
						t.Errorf("%v: %d threads differ from 1 thread", tc, th)
					}
				}
			}
		})
	}
}

func bitsOf(s []float32) []uint32 {
	b := make([]uint32, len(s))
	for i, v := range s {
		b[i] = math.Float32bits(v)
	}
	return b
}

// TestPathsAgree checks the paths against each other within tolerance on
// a shape that exercises the blocking in every dimension.
func TestPathsAgree(t *testing.T) {
	t.Parallel()
	tc := gemmCase{m: 300, n: 700, k: 600, alpha: 1, beta: 0}
	if testing.Short() || raceEnabled {
		tc.m, tc.n, tc.k = 70, 90, 300
	}
	o := makeOperands(tc, 7)
	_, bound := reference(tc, o)
	ks := paths(t)
	base := call(ks[len(ks)-1], 2, tc, o)
	for _, kern := range ks {
		got := call(kern, 2, tc, o)
		for i := range got {
			if d := math.Abs(float64(got[i] - base[i])); d > 2*bound[i] {
				t.Fatalf("%s and %s differ at %d: %g vs %g", kern.name, ks[len(ks)-1].name, i, got[i], base[i])
			}
		}
	}
}

// TestDegenerate covers empty shapes, k == 0 and alpha == 0 (A and B are
// not read, so nil is fine).
func TestDegenerate(t *testing.T) {
	t.Parallel()
	for _, kern := range paths(t) {
		c := []float32{1, 2, 3, 4, 5, 6}
		run(kern, 2, &problem{m: 0, n: 3, k: 4, alpha: 1, beta: 0, c: c, ldc: 3})
		run(kern, 2, &problem{m: 2, n: 0, k: 4, alpha: 1, beta: 0, c: c, ldc: 3})
		if !slices.Equal(c, []float32{1, 2, 3, 4, 5, 6}) {
			t.Errorf("%s: empty product wrote C: %v", kern.name, c)
		}
		run(kern, 2, &problem{m: 2, n: 3, k: 0, alpha: 1, beta: 2, c: c, ldc: 3})
		if !slices.Equal(c, []float32{2, 4, 6, 8, 10, 12}) {
			t.Errorf("%s: k=0, beta=2: %v", kern.name, c)
		}
		run(kern, 2, &problem{m: 2, n: 2, k: 5, alpha: 0, beta: 0, c: c, ldc: 3})
		if !slices.Equal(c, []float32{0, 0, 6, 0, 0, 12}) {
			t.Errorf("%s: alpha=0, beta=0: %v", kern.name, c)
		}
	}
}

// TestPublicAPI checks Sgemm, SgemmThreads and Kernel on the selected path.
func TestPublicAPI(t *testing.T) {
	t.Parallel()
	if Kernel() == "" {
		t.Fatal("Kernel() is empty")
	}
	t.Logf("selected kernel: %s", Kernel())
	tc := gemmCase{tA: true, m: 45, n: 77, k: 130, alpha: 2.5, beta: -1, pad: 2}
	o := makeOperands(tc, 3)
	want, bound := reference(tc, o)
	c := slices.Clone(o.c)
	Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, c, o.ldc)
	check(t, tc, o, c, want, bound)
	c2 := slices.Clone(o.c)
	SgemmThreads(0, tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, c2, o.ldc)
	if !slices.Equal(bitsOf(c), bitsOf(c2)) {
		t.Error("SgemmThreads(0, ...) differs from Sgemm")
	}
}
