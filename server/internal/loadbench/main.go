// Command loadbench is the Go half of scripts/loadtest.sh: it writes
// predict request bodies from an example package's input.json and measures
// the same model's in-process Predict rate and latency, so the HTTP
// overhead measured by wrk is a ratio against the same work.
//
//	loadbench body DIR BATCH            # {"inputs": [...]} with BATCH copies of the first sample
//	loadbench inproc DIR BATCH WORKERS DURATION
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/nn"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("usage: loadbench body DIR BATCH | inproc DIR BATCH WORKERS DURATION")
	}
	batch, err := strconv.Atoi(args[2])
	if err != nil || batch < 1 {
		return fmt.Errorf("bad batch %q", args[2])
	}
	sample, err := firstSample(args[1])
	if err != nil {
		return err
	}
	switch {
	case args[0] == "body":
		inputs := make([]any, batch)
		for i := range inputs {
			inputs[i] = sample
		}
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"inputs": inputs})
	case args[0] == "inproc" && len(args) == 5:
		workers, err := strconv.Atoi(args[3])
		if err != nil || workers < 1 {
			return fmt.Errorf("bad workers %q", args[3])
		}
		d, err := time.ParseDuration(args[4])
		if err != nil {
			return err
		}
		return inproc(args[1], batch, workers, d)
	}
	return fmt.Errorf("unknown mode %q", args[0])
}

// firstSample reads the first sample of DIR/input.json (a batch-first
// nested array, optionally wrapped in {"inputs": ...}).
func firstSample(dir string) (any, error) {
	b, err := os.ReadFile(dir + "/input.json")
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		v = m["inputs"]
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("%s/input.json: not a non-empty array", dir)
	}
	return arr[0], nil
}

func flatten(v any, out []float32) []float32 {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = flatten(e, out)
		}
	case float64:
		out = append(out, float32(x))
	}
	return out
}

// inproc loads the package once with one thread per Predict (as the
// server runs with --threads 1) and calls Predict from workers goroutines
// for d, printing rate and latency percentiles.
func inproc(dir string, batch, workers int, d time.Duration) error {
	ctx := context.Background()
	pkg, err := modelpkg.Load(ctx, dir, modelpkg.Options{Threads: 1})
	if err != nil {
		return err
	}
	sample, _ := firstSample(dir)
	one := flatten(sample, nil)
	data := make([]float32, 0, len(one)*batch)
	for i := 0; i < batch; i++ {
		data = append(data, one...)
	}
	in := nn.Tensor{Shape: append([]int{batch}, pkg.Model.InputShape()...), Data: data}
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if _, err := pkg.Predict(ctx, in); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) == 0 {
		return fmt.Errorf("no predictions")
	}
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	fmt.Printf("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f\n", float64(len(lat))/d.Seconds(), pct(0.50), pct(0.99))
	return nil
}
