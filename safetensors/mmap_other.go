//go:build !unix

package safetensors

import "os"

// mapFile never maps on this platform: reads go through the *os.File.
func mapFile(f *os.File, size int64) (data []byte, unmap func() error, ok bool) {
	return nil, nil, false
}
