package main

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// digits is a set of MNIST images (784 values in [0, 1] each) and labels.
type digits struct {
	images [][]float32
	labels []int
}

// maxDigits bounds the sample set read from the IDX files.
const maxDigits = 10000

// loadMNIST reads images-idx3-ubyte.gz and labels-idx1-ubyte.gz from dir.
func loadMNIST(dir string) (*digits, error) {
	img, err := readIDX(filepath.Join(dir, "images-idx3-ubyte.gz"), 0x803, 3)
	if err != nil {
		return nil, err
	}
	lab, err := readIDX(filepath.Join(dir, "labels-idx1-ubyte.gz"), 0x801, 1)
	if err != nil {
		return nil, err
	}
	if img.dims[0] != lab.dims[0] || img.dims[1] != 28 || img.dims[2] != 28 {
		return nil, fmt.Errorf("mnist: unexpected dims %v and %v", img.dims, lab.dims)
	}
	d := &digits{}
	for i := range img.dims[0] {
		px := make([]float32, 784)
		for j := range px {
			px[j] = float32(img.data[i*784+j]) / 255
		}
		if lab.data[i] > 9 {
			return nil, fmt.Errorf("mnist: label %d out of range", lab.data[i])
		}
		d.images = append(d.images, px)
		d.labels = append(d.labels, int(lab.data[i]))
	}
	return d, nil
}

// idx is a decoded IDX file of unsigned bytes.
type idx struct {
	dims []int
	data []byte
}

// readIDX reads a gzip-compressed IDX file of unsigned bytes with the given
// magic and rank, refusing more than maxDigits items.
func readIDX(path string, magic uint32, rank int) (*idx, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	hdr := make([]byte, 4+4*rank)
	if _, err := io.ReadFull(zr, hdr); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	if binary.BigEndian.Uint32(hdr) != magic {
		return nil, fmt.Errorf("%s: bad magic", path)
	}
	n := 1
	out := &idx{}
	for i := range rank {
		d := int(binary.BigEndian.Uint32(hdr[4+4*i:]))
		if d < 1 || d > maxDigits || (i == 0 && d > maxDigits) {
			return nil, fmt.Errorf("%s: dimension %d out of range", path, d)
		}
		out.dims = append(out.dims, d)
		n *= d
	}
	if n > maxDigits*784 {
		return nil, fmt.Errorf("%s: too large", path)
	}
	out.data = make([]byte, n)
	if _, err := io.ReadFull(zr, out.data); err != nil {
		return nil, fmt.Errorf("%s: data: %w", path, err)
	}
	if k, _ := zr.Read(make([]byte, 1)); k != 0 {
		return nil, fmt.Errorf("%s: trailing data", path)
	}
	return out, nil
}

// split returns the training and held-out sets. The labels cycle 0..9, so
// holding out every tenth run of ten digits keeps ten of each class.
func (d *digits) split() (train, test *digits) {
	train, test = &digits{}, &digits{}
	for i := range d.images {
		t := train
		if (i/10)%10 == 9 {
			t = test
		}
		t.images = append(t.images, d.images[i])
		t.labels = append(t.labels, d.labels[i])
	}
	return train, test
}
