package web

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"
)

func TestImageGeometry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		shape []int
		want  *imageGeometry
	}{
		{[]int{784}, &imageGeometry{Channels: 1, Height: 28, Width: 28, Flat: true}},
		{[]int{1, 28, 28}, &imageGeometry{Channels: 1, Height: 28, Width: 28}},
		{[]int{3, 32, 40}, &imageGeometry{Channels: 3, Height: 32, Width: 40}},
		{[]int{64, 64}, &imageGeometry{Channels: 1, Height: 64, Width: 64, Rank2: true}},
		{[]int{10}, nil},           // not a square
		{[]int{9}, nil},            // 3×3: too small to be an image
		{[]int{2, 28, 28}, nil},    // 2 channels
		{[]int{1, 28, 28, 1}, nil}, // rank 4
		{[]int{3, 8192, 8192}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		got := imageGeometryOf(tt.shape)
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("%v: got %+v, want %+v", tt.shape, got, tt.want)
		}
	}
}

// naiveScale is an independent reference: per axis, target index t takes
// every source index whose floor(x*n/m) is t, or the nearest one
// (floor(t*m/n)) when there is none; a target pixel averages the product
// of its rows and columns, as grey or RGB, composited over white.
func naiveScale(img image.Image, ch, h, w int) [][]float64 {
	b := img.Bounds()
	pick := func(t, n, m int) []int {
		var xs []int
		for x := 0; x < m; x++ {
			if x*n/m == t {
				xs = append(xs, x)
			}
		}
		if len(xs) == 0 {
			xs = []int{t * m / n}
		}
		return xs
	}
	out := make([][]float64, ch)
	for c := range out {
		out[c] = make([]float64, h*w)
	}
	for ty := 0; ty < h; ty++ {
		for tx := 0; tx < w; tx++ {
			var sum [3]float64
			n := 0
			for _, y := range pick(ty, h, b.Dy()) {
				for _, x := range pick(tx, w, b.Dx()) {
					r, g, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
					white := float64(0xffff - a)
					sum[0] += (float64(r) + white) / 0xffff
					sum[1] += (float64(g) + white) / 0xffff
					sum[2] += (float64(bb) + white) / 0xffff
					n++
				}
			}
			for i := range sum {
				sum[i] /= float64(n)
			}
			if ch == 3 {
				out[0][ty*w+tx], out[1][ty*w+tx], out[2][ty*w+tx] = sum[0], sum[1], sum[2]
			} else {
				out[0][ty*w+tx] = 0.299*sum[0] + 0.587*sum[1] + 0.114*sum[2]
			}
		}
	}
	return out
}

func TestScaleAgainstNaive(t *testing.T) {
	t.Parallel()
	src := image.NewNRGBA(image.Rect(3, 5, 3+57, 5+41)) // odd sizes, non-zero origin
	for y := 0; y < 41; y++ {
		for x := 0; x < 57; x++ {
			src.Set(3+x, 5+y, color.NRGBA{uint8(x * 4), uint8(y * 6), uint8((x * y) % 256), uint8(255 - x)})
		}
	}
	for _, g := range []imageGeometry{{Channels: 1, Height: 28, Width: 28}, {Channels: 3, Height: 13, Width: 17}, {Channels: 1, Height: 80, Width: 100}, {Channels: 3, Height: 41, Width: 57}} {
		got := scale(src, &g)
		want := naiveScale(src, g.Channels, g.Height, g.Width)
		for c := range want {
			for i := range want[c] {
				if math.Abs(got[c][i]-want[c][i]) > 1e-9 {
					t.Fatalf("%+v: plane %d pixel %d: %v, want %v", g, c, i, got[c][i], want[c][i])
				}
			}
		}
	}
}

func TestSampleJSONLayout(t *testing.T) {
	t.Parallel()
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	img.Pix[1] = 255 // (x=1, y=0)
	var buf bytes.Buffer
	png.Encode(&buf, img)
	for _, tt := range []struct {
		g    imageGeometry
		rank int
	}{{imageGeometry{Channels: 1, Height: 4, Width: 4}, 3}, {imageGeometry{Channels: 1, Height: 4, Width: 4, Rank2: true}, 2},
		{imageGeometry{Channels: 1, Height: 4, Width: 4, Flat: true}, 1}, {imageGeometry{Channels: 3, Height: 4, Width: 4}, 3}} {
		b, err := imageSample(buf.Bytes(), &tt.g, 1<<20, false)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if d := arrayDepth(string(b)); d != tt.rank {
			t.Errorf("%+v: depth %d, want %d: %s", tt.g, d, tt.rank, b)
		}
		if tt.rank == 2 && !strings.HasPrefix(string(b), "[[0,1,0,0]") {
			t.Errorf("row-major layout: %s", b)
		}
	}
	b, _ := imageSample(buf.Bytes(), &imageGeometry{Channels: 1, Height: 4, Width: 4, Flat: true}, 1<<20, true)
	if !strings.HasPrefix(string(b), "[1,0,1,1") {
		t.Errorf("invert: %s", b)
	}
}

// pngHeader is a PNG signature and IHDR declaring w×h (no pixel data).
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, 13)
	chunk := append([]byte("IHDR"), ihdr...)
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

