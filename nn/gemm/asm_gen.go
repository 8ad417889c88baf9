//go:build ignore

// asm_gen writes the amd64 assembly kernels of package gemm:
//
//	go run asm_gen.go
//
// It emits kernels_amd64.s: the AVX-512 and AVX2 micro-kernels (see
// microFunc for their contract) and the dot, gemvN and axpy kernels of the
// single-row path.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
)

// isa describes one vector instruction set.
type isa struct {
	name    string // function suffix
	reg     string // "Z" or "Y"
	bytes   int    // vector width in bytes
	nregs   int    // vector registers available
	mr, nv  int    // micro-tile rows and vectors per row
	zero    string // instruction zeroing a register
	bcst    bool   // broadcast A from memory inside each FMA (EVEX)
	gemvAcc int    // accumulators of the m == 1 kernel
}

var (
	avx512 = isa{name: "AVX512", reg: "Z", bytes: 64, nregs: 32, mr: 8, nv: 2, zero: "VPXORD", gemvAcc: 16}
	avx2   = isa{name: "AVX2", reg: "Y", bytes: 32, nregs: 16, mr: 6, nv: 2, zero: "VXORPS", gemvAcc: 12}
)

type gen struct{ bytes.Buffer }

func (g *gen) p(format string, args ...any) {
	fmt.Fprintf(&g.Buffer, format+"\n", args...)
}

func (s isa) r(i int) string { return fmt.Sprintf("%s%d", s.reg, i) }

func (s isa) acc(i, v int) string { return s.r(i*s.nv + v) }

func (s isa) nr() int { return s.nv * s.bytes / 4 }

// micro emits the mr×nr micro-kernel.
func (g *gen) micro(s isa) {
	mr, nr, nv := s.mr, s.nr(), s.nv
	bReg := func(v int) string { return s.r(mr*nv + v) }
	first := mr*nv + nv
	nb := s.nregs - first
	g.p("// func micro%s(kc int, a, b, c *float32, ldc int, beta float32, load int)", s.name)
	g.p("// computes a %d×%d tile; see microFunc.", mr, nr)
	g.p("TEXT ·micro%s(SB), NOSPLIT, $0-56", s.name)
	g.p("\tMOVQ kc+0(FP), CX")
	g.p("\tMOVQ a+8(FP), SI")
	g.p("\tMOVQ b+16(FP), DI")
	g.p("\tMOVQ c+24(FP), R8")
	g.p("\tMOVQ ldc+32(FP), R9")
	g.p("\tSHLQ $2, R9")
	// Prefetch the C tile so the epilogue does not wait on it.
	g.p("\tMOVQ R8, DX")
	for i := 0; i < mr; i++ {
		for off := 0; off < nr*4; off += 64 {
			g.p("\tPREFETCHT0 %d(DX)", off)
		}
		if i < mr-1 {
			g.p("\tADDQ R9, DX")
		}
	}
	for i := 0; i < mr*nv; i++ {
		g.p("\t%s %s, %s, %s", s.zero, s.r(i), s.r(i), s.r(i))
	}
	step := func(u int) {
		for v := 0; v < nv; v++ {
			g.p("\tVMOVUPS %d(DI), %s", (u*nr+v*s.bytes/4)*4, bReg(v))
		}
		for i := 0; i < mr && s.bcst; i++ {
			for v := 0; v < nv; v++ {
				g.p("\tVFMADD231PS.BCST %d(SI), %s, %s", (u*mr+i)*4, bReg(v), s.acc(i, v))
			}
		}
		for i := 0; i < mr && !s.bcst; i++ {
			bc := s.r(first + (u*mr+i)%nb)
			g.p("\tVBROADCASTSS %d(SI), %s", (u*mr+i)*4, bc)
			for v := 0; v < nv; v++ {
				g.p("\tVFMADD231PS %s, %s, %s", bReg(v), bc, s.acc(i, v))
			}
		}
	}
	g.p("\tMOVQ CX, BX")
	g.p("\tSHRQ $2, BX")
	g.p("\tJZ tail%s", s.name)
	g.p("loop4%s:", s.name)
	for u := 0; u < 4; u++ {
		step(u)
	}
	g.p("\tADDQ $%d, SI", 4*mr*4)
	g.p("\tADDQ $%d, DI", 4*nr*4)
	g.p("\tDECQ BX")
	g.p("\tJNZ loop4%s", s.name)
	g.p("tail%s:", s.name)
	g.p("\tANDQ $3, CX")
	g.p("\tJZ done%s", s.name)
	g.p("loop1%s:", s.name)
	step(0)
	g.p("\tADDQ $%d, SI", mr*4)
	g.p("\tADDQ $%d, DI", nr*4)
	g.p("\tDECQ CX")
	g.p("\tJNZ loop1%s", s.name)
	g.p("done%s:", s.name)
	g.p("\tMOVQ load+48(FP), AX")
	g.p("\tTESTQ AX, AX")
	g.p("\tJZ store%s", s.name)
	beta := bReg(0)
	g.p("\tVBROADCASTSS beta+40(FP), %s", beta)
	g.p("\tMOVQ R8, DX")
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			g.p("\tVFMADD231PS %d(DX), %s, %s", v*s.bytes, beta, s.acc(i, v))
		}
		if i < mr-1 {
			g.p("\tADDQ R9, DX")
		}
	}
	g.p("store%s:", s.name)
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			g.p("\tVMOVUPS %s, %d(R8)", s.acc(i, v), v*s.bytes)
		}
		if i < mr-1 {
			g.p("\tADDQ R9, R8")
		}
	}
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

