package web

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // decoders for the try-it form
	_ "image/jpeg"
	_ "image/png"
	"math"
	"strconv"
)

// imageGeometry is how an image becomes one input sample.
type imageGeometry struct {
	Channels, Height, Width int
	Flat                    bool // the sample is the H*W grey pixels in one axis
	Rank2                   bool // the sample is [H, W] (no channel axis)
}

// Describe is shown next to the image input.
func (g *imageGeometry) Describe() string {
	kind := "grey"
	if g.Channels == 3 {
		kind = "RGB"
	}
	s := fmt.Sprintf("%s %d×%d", kind, g.Width, g.Height)
	if g.Flat {
		s += ", flattened"
	}
	return s
}

// imageGeometryOf says whether a per-sample input shape can be fed from an
// image: [C, H, W] with C = 1 or 3, [H, W], or [N] with N a square (a
// flattened square grey image, e.g. MNIST's 784). It returns nil otherwise.
func imageGeometryOf(shape []int) *imageGeometry {
	const minSide, maxSide = 4, 4096
	ok := func(h, w int) bool { return h >= minSide && w >= minSide && h <= maxSide && w <= maxSide }
	switch len(shape) {
	case 3:
		if (shape[0] == 1 || shape[0] == 3) && ok(shape[1], shape[2]) {
			return &imageGeometry{Channels: shape[0], Height: shape[1], Width: shape[2]}
		}
	case 2:
		if ok(shape[0], shape[1]) {
			return &imageGeometry{Channels: 1, Height: shape[0], Width: shape[1], Rank2: true}
		}
	case 1:
		for k := minSide; k <= maxSide && k*k <= shape[0]; k++ {
			if k*k == shape[0] {
				return &imageGeometry{Channels: 1, Height: k, Width: k, Flat: true}
			}
		}
	}
	return nil
}

// imageSample decodes an image (PNG, JPEG or GIF), checks its declared
// size against maxPixels BEFORE decoding the pixels, scales it to the
// geometry (area average when shrinking, nearest when growing), and
// returns the sample as a JSON array in [0, 1] (inverted when asked).
func imageSample(data []byte, g *imageGeometry, maxPixels int64, invert bool) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a PNG, JPEG or GIF image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 1<<15 || cfg.Height > 1<<15 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("image is %d×%d pixels; at most %d pixels are accepted", cfg.Width, cfg.Height, maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decoding image: %w", err)
	}
	planes := scale(img, g)
	return sampleJSON(planes, g, invert), nil
}

// scale returns Channels planes of Height*Width values in [0, 1],
// transparent pixels composited over white.
func scale(img image.Image, g *imageGeometry) [][]float64 {
	bnd := img.Bounds()
	sw, sh := bnd.Dx(), bnd.Dy()
	planes := make([][]float64, g.Channels)
	for c := range planes {
		planes[c] = make([]float64, g.Height*g.Width)
	}
	for ty := 0; ty < g.Height; ty++ {
		y0, y1 := span(ty, g.Height, sh)
		for tx := 0; tx < g.Width; tx++ {
			x0, x1 := span(tx, g.Width, sw)
			var sr, sg, sb float64
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					r, gg, b, a := img.At(bnd.Min.X+x, bnd.Min.Y+y).RGBA()
					white := float64(0xffff - a)
					sr += float64(r) + white
					sg += float64(gg) + white
					sb += float64(b) + white
				}
			}
			n := float64((y1-y0)*(x1-x0)) * 0xffff
			i := ty*g.Width + tx
			if g.Channels == 3 {
				planes[0][i], planes[1][i], planes[2][i] = sr/n, sg/n, sb/n
			} else {
				planes[0][i] = (0.299*sr + 0.587*sg + 0.114*sb) / n
			}
		}
	}
	return planes
}

// span maps target index t of n onto the source pixels [a, b) of m whose
// index x has floor(x*n/m) == t (area average when shrinking); when no
// source pixel does (growing), it is the nearest one, floor(t*m/n).
func span(t, n, m int) (int, int) {
	a := (t*m + n - 1) / n
	b := ((t+1)*m + n - 1) / n
	if b > m {
		b = m
	}
	if b <= a {
		a = t * m / n
		b = a + 1
	}
	return a, b
}

// sampleJSON writes the planes as nested JSON arrays in the model's layout.
func sampleJSON(planes [][]float64, g *imageGeometry, invert bool) []byte {
	b := make([]byte, 0, len(planes)*g.Height*g.Width*8)
	val := func(v float64) {
		if invert {
			v = 1 - v
		}
		v = math.Round(math.Min(math.Max(v, 0), 1)*1e6) / 1e6
		b = strconv.AppendFloat(b, v, 'g', 5, 32)
	}
	if g.Flat {
		b = append(b, '[')
		for i, v := range planes[0] {
			if i > 0 {
				b = append(b, ',')
			}
			val(v)
		}
		return append(b, ']')
	}
	rank3 := !g.Rank2
	if rank3 {
		b = append(b, '[')
	}
	for c, p := range planes {
		if c > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for y := 0; y < g.Height; y++ {
			if y > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for x := 0; x < g.Width; x++ {
				if x > 0 {
					b = append(b, ',')
				}
				val(p[y*g.Width+x])
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	if rank3 {
		b = append(b, ']')
	}
	return b
}
