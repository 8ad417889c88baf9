package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/safetensors"
)

var (
	examples = filepath.Join("..", "..", "examples")
	mnistDir = filepath.Join("testdata", "mnist-sample")
)

// TestReproducible regenerates every example and compares it byte for byte
// with the committed one. Training the MNIST MLP takes a few seconds, much
// longer under the race detector, so that one is skipped with -short or
// -race.
func TestReproducible(t *testing.T) {
	t.Parallel()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if name == "mnist-mlp" && (testing.Short() || raceEnabled) {
				t.Skip("training is slow under -short / -race")
			}
			if name == "mnist-mlp" && runtime.GOARCH != "amd64" {
				t.Skip("the committed weights were trained on amd64; math.Exp may differ in the last bit elsewhere")
			}
			out := t.TempDir()
			if err := generate(context.Background(), out, mnistDir, name); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"model.json", "weights.safetensors", "input.json"} {
				got, err := os.ReadFile(filepath.Join(out, name, f))
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(filepath.Join(examples, name, f))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s/%s differs from the committed file: run go generate ./examples", name, f)
				}
			}
		})
	}
}

// TestMNISTAccuracy runs the committed MNIST MLP on the held-out digits
// through modelpkg and checks it against an independent float64 forward
// pass written here from the weights file, and against the accuracy its
// metadata claims.
func TestMNISTAccuracy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(examples, "mnist-mlp")
	pkg, err := modelpkg.Load(ctx, dir, modelpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadMNIST(mnistDir)
	if err != nil {
		t.Fatal(err)
	}
	_, test := d.split()
	in := nn.Tensor{Shape: []int{len(test.images), 784}}
	for _, x := range test.images {
		in.Data = append(in.Data, x...)
	}
	out, err := pkg.Predict(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	ref := referenceMLP(t, filepath.Join(dir, "weights.safetensors"))
	correct := 0
	for i, x := range test.images {
		want := ref(x)
		got := out.Data[i*10 : (i+1)*10]
		for j := range want {
			if math.Abs(float64(got[j])-want[j]) > 1e-5 {
				t.Fatalf("digit %d class %d: %v, reference %v", i, j, got[j], want[j])
			}
		}
		if argmax(got) == test.labels[i] {
			correct++
		}
	}
	acc := float64(correct) / float64(len(test.images))
	claimed, _ := strconv.ParseFloat(pkg.Spec.Metadata["held_out_accuracy"], 64)
	if math.Abs(acc-claimed) > 0.005 || acc < 0.8 {
		t.Fatalf("held-out accuracy %.3f, metadata says %.2f", acc, claimed)
	}
	t.Logf("held-out accuracy %.2f", acc)
}

// referenceMLP returns a naive float64 forward pass of the 784-256-128-10
// ReLU MLP with softmax, reading the weights file directly.
func referenceMLP(t *testing.T, path string) func([]float32) []float64 {
	st, err := safetensors.OpenFile(path, modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	read := func(name string, n int) []float32 {
		v := make([]float32, n)
		if err := st.ReadFloat32(context.Background(), name, v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	sizes := []int{784, 256, 128, 10}
	var w, b [][]float32
	for l := range 3 {
		w = append(w, read("layers."+strconv.Itoa(l)+".weight", sizes[l]*sizes[l+1]))
		b = append(b, read("layers."+strconv.Itoa(l)+".bias", sizes[l+1]))
	}
	return func(x []float32) []float64 {
		a := make([]float64, len(x))
		for i, v := range x {
			a[i] = float64(v)
		}
		for l := range 3 {
			next := make([]float64, sizes[l+1])
			for o := range next {
				s := float64(b[l][o])
				for i, v := range a {
					s += float64(w[l][o*sizes[l]+i]) * v
				}
				if l < 2 {
					s = math.Max(s, 0)
				}
				next[o] = s
			}
			a = next
		}
		m := a[0]
		for _, v := range a {
			m = math.Max(m, v)
		}
		sum := 0.0
		for i := range a {
			a[i] = math.Exp(a[i] - m)
			sum += a[i]
		}
		for i := range a {
			a[i] /= sum
		}
		return a
	}
}

func TestLoadMNISTHostile(t *testing.T) {
	t.Parallel()
	if _, err := loadMNIST(t.TempDir()); err == nil {
		t.Fatal("loaded a missing sample")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "images-idx3-ubyte.gz"), []byte("not gzip"), 0o644)
	if _, err := loadMNIST(dir); err == nil {
		t.Fatal("loaded a bad file")
	}
}
