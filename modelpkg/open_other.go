//go:build !unix

package modelpkg

import (
	"io/fs"
	"os"
)

// openNoFollow opens path read-only. Without O_NOFOLLOW the Lstat check in
// openRegular and the Stat of the opened file guard against symlinks.
func openNoFollow(path string) (*os.File, error) { return os.Open(path) }

// isSymlinkErr reports whether err means the path was a symlink.
func isSymlinkErr(error) bool { return false }

// linkCount is unknown on this platform.
func linkCount(fs.FileInfo) uint64 { return 1 }
