package main

import (
	"math"
	"slices"
	"time"
)

// stats is the timing of one engine on one case.
type stats struct {
	iters    int
	total    time.Duration
	p50, p99 time.Duration
}

// rounds is the number of alternating measuring rounds per engine: on a
// busy machine both engines then see the same background load.
const rounds = 5

// measurePair warms f and g up, then times them in alternating rounds of
// d/rounds each (at least minIters calls per round), timing each call.
func measurePair(f, g func() error, warm int, d time.Duration, minIters int) (stats, stats, error) {
	var lf, lg []time.Duration
	for _, h := range []func() error{f, g} {
		for range warm {
			if err := h(); err != nil {
				return stats{}, stats{}, err
			}
		}
	}
	for range rounds {
		var err error
		if lf, err = timeCalls(f, lf, d/rounds, minIters); err != nil {
			return stats{}, stats{}, err
		}
		if lg, err = timeCalls(g, lg, d/rounds, minIters); err != nil {
			return stats{}, stats{}, err
		}
	}
	return summarize(lf), summarize(lg), nil
}

// timeCalls calls f for about d (at least minIters times) and appends
// each call's latency to lat.
func timeCalls(f func() error, lat []time.Duration, d time.Duration, minIters int) ([]time.Duration, error) {
	start := time.Now()
	for n := 0; n < minIters || time.Since(start) < d; n++ {
		t0 := time.Now()
		if err := f(); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}

// summarize computes the stats of the latencies.
func summarize(lat []time.Duration) stats {
	var st stats
	st.iters = len(lat)
	for _, l := range lat {
		st.total += l
	}
	slices.Sort(lat)
	st.p50 = lat[len(lat)/2]
	st.p99 = lat[min(len(lat)-1, int(math.Ceil(0.99*float64(len(lat))))-1)]
	return st
}

// perSecond returns units per second given units per call.
func (s stats) perSecond(units float64) float64 {
	return units * float64(s.iters) / s.total.Seconds()
}

// relErr is max|got-want| / max|want|: the error relative to the largest
// reference value (an elementwise ratio is meaningless near zero).
func relErr(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range got {
		if math.IsNaN(float64(got[i])) || math.IsNaN(float64(want[i])) {
			return math.Inf(1)
		}
		num = max(num, math.Abs(float64(got[i])-float64(want[i])))
		den = max(den, math.Abs(float64(want[i])))
	}
	if den == 0 {
		return num
	}
	return num / den
}
