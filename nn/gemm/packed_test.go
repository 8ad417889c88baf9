package gemm

import (
	"slices"
	"testing"
)

// TestPackedMatchesUnpacked checks SgemmPacked against the unpacked product
// bit for bit, on every path, with normal and tiny blocks.
func TestPackedMatchesUnpacked(t *testing.T) {
	t.Parallel()
	shapes := [][3]int{{1, 50, 70}, {3, 40, 33}, {5, 1, 9}, {13, 100, 257}, {300, 100, 130}, {60, 500, 90}, {7, 7, 7}}
	for _, base := range paths(t) {
		for _, kern := range []*kernel{base, smallBlocks(base)} {
			for i, s := range shapes {
				tr := transposes[i%4]
				tc := gemmCase{tA: tr[0], tB: tr[1], m: s[0], n: s[1], k: s[2], alpha: 1.5, beta: 0.5, pad: i % 3}
				o := makeOperands(tc, 11)
				want := call(kern, 1, tc, o)
				pb := packWith(kern, tc.tB, tc.k, tc.n, o.b, o.ldb)
				for _, th := range []int{1, 2, 3} {
					c := slices.Clone(o.c)
					p := problem{transA: tc.tA, transB: tc.tB, m: tc.m, n: tc.n, k: tc.k,
						alpha: tc.alpha, a: o.a, lda: o.lda, b: o.b, ldb: o.ldb,
						beta: tc.beta, c: c, ldc: o.ldc}
					runWith(kern, th, &p, pb)
					if !slices.Equal(bitsOf(c), bitsOf(want)) {
						t.Errorf("%s %v: packed with %d threads differs", kern.name, tc, th)
					}
				}
			}
		}
	}
}

// TestPublicPacked checks PackB and SgemmPacked on the selected path.
func TestPublicPacked(t *testing.T) {
	t.Parallel()
	tc := gemmCase{tB: true, m: 64, n: 130, k: 300, alpha: 1, beta: 0, nanC: true}
	o := makeOperands(tc, 4)
	want := slices.Clone(o.c)
	SgemmThreads(2, false, true, tc.m, tc.n, tc.k, 1, o.a, o.lda, o.b, o.ldb, 0, want, o.ldc)
	pb := PackB(true, tc.k, tc.n, o.b, o.ldb)
	if pb.K() != tc.k || pb.N() != tc.n {
		t.Fatalf("PackB dims = %d×%d", pb.K(), pb.N())
	}
	got := slices.Clone(o.c)
	SgemmPacked(2, false, tc.m, 1, o.a, o.lda, pb, 0, got, o.ldc)
	if !slices.Equal(bitsOf(got), bitsOf(want)) {
		t.Error("SgemmPacked differs from SgemmThreads")
	}
	empty := PackB(false, 0, 5, nil, 5)
	c := []float32{1, 2, 3, 4, 5}
	SgemmPacked(1, false, 1, 1, nil, 1, empty, 2, c, 5)
	if !slices.Equal(c, []float32{2, 4, 6, 8, 10}) {
		t.Errorf("k=0 packed product: %v", c)
	}
}

// TestConcurrentCalls runs products from several goroutines at once (the
// pooled buffers and shared packed weights must not leak between calls).
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	tcs := []gemmCase{
		{m: 70, n: 90, k: 130, alpha: 1, beta: 0},
		{tB: true, m: 40, n: 300, k: 77, alpha: 2.5, beta: 1},
		{tA: true, m: 1, n: 500, k: 200, alpha: 1, beta: -1},
		{m: 130, n: 1, k: 300, alpha: -1, beta: 0},
	}
	type job struct {
		tc   gemmCase
		o    operands
		pb   *PackedB
		want []float32
	}
	jobs := make([]job, len(tcs))
	for i, tc := range tcs {
		o := makeOperands(tc, uint64(i))
		jobs[i] = job{tc: tc, o: o, pb: PackB(tc.tB, tc.k, tc.n, o.b, o.ldb), want: call(selected, 1, tc, o)}
	}
	done := make(chan string, 4*len(jobs))
	for g := range 4 * len(jobs) {
		go func() {
			j := jobs[g%len(jobs)]
			c := slices.Clone(j.o.c)
			if g%2 == 0 {
				SgemmThreads(2, j.tc.tA, j.tc.tB, j.tc.m, j.tc.n, j.tc.k, j.tc.alpha, j.o.a, j.o.lda, j.o.b, j.o.ldb, j.tc.beta, c, j.o.ldc)
			} else {
				SgemmPacked(2, j.tc.tA, j.tc.m, j.tc.alpha, j.o.a, j.o.lda, j.pb, j.tc.beta, c, j.o.ldc)
			}
			if !slices.Equal(bitsOf(c), bitsOf(j.want)) {
				done <- j.tc.String()
				return
			}
			done <- ""
		}()
	}
	for range 4 * len(jobs) {
		if msg := <-done; msg != "" {
			t.Errorf("concurrent call differs: %s", msg)
		}
	}
}
