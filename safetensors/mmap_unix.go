//go:build unix

package safetensors

import (
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the whole file read-only. ok is false when the file cannot
// be mapped (empty, too large for the address space, or mmap failed); the
// caller then reads through the *os.File.
func mapFile(f *os.File, size int64) (data []byte, unmap func() error, ok bool) {
	if size <= 0 || uint64(size) > math.MaxInt {
		return nil, nil, false
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	return data, func() error { return unix.Munmap(data) }, true
}
