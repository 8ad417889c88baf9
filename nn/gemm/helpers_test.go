package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmCase is one call: shapes, transposes, scalars and extra stride.
type gemmCase struct {
	tA, tB      bool
	m, n, k     int
	alpha, beta float32
	pad         int // added to lda, ldb and ldc
	nanC        bool
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d",
		tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// operands are the stored matrices of a case.
type operands struct {
	a, b, c       []float32
	lda, ldb, ldc int
}

// stored returns the rows and columns of a matrix as stored.
func stored(trans bool, r, c int) (int, int) {
	if trans {
		return c, r
	}
	return r, c
}

// minLen is the smallest slice holding rows×cols with stride ld.
func minLen(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

// makeOperands builds random operands for tc with exact minimum lengths;
// the padding of C between rows holds a sentinel.
func makeOperands(tc gemmCase, seed uint64) operands {
	r := rand.New(rand.NewPCG(seed, uint64(tc.m*1000003+tc.n*1009+tc.k)))
	ar, ac := stored(tc.tA, tc.m, tc.k)
	br, bc := stored(tc.tB, tc.k, tc.n)
	o := operands{lda: max(ac, 1) + tc.pad, ldb: max(bc, 1) + tc.pad, ldc: max(tc.n, 1) + tc.pad}
	o.a = randSlice(r, minLen(ar, ac, o.lda))
	o.b = randSlice(r, minLen(br, bc, o.ldb))
	o.c = randSlice(r, minLen(tc.m, tc.n, o.ldc))
	for i := range o.c {
		if i%o.ldc >= tc.n {
			o.c[i] = sentinel
		} else if tc.nanC {
			o.c[i] = float32(math.NaN())
		}
	}
	return o
}

const sentinel = float32(12345.5)

// at returns op(X)(i, j) of a stored matrix.
func at(x []float32, ld int, trans bool, i, j int) float64 {
	if trans {
		return float64(x[j*ld+i])
	}
	return float64(x[i*ld+j])
}

// reference computes the expected C in float64 and, per element, an error
// bound proportional to Σ|alpha·a·b| + |beta·c|.
func reference(tc gemmCase, o operands) (want, bound []float64) {
	want = make([]float64, tc.m*tc.n)
	bound = make([]float64, tc.m*tc.n)
	eps := float64(tc.k+4) * 1.2e-7
	for i := range tc.m {
		for j := range tc.n {
			var s, abs float64
			for p := range tc.k {
				v := at(o.a, o.lda, tc.tA, i, p) * at(o.b, o.ldb, tc.tB, p, j)
				s += v
				abs += math.Abs(v)
			}
			s *= float64(tc.alpha)
			abs *= math.Abs(float64(tc.alpha))
			if tc.beta != 0 {
				cv := float64(tc.beta) * float64(o.c[i*o.ldc+j])
				s += cv
				abs += math.Abs(cv)
			}
			want[i*tc.n+j] = s
			bound[i*tc.n+j] = eps*abs + 1e-30
		}
	}
	return want, bound
}

// call runs tc on kern with threads and returns the resulting C buffer.
func call(kern *kernel, threads int, tc gemmCase, o operands) []float32 {
	c := append([]float32(nil), o.c...)
	p := problem{
		transA: tc.tA, transB: tc.tB, m: tc.m, n: tc.n, k: tc.k,
		alpha: tc.alpha, a: o.a, lda: o.lda, b: o.b, ldb: o.ldb,
		beta: tc.beta, c: c, ldc: o.ldc,
	}
	run(kern, threads, &p)
	return c
}

// check compares C against the reference and that row padding is intact.
func check(t *testing.T, tc gemmCase, o operands, got []float32, want, bound []float64) {
	t.Helper()
	bad := 0
	for i := range got {
		r, col := i/o.ldc, i%o.ldc
		if col >= tc.n {
			if got[i] != sentinel {
				t.Errorf("%v: padding C[%d][%d] changed to %g", tc, r, col, got[i])
				bad++
			}
		} else if d := math.Abs(float64(got[i]) - want[r*tc.n+col]); !(d <= bound[r*tc.n+col]) {
			t.Errorf("%v: C[%d][%d] = %g, want %g (±%g)", tc, r, col, got[i], want[r*tc.n+col], bound[r*tc.n+col])
			bad++
		}
		if bad > 5 {
			t.Fatalf("%v: too many errors", tc)
		}
	}
}

// paths returns the kernels the CPU supports; it logs the others.
func paths(t testing.TB) []*kernel {
	var ks []*kernel
	for _, kp := range kernelPaths() {
		if kp.missing != "" {
			t.Logf("path %s not tested: CPU lacks %s", kp.kern.name, kp.missing)
			continue
		}
		ks = append(ks, kp.kern)
	}
	return ks
}
