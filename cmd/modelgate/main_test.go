package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/modelgate/modelgate/internal/npy"
	"github.com/modelgate/modelgate/sandbox/legacy"
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == legacy.ChildCommand {
		os.Exit(runConvertChild(context.Background())) // the sandboxed child of TestLegacyUploadCorpus
	}
	testscript.Main(m, map[string]func(){
		"modelgate": func() { os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
		"exits":     exits,
	})
}

// exits CODE modelgate ARGS... runs modelgate and succeeds only if it
// exits with CODE, so scripts can check exact exit codes.
func exits() {
	if len(os.Args) < 3 || os.Args[2] != "modelgate" {
		fmt.Fprintln(os.Stderr, "usage: exits CODE modelgate ARGS...")
		os.Exit(100)
	}
	want, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "exits:", err)
		os.Exit(100)
	}
	if got := Main(context.Background(), os.Args[3:], os.Stdout, os.Stderr); got != want {
		fmt.Fprintf(os.Stderr, "exits: exit code %d, want %d\n", got, want)
		os.Exit(101)
	}
	os.Exit(0)
}

// TestScripts runs the CLI scripts in testdata/script. Each script starts
// with a copy of the example packages in $WORK/examples.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:   filepath.Join("testdata", "script"),
		Setup: copyExamples,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"flipbyte": cmdFlipByte,
			"mkfifo":   cmdMkfifo,
			"hardlink": cmdHardlink,
			"gennpy":   cmdGenNPY,
			"npyinfo":  cmdNPYInfo,
			"argmax":   cmdArgmax,
		},
	})
}

// copyExamples copies the example packages into the script's work dir.
func copyExamples(env *testscript.Env) error {
	for _, name := range []string{"mnist-mlp", "small-cnn", "lstm"} {
		dst := filepath.Join(env.WorkDir, "examples", name)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		for _, f := range []string{"model.json", "weights.safetensors", "input.json"} {
			b, err := os.ReadFile(filepath.Join("..", "..", "examples", name, f))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// flipbyte FILE OFFSET: flip the low bit of one byte (negative offsets
// count from the end).
func cmdFlipByte(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	off, err := strconv.Atoi(args[1])
	ts.Check(err)
	if off < 0 {
		off += len(b)
	}
	b[off] ^= 1
	ts.Check(os.WriteFile(path, b, 0o644))
}

// mkfifo PATH
func cmdMkfifo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkfifo PATH")
	}
	ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o644))
}

// hardlink OLD NEW
func cmdHardlink(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: hardlink OLD NEW")
	}
	ts.Check(os.Link(ts.MkAbs(args[0]), ts.MkAbs(args[1])))
}

// gennpy [-f8] [-fortran] [-nan] FILE DIM...: write a .npy file of
// deterministic values in [0, 1).
func cmdGenNPY(ts *testscript.TestScript, neg bool, args []string) {
	descr, fortran, nan := npy.Float32, false, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-f8":
			descr = npy.Float64
		case "-fortran":
			fortran = true
		case "-nan":
			nan = true
		default:
			ts.Fatalf("gennpy: unknown flag %s", args[0])
		}
		args = args[1:]
	}
	if neg || len(args) < 2 {
		ts.Fatalf("usage: gennpy [-f8] [-fortran] [-nan] FILE DIM...")
	}
	var shape []int
	n := 1
	for _, a := range args[1:] {
		d, err := strconv.Atoi(a)
		ts.Check(err)
		shape = append(shape, d)
		n *= d
	}
	h, err := npy.EncodeHeader(descr, shape, 0)
	ts.Check(err)
	if fortran {
		h = bytes.Replace(h, []byte("False"), []byte("True "), 1)
	}
	var buf bytes.Buffer
	buf.Write(h)
	for i := range n {
		v := float64((i*7919)%1000) / 1000
		if nan && i == n-1 {
			v = math.NaN()
		}
		if descr == npy.Float64 {
			binary.Write(&buf, binary.LittleEndian, v)
		} else {
			binary.Write(&buf, binary.LittleEndian, float32(v))
		}
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), buf.Bytes(), 0o644))
}

// npyinfo FILE: print the shape and dtype of a .npy file to stdout.
func cmdNPYInfo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: npyinfo FILE")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	shape, data, err := npy.Read(f, 1<<30)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "shape %v elements %d\n", shape, len(data))
}

// argmax FILE: print the index of the largest value of each row of a JSON
// array of arrays, space-separated.
func cmdArgmax(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: argmax FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var rows [][]float64
	ts.Check(json.Unmarshal(b, &rows))
	var out []string
	for _, r := range rows {
		best := 0
		for i, v := range r {
			if v > r[best] {
				best = i
			}
		}
		out = append(out, strconv.Itoa(best))
	}
	fmt.Fprintln(ts.Stdout(), strings.Join(out, " "))
}