// hostileImages are refused before any pixel buffer is allocated.
func hostileImages() map[string][]byte {
	return map[string][]byte{
		"png 100k×100k":   pngHeader(100000, 100000),
		"png 1×(2^31-1)":  pngHeader(1, 1<<31-1),
		"png 0×0":         pngHeader(0, 0),
		"png header only": pngHeader(64, 64),
		"gif huge screen": []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00;"),
		"empty":           nil,
		"text":            []byte("<svg onload=alert(1)>"),
	}
}

func TestHostileImages(t *testing.T) {
	t.Parallel()
	g := &imageGeometry{Channels: 1, Height: 28, Width: 28}
	for name, data := range hostileImages() {
		if _, err := imageSample(data, g, 16<<20, false); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzImageSample(f *testing.F) {
	n := 0
	for _, d := range hostileImages() {
		f.Add(d)
		n++
	}
	img := image.NewPaletted(image.Rect(0, 0, 9, 5), color.Palette{color.Black, color.White})
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, img) },
		func(b *bytes.Buffer) error { return gif.Encode(b, img, nil) },
		func(b *bytes.Buffer) error { return jpeg.Encode(b, img, nil) },
	} {
		var b bytes.Buffer
		if enc(&b) == nil {
			f.Add(b.Bytes())
			n++
		}
	}
	if n == 0 {
		f.Fatal("no seeds")
	}
	g := &imageGeometry{Channels: 3, Height: 6, Width: 6}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := imageSample(data, g, 1<<16, false)
		if err != nil {
			return
		}
		var v [][][]float64
		if err := json.Unmarshal(b, &v); err != nil || len(v) != 3 || len(v[0]) != 6 || len(v[0][0]) != 6 {
			t.Fatalf("bad sample %s: %v", b, err)
		}
		for _, p := range v {
			for _, r := range p {
				for _, x := range r {
					if !(x >= 0 && x <= 1) {
						t.Fatalf("value %v out of [0, 1]", x)
					}
				}
			}
		}
	})
}

func TestDiagramEscapes(t *testing.T) {
	t.Parallel()
	a := &analysisInfo{Input: []int{4}, Output: []int{2}, TotalParams: 10, Layers: []layerInfo{
		{Pointer: "/layers/0", Type: `<script>alert("x")</script>`, In: []int{4}, Out: []int{4}},
		{Pointer: "/layers/1", Type: "skip", In: []int{4}, Out: []int{4}},
		{Pointer: "/layers/1/layers/0", Type: "dense", Depth: 1, In: []int{4}, Out: []int{2}, Params: 10},
	}}
	s := string(diagram(a))
	if strings.Contains(s, "<script") || !strings.Contains(s, "&lt;script&gt;") {
		t.Fatalf("not escaped: %s", s)
	}
	if strings.Count(s, `<g class="row"`) != 5 || strings.Count(s, `class="block"`) != 1 || strings.Contains(s, "style=") {
		t.Fatalf("diagram: %s", s)
	}
	big := &analysisInfo{Layers: make([]layerInfo, maxDrawn+50)}
	for i := range big.Layers {
		big.Layers[i] = layerInfo{Type: "dense"}
	}
	if s := string(diagram(big)); !strings.Contains(s, "50 more layers not drawn") || strings.Count(s, `<g class="row"`) != maxDrawn+3 {
		t.Fatal("large models are not capped")
	}
}

func TestArrayDepthAndExample(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"[[1]]": 2, " [ \n[ [": 3, "1": 0, "[{": 1, "": 0} {
		if got := arrayDepth(s); got != want {
			t.Errorf("arrayDepth(%q) = %d, want %d", s, got, want)
		}
	}
	if got := exampleInput([]int{2, 3}); got != "[[0,0,0],[0,0,0]]" {
		t.Errorf("example: %s", got)
	}
	if got := exampleInput([]int{3, 224, 224}); got != "" {
		t.Error("too large an example is not offered")
	}
	if got := topK([]float64{0.1, 0.5, 0.2, 0.9}, 2); len(got) != 2 || got[0].Index != 3 || got[1].Index != 1 {
		t.Errorf("topK: %+v", got)
	}
}

func TestAnnotate(t *testing.T) {
	t.Parallel()
	spec := []byte(`{"layers":[{"type":"conv","kernel":[3,3],"activation":"relu"},{"type":"dense","activation":"identity"},
		{"type":"skip","combine":"add","layers":[{"type":"dense","activation":"tanh"}]},{"type":"a~/b"}],"x~/y":{"kernel":[5]}}`)
	a := &analysisInfo{Layers: []layerInfo{{Pointer: "/layers/0"}, {Pointer: "/layers/1"}, {Pointer: "/layers/2"},
		{Pointer: "/layers/2/layers/0"}, {Pointer: "/layers/9"}, {Pointer: "/x~0~1y"}, {Pointer: "bad"}}}
	annotate(a, spec)
	want := []string{"3×3 · relu", "", "add", "tanh", "", "5", ""}
	for i, l := range a.Layers {
		if l.Detail != want[i] {
			t.Errorf("%s: %q, want %q", l.Pointer, l.Detail, want[i])
		}
	}
	annotate(a, []byte("not json")) // no panic
}
