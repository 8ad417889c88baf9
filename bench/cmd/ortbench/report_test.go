package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRelErr(t *testing.T) {
	t.Parallel()
	cases := []struct {
		got, want []float32
		err       float64
	}{
		{[]float32{1, 2}, []float32{1, 2}, 0},
		{[]float32{1, 2.5}, []float32{1, 2}, 0.25},
		{[]float32{0.001, 4}, []float32{0, 4}, 0.00025},
		{[]float32{1}, []float32{1, 2}, math.Inf(1)},
		{[]float32{float32(math.NaN())}, []float32{1}, math.Inf(1)},
		{[]float32{0.5}, []float32{0}, 0.5},
	}
	for _, c := range cases {
		if got := relErr(c.got, c.want); math.Abs(got-c.err) > 1e-9 && !(math.IsInf(got, 1) && math.IsInf(c.err, 1)) {
			t.Errorf("relErr(%v, %v) = %g, want %g", c.got, c.want, got, c.err)
		}
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	var lat []time.Duration
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(201-i)*time.Millisecond)
	}
	st := summarize(lat)
	if st.iters != 200 || st.p50 != 101*time.Millisecond || st.p99 != 198*time.Millisecond {
		t.Errorf("summarize: %+v", st)
	}
	if r := st.perSecond(2); math.Abs(r-2*200/20.1) > 1e-9 {
		t.Errorf("perSecond: %g", r)
	}
}

func TestWriteInto(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "perf.md")
	block := beginMarker + "\nnew\n" + endMarker + "\n"
	if err := writeInto(path, block); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("head\n"+beginMarker+"\nold\n"+endMarker+"\ntail\n"), 0o644)
	if err := writeInto(path, block); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "head\n" + block + "tail\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	os.WriteFile(path, []byte("x\n"+beginMarker+"\nold\n"+endMarker), 0o644)
	if err := writeInto(path, block); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !strings.HasSuffix(string(got), block) || strings.Contains(string(got), "old") {
		t.Errorf("no trailing newline: %q", got)
	}
}
