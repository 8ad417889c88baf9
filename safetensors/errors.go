package safetensors

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/modelgate/modelgate"
)

// errClosed is returned by the methods of a closed [File].
var errClosed = errors.New("safetensors: file already closed")

// atByte formats a byte offset for [modelgate.Error.Where].
func atByte(off int64) string { return "byte " + strconv.FormatInt(off, 10) }

// maxWhereName is the longest tensor name used verbatim as a location.
const maxWhereName = 200

// whereName formats a tensor name for [modelgate.Error.Where]: verbatim when
// it is short and printable, else quoted and shortened, so that a hostile
// name cannot forge log lines.
func whereName(name string) string {
	printable := len(name) <= maxWhereName && strings.IndexFunc(name, func(r rune) bool {
		return !unicode.IsPrint(r)
	}) < 0
	if printable && name != "" {
		return name
	}
	if len(name) > maxWhereName {
		name = strings.ToValidUTF8(name[:maxWhereName], "") + "..."
	}
	return strconv.Quote(name)
}

// invalid returns an EINVALID error.
func invalid(where, rule, format string, args ...any) *modelgate.Error {
	return modelgate.Errorf(modelgate.EINVALID, where, rule, format, args...)
}

// overLimit returns an ELIMIT error.
func overLimit(where, rule, format string, args ...any) *modelgate.Error {
	return modelgate.Errorf(modelgate.ELIMIT, where, rule, format, args...)
}

// unsupported returns an EUNSUPPORTED error.
func unsupported(where, rule, format string, args ...any) *modelgate.Error {
	return modelgate.Errorf(modelgate.EUNSUPPORTED, where, rule, format, args...)
}

// jsonError turns an error of the JSON decoder into a typed error. base is
// the file offset of the header's first byte.
func jsonError(err error, base int64) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &modelgate.Error{Code: modelgate.EINVALID, Rule: "header-json",
				Message: "header JSON ends early", Err: io.ErrUnexpectedEOF}
		}
		return &modelgate.Error{Code: modelgate.EINTERNAL, Rule: "header-json",
			Message: "reading header JSON", Err: err}
	}
	where := atByte(base + se.ByteOffset)
	msg := fmt.Sprintf("malformed header JSON at %q", se.JSONPointer)
	rule, cause := "header-json", se.Err
	switch {
	case errors.Is(se, jsontext.ErrDuplicateName):
		rule, msg, cause = "duplicate-name", fmt.Sprintf("duplicate member name at %q", se.JSONPointer), nil
	case errors.Is(se, io.ErrUnexpectedEOF):
		msg = "header JSON ends early"
	case strings.Contains(se.Error(), "UTF-8"), strings.Contains(se.Error(), "surrogate"):
		rule, msg = "invalid-utf8", fmt.Sprintf("invalid UTF-8 or lone surrogate at %q", se.JSONPointer)
	}
	return &modelgate.Error{Code: modelgate.EINVALID, Where: where, Rule: rule, Message: msg, Err: cause}
}
