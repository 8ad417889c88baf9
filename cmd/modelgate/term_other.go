//go:build !linux

package main

import "io"

// isTerminal is false where terminal detection is not implemented.
func isTerminal(io.Writer) bool { return false }
