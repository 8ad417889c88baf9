#include "textflag.h"

// AVX2 sigmoid and tanh over blocks of 8 float32, bit for bit the scalar
// Go code of activation_fast.go (no FMA; the same operations in the same
// order). tab is vecTab: 24 constants, each broadcast to 8 lanes (32
// bytes). Each function stops before the first block that needs the
// scalar path (rare inputs) or is incomplete, and returns how many
// elements it processed.

#define L2E 0
#define RND 32
#define C1 64
#define C2 96
#define P0 128
#define P1 160
#define P2 192
#define P3 224
#define P4 256
#define P5 288
#define ONE 320
#define BIAS 352
#define ABS 384
#define SIGN 416
#define SMIN 448
#define SCLAMP 480
#define TMAX 512
#define T0 544
#define T1 576
#define T2 608
#define T3 640
#define T4 672
#define TWO 704
#define CSMALL 736

// EXPF sets Y_out = expfReduced(Y_in) using temporaries t1, t2.
#define EXPF(in, out, t1, t2) \
	VMULPS L2E(AX), in, t1 \
	VADDPS RND(AX), t1, t1 \
	VSUBPS RND(AX), t1, t1 \
	VMULPS C1(AX), t1, t2 \
	VSUBPS t2, in, t2 \
	VMULPS C2(AX), t1, out \
	VSUBPS out, t2, t2 \
	VMULPS P0(AX), t2, out \
	VADDPS P1(AX), out, out \
	VMULPS t2, out, out \
	VADDPS P2(AX), out, out \
	VMULPS t2, out, out \
	VADDPS P3(AX), out, out \
	VMULPS t2, out, out \
	VADDPS P4(AX), out, out \
	VMULPS t2, out, out \
	VADDPS P5(AX), out, out \
	VMULPS t2, out, out \
	VMULPS t2, out, out \
	VADDPS t2, out, out \
	VADDPS ONE(AX), out, out \
	VCVTTPS2DQ t1, t1 \
	VPADDD BIAS(AX), t1, t1 \
	VPSLLD $23, t1, t1 \
	VMULPS t1, out, out

// func sigmoidAVX2(x []float32, tab *vecTab) int
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ tab+24(FP), AX
	XORQ BX, BX
sloop:
	LEAQ 8(BX), DX
	CMPQ DX, CX
	JGT  sdone
	VMOVUPS (DI)(BX*4), Y0
	VCMPPS $0x0d, SMIN(AX), Y0, Y1 // v >= -87 (false for NaN)
	VMOVMSKPS Y1, DX
	CMPL DX, $0xff
	JNE  sdone
	VANDPS ABS(AX), Y0, Y1
	VMINPS SCLAMP(AX), Y1, Y1
	VXORPS SIGN(AX), Y1, Y1 // -min(|v|, 87)
	EXPF(Y1, Y4, Y2, Y3)
	VADDPS ONE(AX), Y4, Y5
	VMOVUPS ONE(AX), Y6
	VDIVPS Y5, Y6, Y6 // y = 1/(1+e)
	VMULPS Y4, Y6, Y7 // y*e
	VBLENDVPS Y0, Y7, Y6, Y6 // v < 0 (sign bit): y*e
	VMOVUPS Y6, (DI)(BX*4)
	ADDQ $8, BX
	JMP  sloop
sdone:
	VZEROUPPER
	MOVQ BX, ret+32(FP)
	RET

// func tanhAVX2(x []float32, tab *vecTab) int
TEXT ·tanhAVX2(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ tab+24(FP), AX
	XORQ BX, BX
tloop:
	LEAQ 8(BX), DX
	CMPQ DX, CX
	JGT  tdone
	VMOVUPS (DI)(BX*4), Y0
	VCMPPS $0x03, Y0, Y0, Y1 // unordered: NaN
	VMOVMSKPS Y1, DX
	TESTL DX, DX
	JNE  tdone
	VANDPS ABS(AX), Y0, Y1
	VMINPS TMAX(AX), Y1, Y1 // z
	VMULPS Y0, Y0, Y2 // s = v*v
	VMULPS T0(AX), Y2, Y3
	VADDPS T1(AX), Y3, Y3
	VMULPS Y2, Y3, Y3
	VADDPS T2(AX), Y3, Y3
	VMULPS Y2, Y3, Y3
	VADDPS T3(AX), Y3, Y3
	VMULPS Y2, Y3, Y3
	VADDPS T4(AX), Y3, Y3
	VMULPS Y2, Y3, Y3
	VMULPS Y0, Y3, Y3
	VADDPS Y0, Y3, Y3 // small = p*s*v + v
	VADDPS Y1, Y1, Y4 // 2z
	EXPF(Y4, Y5, Y6, Y7)
	VADDPS ONE(AX), Y5, Y5
	VMOVUPS TWO(AX), Y6
	VDIVPS Y5, Y6, Y6
	VMOVUPS ONE(AX), Y7
	VSUBPS Y6, Y7, Y7 // big = 1 - 2/(e+1)
	VANDPS SIGN(AX), Y0, Y8
	VORPS Y8, Y7, Y7
	VSUBPS CSMALL(AX), Y1, Y9 // z - 0.625
	VBLENDVPS Y9, Y3, Y7, Y7 // z < 0.625: small
	VMOVUPS Y7, (DI)(BX*4)
	ADDQ $8, BX
	JMP  tloop
tdone:
	VZEROUPPER
	MOVQ BX, ret+32(FP)
	RET
