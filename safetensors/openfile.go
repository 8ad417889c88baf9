package safetensors

import (
	"bytes"
	"errors"
	"os"
	"runtime/debug"

	"github.com/modelgate/modelgate"
)

// OpenFile opens and validates the safetensors file at path. On Unix the
// file is mapped read-only into memory and tensors are converted straight
// from the mapping; elsewhere, or when mapping fails, the *os.File is used
// as an io.ReaderAt. Close the File when done.
//
// A mapped file must not be truncated by another process while it is open:
// reads then fail with an EINTERNAL "mapped-file-fault" error instead of
// crashing, but validated offsets no longer guarantee the data is there.
func OpenFile(path string, lim modelgate.Limits) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, &modelgate.Error{Code: openCode(err), Where: path, Rule: "open", Message: "opening weights file", Err: err}
	}
	fi, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, &modelgate.Error{Code: modelgate.EINTERNAL, Where: path, Rule: "open", Message: "stat of weights file", Err: err}
	}
	if !fi.Mode().IsRegular() {
		osf.Close()
		return nil, modelgate.Errorf(modelgate.EINVALID, path, "not-regular-file", "weights file is not a regular file")
	}
	size := fi.Size()
	lim = lim.OrDefault()
	if size > lim.WeightsBytes { // before mapping anything
		osf.Close()
		return nil, overLimit(path, "file-too-large", "file of %d bytes exceeds the %d-byte budget", size, lim.WeightsBytes)
	}
	if data, unmap, ok := mapFile(osf, size); ok {
		osf.Close() // the mapping stays valid
		h, err := inspectMapped(data, lim)
		if err != nil {
			unmap()
			return nil, err
		}
		f := newFile(h, nil)
		f.data, f.closer = data, unmap
		return f, nil
	}
	f, err := Open(osf, size, lim)
	if err != nil {
		osf.Close()
		return nil, err
	}
	f.closer = osf.Close
	return f, nil
}

// inspectMapped runs Inspect on a mapped file, turning a memory fault (the
// file shrank under the mapping) into an error.
func inspectMapped(data []byte, lim modelgate.Limits) (h *Header, err error) {
	defer faultToError(&err, "")
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	return Inspect(bytes.NewReader(data), int64(len(data)), lim)
}

// openCode maps an error of os.Open to an error code.
func openCode(err error) string {
	if errors.Is(err, os.ErrNotExist) {
		return modelgate.ENOTFOUND
	}
	return modelgate.EINTERNAL
}
