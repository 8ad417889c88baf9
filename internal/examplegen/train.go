package main

import (
	"math"
	"math/rand/v2"
)

// mlp is a 784-256-128-10 ReLU network trained in float64. Every product is
// rounded explicitly (float64(a*b)) so the compiler cannot fuse it into an
// FMA: training gives the same bits on every platform.
type mlp struct {
	sizes []int       // layer widths, input first
	w     [][]float64 // w[l] is [sizes[l+1], sizes[l]] row-major
	b     [][]float64 // b[l] is [sizes[l+1]]
}

// newMLP initialises weights uniformly in ±sqrt(6/fan_in) (He) and biases
// at zero.
func newMLP(r *rand.Rand, sizes ...int) *mlp {
	m := &mlp{sizes: sizes}
	for l := 0; l+1 < len(sizes); l++ {
		in, out := sizes[l], sizes[l+1]
		a := math.Sqrt(6 / float64(in))
		w := make([]float64, in*out)
		for i := range w {
			w[i] = (2*r.Float64() - 1) * a
		}
		m.w = append(m.w, w)
		m.b = append(m.b, make([]float64, out))
	}
	return m
}

// forward returns the activations of every layer (acts[0] is x); the last
// one holds softmax probabilities.
func (m *mlp) forward(x []float32) [][]float64 {
	acts := make([][]float64, len(m.sizes))
	acts[0] = make([]float64, len(x))
	for i, v := range x {
		acts[0][i] = float64(v)
	}
	for l := range m.w {
		in, out := m.sizes[l], m.sizes[l+1]
		a := make([]float64, out)
		for o := range out {
			s := m.b[l][o]
			row := m.w[l][o*in : (o+1)*in]
			for i, v := range acts[l] {
				s += float64(row[i] * v)
			}
			if l+1 < len(m.w) && s < 0 {
				s = 0
			}
			a[o] = s
		}
		acts[l+1] = a
	}
	softmax(acts[len(acts)-1])
	return acts
}

func softmax(z []float64) {
	mx := z[0]
	for _, v := range z {
		mx = max(mx, v)
	}
	sum := 0.0
	for i, v := range z {
		z[i] = math.Exp(v - mx)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}

// grads accumulates the gradient of the cross-entropy loss of one sample.
func (m *mlp) grads(acts [][]float64, label int, gw, gb [][]float64) {
	last := len(m.w) - 1
	delta := append([]float64(nil), acts[last+1]...)
	delta[label]--
	for l := last; l >= 0; l-- {
		in := m.sizes[l]
		for o, d := range delta {
			gb[l][o] += d
			if d == 0 {
				continue
			}
			g := gw[l][o*in : (o+1)*in]
			for i, v := range acts[l] {
				if v != 0 {
					g[i] += float64(d * v)
				}
			}
		}
		if l == 0 {
			break
		}
		prev := make([]float64, in)
		for o, d := range delta {
			if d == 0 {
				continue
			}
			row := m.w[l][o*in : (o+1)*in]
			for i := range prev {
				prev[i] += float64(row[i] * d)
			}
		}
		for i := range prev {
			if acts[l][i] <= 0 {
				prev[i] = 0
			}
		}
		delta = prev
	}
}

// train runs plain minibatch SGD over d for the given epochs, shuffling with r.
func (m *mlp) train(r *rand.Rand, d *digits, epochs, batch int, lr float64) {
	gw := make([][]float64, len(m.w))
	gb := make([][]float64, len(m.b))
	for l := range m.w {
		gw[l] = make([]float64, len(m.w[l]))
		gb[l] = make([]float64, len(m.b[l]))
	}
	order := make([]int, len(d.images))
	for i := range order {
		order[i] = i
	}
	for range epochs {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start < len(order); start += batch {
			end := min(start+batch, len(order))
			for _, k := range order[start:end] {
				m.grads(m.forward(d.images[k]), d.labels[k], gw, gb)
			}
			step := lr / float64(end-start)
			for l := range m.w {
				update(m.w[l], gw[l], step)
				update(m.b[l], gb[l], step)
			}
		}
	}
}

// update applies p -= step*g and clears g.
func update(p, g []float64, step float64) {
	for i := range p {
		p[i] -= float64(step * g[i])
		g[i] = 0
	}
}

// accuracy returns the fraction of d classified correctly.
func (m *mlp) accuracy(d *digits) float64 {
	ok := 0
	for i, x := range d.images {
		p := m.forward(x)[len(m.sizes)-1]
		if argmax(p) == d.labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(d.images))
}

func argmax[T float32 | float64](v []T) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// float32s converts to float32.
func float32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
