package gemm

import "sync"

// runSharedB computes p with w goroutines that share each packed block of
// op(B): the goroutines pack disjoint panels of it (unless pb already holds
// them), then each multiplies its own whole tiles of rows of C (packing its
// own A blocks). k blocks and tile boundaries are the same as in
// runBlocked, so the result is too.
func runSharedB(kern *kernel, w int, p *problem, pb *PackedB) {
	if w <= 1 && pb != nil {
		runPackedSerial(kern, p, pb)
		return
	}
	mr := kern.mr
	tiles := (p.m + mr - 1) / mr
	kc := kBlock(kern, p.k)
	nc := min(kern.nc, roundUp(p.n, kern.nr))
	mc := min(kern.mc, roundUp((p.m+w-1)/w, mr))
	var bbuf []float32
	if pb == nil {
		shared := bufPool.Get().(*buffers)
		defer bufPool.Put(shared)
		shared.b = aligned(shared.b, nc*kc)
		bbuf = shared.b
	}
	own := make([]*buffers, w)
	for t := range own {
		own[t] = bufPool.Get().(*buffers)
		own[t].a = aligned(own[t].a, mc*kc)
		own[t].tile = aligned(own[t].tile, kern.mr*kern.nr)
		defer bufPool.Put(own[t])
	}
	for jc := 0; jc < p.n; jc += nc {
		nb := min(nc, p.n-jc)
		panels := (nb + kern.nr - 1) / kern.nr
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			bp := bbuf
			if pb != nil {
				bp = pb.block(jc, pc)
			} else {
				fork(w, func(t int) {
					c0 := panels * t / w * kern.nr
					c1 := min(panels*(t+1)/w*kern.nr, nb)
					if c1 > c0 {
						packB(kern, bp[c0*kb:], p, pc, jc+c0, kb, c1-c0)
					}
				})
			}
			beta, load := p.beta, p.beta != 0
			if pc > 0 {
				beta, load = 1, true
			}
			fork(w, func(t int) {
				i0 := tiles * t / w * mr
				i1 := min(tiles*(t+1)/w*mr, p.m)
				for ic := i0; ic < i1; ic += mc {
					mb := min(mc, i1-ic)
					packA(kern, own[t].a, p, ic, pc, mb, kb)
					macroTile(kern, own[t].a, bp[:panels*kern.nr*kb], own[t].tile, p, ic, jc, mb, nb, kb, beta, load)
				}
			})
		}
	}
}

// fork runs f(0..w-1) on w goroutines (f(0) on the caller) and waits.
func fork(w int, f func(t int)) {
	var wg sync.WaitGroup
	for t := 1; t < w; t++ {
		wg.Go(func() { f(t) })
	}
	f(0)
	wg.Wait()
}

// runPackedSerial is runSharedB on one goroutine with op(B) from pb: the
// same blocks and tiles, without goroutines or per-call allocations.
func runPackedSerial(kern *kernel, p *problem, pb *PackedB) {
	bufs := bufPool.Get().(*buffers)
	defer bufPool.Put(bufs)
	kc := kBlock(kern, p.k)
	nc := min(kern.nc, roundUp(p.n, kern.nr))
	mc := min(kern.mc, roundUp(p.m, kern.mr))
	bufs.a = aligned(bufs.a, mc*kc)
	bufs.tile = aligned(bufs.tile, kern.mr*kern.nr)
	for jc := 0; jc < p.n; jc += nc {
		nb := min(nc, p.n-jc)
		panels := (nb + kern.nr - 1) / kern.nr
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			bp := pb.block(jc, pc)
			beta, load := p.beta, p.beta != 0
			if pc > 0 {
				beta, load = 1, true
			}
			for ic := 0; ic < p.m; ic += mc {
				mb := min(mc, p.m-ic)
				packA(kern, bufs.a, p, ic, pc, mb, kb)
				macroTile(kern, bufs.a, bp[:panels*kern.nr*kb], bufs.tile, p, ic, jc, mb, nb, kb, beta, load)
			}
		}
	}
}