// reduceTo emits the horizontal sum of vector register r into the low
// lane of X(r), using register t as scratch.
func (g *gen) reduceTo(s isa, r, t int) {
	x := func(i int) string { return fmt.Sprintf("X%d", i) }
	y := func(i int) string { return fmt.Sprintf("Y%d", i) }
	if s.reg == "Z" {
		g.p("\tVEXTRACTF64X4 $1, Z%d, %s", r, y(t))
		g.p("\tVADDPS %s, %s, %s", y(t), y(r), y(r))
	}
	g.p("\tVEXTRACTF128 $1, %s, %s", y(r), x(t))
	g.p("\tVADDPS %s, %s, %s", x(t), x(r), x(r))
	g.p("\tVMOVHLPS %s, %s, %s", x(r), x(r), x(t))
	g.p("\tVADDPS %s, %s, %s", x(t), x(r), x(r))
	g.p("\tVMOVSHDUP %s, %s", x(r), x(t))
	g.p("\tVADDSS %s, %s, %s", x(t), x(r), x(r))
}

// dotRows emits out[r] = Σ_i x[i]·b[r*ldb+i] over i < n&^(width-1) for
// rows r < rows. Each row uses two accumulators over pairs of vectors, one
// more vector into the first, then a fixed reduction, so a row's result does
// not depend on how many rows are processed together.
func (g *gen) dotRows(s isa, rows int) {
	w := s.bytes / 4
	name := fmt.Sprintf("dot%d%s", rows, s.name)
	rowReg := []string{"R10", "R11", "R12", "R13"}
	g.p("// func %s(n int, x, b *float32, ldb int, out *float32)", name)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-40", name)
	g.p("\tMOVQ n+0(FP), CX")
	g.p("\tMOVQ x+8(FP), SI")
	g.p("\tMOVQ b+16(FP), R10")
	g.p("\tMOVQ ldb+24(FP), DX")
	g.p("\tSHLQ $2, DX")
	for r := 1; r < rows; r++ {
		g.p("\tLEAQ (%s)(DX*1), %s", rowReg[r-1], rowReg[r])
	}
	for i := 0; i < 2*rows; i++ {
		g.p("\t%s %s, %s, %s", s.zero, s.r(i), s.r(i), s.r(i))
	}
	x0, x1 := s.r(2*rows), s.r(2*rows+1)
	g.p("\tMOVQ CX, BX")
	g.p("\tSHRQ $%d, BX", log2(2*w))
	g.p("\tJZ %stail", name)
	g.p("%sloop:", name)
	g.p("\tVMOVUPS (SI), %s", x0)
	g.p("\tVMOVUPS %d(SI), %s", s.bytes, x1)
	for r := 0; r < rows; r++ {
		g.p("\tVFMADD231PS (%s), %s, %s", rowReg[r], x0, s.r(2*r))
		g.p("\tVFMADD231PS %d(%s), %s, %s", s.bytes, rowReg[r], x1, s.r(2*r+1))
		g.p("\tADDQ $%d, %s", 2*s.bytes, rowReg[r])
	}
	g.p("\tADDQ $%d, SI", 2*s.bytes)
	g.p("\tDECQ BX")
	g.p("\tJNZ %sloop", name)
	g.p("%stail:", name)
	g.p("\tTESTQ $%d, CX", w)
	g.p("\tJZ %sdone", name)
	g.p("\tVMOVUPS (SI), %s", x0)
	for r := 0; r < rows; r++ {
		g.p("\tVFMADD231PS (%s), %s, %s", rowReg[r], x0, s.r(2*r))
	}
	g.p("%sdone:", name)
	g.p("\tMOVQ out+32(FP), DI")
	for r := 0; r < rows; r++ {
		g.p("\tVADDPS %s, %s, %s", s.r(2*r+1), s.r(2*r), s.r(2*r))
		g.reduceTo(s, 2*r, 2*r+1)
		g.p("\tMOVSS X%d, %d(DI)", 2*r, 4*r)
	}
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

// gemvN emits y[j] = Σ_p x[p]·b[p*ldb+j] for j < nacc·width, holding the
// whole output block in nacc accumulators.
func (g *gen) gemvN(s isa, nacc int) {
	name := "gemvN" + s.name
	bc := s.r(nacc)
	g.p("// func %s(k int, x, b *float32, ldb int, y *float32)", name)
	g.p("// computes %d outputs.", nacc*s.bytes/4)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-40", name)
	g.p("\tMOVQ k+0(FP), CX")
	g.p("\tMOVQ x+8(FP), SI")
	g.p("\tMOVQ b+16(FP), DI")
	g.p("\tMOVQ ldb+24(FP), DX")
	g.p("\tSHLQ $2, DX")
	for i := 0; i < nacc; i++ {
		g.p("\t%s %s, %s, %s", s.zero, s.r(i), s.r(i), s.r(i))
	}
	g.p("%sloop:", name)
	g.p("\tVBROADCASTSS (SI), %s", bc)
	for i := 0; i < nacc; i++ {
		g.p("\tVFMADD231PS %d(DI), %s, %s", i*s.bytes, bc, s.r(i))
	}
	g.p("\tADDQ $4, SI")
	g.p("\tADDQ DX, DI")
	g.p("\tDECQ CX")
	g.p("\tJNZ %sloop", name)
	g.p("\tMOVQ y+32(FP), DI")
	for i := 0; i < nacc; i++ {
		g.p("\tVMOVUPS %s, %d(DI)", s.r(i), i*s.bytes)
	}
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

// transpose emits transposeRows{rows}: for blk < n8 it transposes the
// rows×8 block at src+blk*8 (rows ld apart) into 8 groups of rows values at
// dst+(blk*8+t)*stride, each scaled by alpha (AVX only).
func (g *gen) transpose(rows int) {
	name := fmt.Sprintf("transpose%d", rows)
	g.p("// func %s(n8 int, src *float32, ld int, dst *float32, stride int, alpha float32)", name)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-44", name)
	g.p("\tMOVQ n8+0(FP), AX")
	g.p("\tMOVQ src+8(FP), SI")
	g.p("\tMOVQ ld+16(FP), DX")
	g.p("\tSHLQ $2, DX")
	g.p("\tMOVQ dst+24(FP), DI")
	g.p("\tMOVQ stride+32(FP), CX")
	g.p("\tSHLQ $2, CX")
	g.p("\tLEAQ (DX)(DX*2), BX")
	g.p("\tLEAQ (SI)(DX*4), R8")
	g.p("\tLEAQ (CX)(CX*2), R9")
	g.p("\tLEAQ (DI)(CX*4), R10")
	g.p("\tMOVQ CX, R11")
	g.p("\tSHLQ $3, R11")
	g.p("\tTESTQ AX, AX")
	g.p("\tJZ %sdone", name)
	in := []string{"(SI)", "(SI)(DX*1)", "(SI)(DX*2)", "(SI)(BX*1)", "(R8)", "(R8)(DX*1)", "(R8)(DX*2)", "(R8)(BX*1)"}
	out := []string{"(DI)", "(DI)(CX*1)", "(DI)(CX*2)", "(DI)(R9*1)", "(R10)", "(R10)(CX*1)", "(R10)(CX*2)", "(R10)(R9*1)"}
	g.p("%sloop:", name)
	for r := 0; r < rows; r++ {
		g.p("\tVMOVUPS %s, Y%d", in[r], r)
	}
	// t[2i], t[2i+1] = unpack low/high of rows 2i, 2i+1 into Y(8+...).
	for i := 0; i < rows/2; i++ {
		g.p("\tVUNPCKLPS Y%d, Y%d, Y%d", 2*i+1, 2*i, 8+2*i)
		g.p("\tVUNPCKHPS Y%d, Y%d, Y%d", 2*i+1, 2*i, 9+2*i)
	}
	// s: for each group of 4 rows, columns q, q+4 in one register.
	for grp := 0; grp < rows/4; grp++ {
		t := 8 + 4*grp
		base := 4 * grp
		g.p("\tVSHUFPS $0x44, Y%d, Y%d, Y%d", t+2, t, base)
		g.p("\tVSHUFPS $0xEE, Y%d, Y%d, Y%d", t+2, t, base+1)
		g.p("\tVSHUFPS $0x44, Y%d, Y%d, Y%d", t+3, t+1, base+2)
		g.p("\tVSHUFPS $0xEE, Y%d, Y%d, Y%d", t+3, t+1, base+3)
	}
	g.p("\tVBROADCASTSS alpha+40(FP), Y15")
	if rows == 8 {
		for q := 0; q < 4; q++ {
			g.p("\tVPERM2F128 $0x20, Y%d, Y%d, Y8", q+4, q)
			g.p("\tVPERM2F128 $0x31, Y%d, Y%d, Y9", q+4, q)
			g.p("\tVMULPS Y15, Y8, Y8")
			g.p("\tVMULPS Y15, Y9, Y9")
			g.p("\tVMOVUPS Y8, %s", out[q])
			g.p("\tVMOVUPS Y9, %s", out[q+4])
		}
	} else {
		for q := 0; q < 4; q++ {
			g.p("\tVMULPS Y15, Y%d, Y%d", q, q)
			g.p("\tVMOVUPS X%d, %s", q, out[q])
			g.p("\tVEXTRACTF128 $1, Y%d, %s", q, out[q+4])
		}
	}
	g.p("\tADDQ $32, SI")
	g.p("\tADDQ $32, R8")
	g.p("\tADDQ R11, DI")
	g.p("\tADDQ R11, R10")
	g.p("\tDECQ AX")
	g.p("\tJNZ %sloop", name)
	g.p("%sdone:", name)
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

// axpy emits y[i] += alpha*x[i] for i < n&^(width-1).
func (g *gen) axpy(s isa) {
	w := s.bytes / 4
	g.p("// func axpy%s(n int, alpha float32, x, y *float32)", s.name)
	g.p("// adds alpha*x[i] to y[i] for i < n&^%d.", w-1)
	g.p("TEXT ·axpy%s(SB), NOSPLIT, $0-32", s.name)
	g.p("\tMOVQ n+0(FP), CX")
	g.p("\tVBROADCASTSS alpha+8(FP), %s", s.r(8))
	g.p("\tMOVQ x+16(FP), SI")
	g.p("\tMOVQ y+24(FP), DI")
	g.p("\tMOVQ CX, BX")
	g.p("\tSHRQ $%d, BX", log2(4*w))
	g.p("\tJZ atail%s", s.name)
	g.p("aloop4%s:", s.name)
	for i := 0; i < 4; i++ {
		g.p("\tVMOVUPS %d(DI), %s", i*s.bytes, s.r(i))
		g.p("\tVFMADD231PS %d(SI), %s, %s", i*s.bytes, s.r(8), s.r(i))
		g.p("\tVMOVUPS %s, %d(DI)", s.r(i), i*s.bytes)
	}
	g.p("\tADDQ $%d, SI", 4*s.bytes)
	g.p("\tADDQ $%d, DI", 4*s.bytes)
	g.p("\tDECQ BX")
	g.p("\tJNZ aloop4%s", s.name)
	g.p("atail%s:", s.name)
	g.p("\tANDQ $%d, CX", 4*w-1)
	g.p("\tSHRQ $%d, CX", log2(w))
	g.p("\tJZ adone%s", s.name)
	g.p("aloop1%s:", s.name)
	g.p("\tVMOVUPS (DI), %s", s.r(0))
	g.p("\tVFMADD231PS (SI), %s, %s", s.r(8), s.r(0))
	g.p("\tVMOVUPS %s, (DI)", s.r(0))
	g.p("\tADDQ $%d, SI", s.bytes)
	g.p("\tADDQ $%d, DI", s.bytes)
	g.p("\tDECQ CX")
	g.p("\tJNZ aloop1%s", s.name)
	g.p("adone%s:", s.name)
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

func log2(x int) int {
	n := 0
	for x > 1 {
		x >>= 1
		n++
	}
	return n
}

func main() {
	var g gen
	g.p("// Code generated by asm_gen.go; DO NOT EDIT.")
	g.p("")
	g.p("//go:build amd64")
	g.p("")
	g.p("#include \"textflag.h\"")
	g.p("")
	for _, s := range []isa{avx512, avx2} {
		g.micro(s)
		g.dotRows(s, 4)
		g.dotRows(s, 1)
		g.gemvN(s, s.gemvAcc)
		g.axpy(s)
	}
	g.transpose(8)
	g.transpose(4)

	if err := os.WriteFile("kernels_amd64.s", g.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
