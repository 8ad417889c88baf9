//go:build unix

package modelpkg

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow opens path read-only, failing on a symlink (O_NOFOLLOW) and
// not blocking on a FIFO (O_NONBLOCK; the mode is checked after opening).
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

// isSymlinkErr reports whether err is the ELOOP of O_NOFOLLOW on a symlink.
func isSymlinkErr(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

// linkCount returns the number of hard links of the file, or 1 when unknown.
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
