package nn

import (
	"context"
	"sync"
)

// parallelMin is the least number of elements a call must touch before
// element-wise and window ops are split across goroutines; below it the
// goroutine overhead outweighs the gain.
const parallelMin = 1 << 15

// parallelFor splits [0, count) into at most threads contiguous chunks and
// runs fn on each, concurrently when threads > 1 and work (elements touched)
// is at least parallelMin. Chunks must write disjoint outputs; each element
// is then computed exactly as in a serial run, so results do not depend on
// the thread count. It returns the first chunk's error, in chunk order.
func parallelFor(ctx context.Context, threads, count, work int, fn func(ctx context.Context, lo, hi int) error) error {
	threads = min(threads, count)
	if threads <= 1 || work < parallelMin {
		return fn(ctx, 0, count)
	}
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for t := 1; t < threads; t++ {
		lo, hi := t*count/threads, (t+1)*count/threads
		wg.Go(func() { errs[t] = fn(ctx, lo, hi) })
	}
	errs[0] = fn(ctx, 0, count/threads) // the first chunk on the caller
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// blockElems is about how many elements an op processes between two checks
// of its context.
const blockElems = 1 << 16

// parallelUnits runs fn over count independent units of unitWork elements
// each: split across up to threads goroutines (see parallelFor), in blocks
// of about blockElems elements with a context check before each block.
func parallelUnits(ctx context.Context, threads, count, unitWork int, fn func(lo, hi int)) error {
	block := max(1, blockElems/max(unitWork, 1))
	work := count * unitWork
	return parallelFor(ctx, threads, count, work, func(ctx context.Context, lo, hi int) error {
		for b := lo; b < hi; b += block {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(b, min(b+block, hi))
		}
		return nil
	})
}

// unitsFunc computes units [lo, hi) of op o from in into out.
type unitsFunc[O any] func(o O, in, out []float32, lo, hi int)

// runUnits is parallelUnits for a body given as a plain function of the op
// and its buffers rather than a closure: on one goroutine (threads <= 1 or
// too little work) nothing escapes, so a call allocates nothing.
func runUnits[O any](ctx context.Context, threads, count, unitWork int, o O, in, out []float32, fn unitsFunc[O]) error {
	block := max(1, blockElems/max(unitWork, 1))
	if min(threads, count) <= 1 || count*unitWork < parallelMin {
		return unitBlocks(ctx, o, in, out, fn, 0, count, block)
	}
	return parallelFor(ctx, threads, count, count*unitWork, func(ctx context.Context, lo, hi int) error {
		return unitBlocks(ctx, o, in, out, fn, lo, hi, block)
	})
}

// unitBlocks runs fn over [lo, hi) in blocks, checking ctx before each.
func unitBlocks[O any](ctx context.Context, o O, in, out []float32, fn unitsFunc[O], lo, hi, block int) error {
	for b := lo; b < hi; b += block {
		if err := ctx.Err(); err != nil {
			return err
		}
		fn(o, in, out, b, min(b+block, hi))
	}
	return nil
}
