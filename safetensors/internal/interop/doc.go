// Package interop holds tests that check files written by package
// safetensors against github.com/nlpodyssey/safetensors, an independent
// implementation of the format, and the reverse.
package interop
