// Command ortbench runs modelgate and ONNX Runtime side by side, in one
// process and one run, on the same models, inputs and thread counts: raw
// GEMM at 256, 512 and 1024, the MNIST MLP, LeNet-5, a small ResNet and an
// LSTM. Each model is built in Go with seeded random weights, exported with
// package onnx and loaded into ONNX Runtime through onnxruntime_go (cgo).
// Outputs must agree (relative error <= 1e-4) before anything is timed. It
// prints a markdown table with throughput, p50/p99 latency and the ratio
// modelgate ÷ ORT per row, and writes it into docs/performance.md.
//
// Usage (scripts/bench.sh installs ONNX Runtime and runs this):
//
//	go run ./cmd/ortbench -ort /path/to/libonnxruntime.so.1 -out ../docs/performance.md
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/modelgate/modelgate/internal/cpupeak"
	"github.com/modelgate/modelgate/nn/gemm"
)

// maxRelErr is the largest relative error accepted between the engines.
const maxRelErr = 1e-4

// config holds the flags.
type config struct {
	lib     string
	out     string
	threads []int
	dur     time.Duration
	only    string
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ortbench:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "ortbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("ortbench", flag.ContinueOnError)
	var cfg config
	threads := fs.String("threads", "1,2", "comma-separated thread counts")
	fs.StringVar(&cfg.lib, "ort", os.Getenv("ORT_LIB"), "path to libonnxruntime.so.1 (default $ORT_LIB)")
	fs.StringVar(&cfg.out, "out", "", "markdown file to write the results into (between the bench markers)")
	fs.DurationVar(&cfg.dur, "time", 2*time.Second, "measuring time per engine and row")
	fs.StringVar(&cfg.only, "only", "", "run only rows whose name contains this")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.lib == "" {
		return cfg, fmt.Errorf("-ort (or $ORT_LIB) is required")
	}
	for _, s := range strings.Split(*threads, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || t < 1 {
			return cfg, fmt.Errorf("bad -threads %q", *threads)
		}
		cfg.threads = append(cfg.threads, t)
	}
	return cfg, nil
}

// run executes the whole benchmark.
func run(ctx context.Context, cfg config) error {
	ort.SetSharedLibraryPath(cfg.lib)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("onnxruntime: %w", err)
	}
	defer ort.DestroyEnvironment()
	rep := report{
		started:    time.Now().UTC(),
		command:    commandLine(),
		cpu:        cpuModel(),
		kernel:     gemm.Kernel(),
		ortVer:     ort.GetVersion(),
		goVer:      runtime.Version(),
		dur:        cfg.dur,
		loadBefore: loadAvg(),
	}
	procs := runtime.GOMAXPROCS(0)
	for _, t := range cfg.threads {
		runtime.GOMAXPROCS(t)
		rep.peaks = append(rep.peaks, peak{threads: t, gflops: fmaPeak(t)})
		fmt.Fprintf(os.Stderr, "FMA peak, %d thread(s): %.1f GFLOP/s\n", t, rep.peaks[len(rep.peaks)-1].gflops)
	}
	for _, t := range cfg.threads {
		runtime.GOMAXPROCS(t)
		for _, n := range []int{256, 512, 1024} {
			if !strings.Contains(fmt.Sprintf("gemm-%d", n), cfg.only) {
				continue
			}
			r, err := gemmRow(n, t, cfg.dur)
			if err != nil {
				return err
			}
			rep.add(r)
		}
		if err := modelRows(ctx, &rep, t, cfg); err != nil {
			return err
		}
	}
	runtime.GOMAXPROCS(procs)
	rep.finished = time.Now().UTC()
	rep.loadAfter = loadAvg()
	text := rep.markdown()
	fmt.Print(text)
	if cfg.out != "" {
		return writeInto(cfg.out, text)
	}
	return nil
}

// fmaPeak is the best of five 400 ms FMA-loop measurements on threads
// goroutines: the machine's peak, with bursts of background load filtered
// out.
func fmaPeak(threads int) float64 {
	var best float64
	for range 5 {
		best = max(best, cpupeak.MeasureFMA(400*time.Millisecond, threads))
	}
	return best
}

// commandLine is the command as run, for the report.
func commandLine() string {
	if c := os.Getenv("ORTBENCH_COMMAND"); c != "" {
		return c
	}
	return strings.Join(append([]string{"ortbench"}, os.Args[1:]...), " ")
}

// loadAvg returns the first three fields of /proc/loadavg, or "?".
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpuModel returns the "model name" line of /proc/cpuinfo.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
