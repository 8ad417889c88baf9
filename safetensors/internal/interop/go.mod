// Module interop checks modelgate's safetensors files against an
// independent Go implementation of the format. It is a separate module so
// that the oracle stays out of modelgate's go.mod; run it with
// `cd safetensors/internal/interop && go test ./...`.
module github.com/modelgate/modelgate/safetensors/internal/interop

go 1.26.8

require (
	github.com/modelgate/modelgate v0.0.0-00010101000000-000000000000
	// Test-only oracle: an independent reader and writer of the format.
	github.com/nlpodyssey/safetensors v0.0.0-20250209183917-bfb01cc25f7c
)

require (
	github.com/go-json-experiment/json v1.27.2 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/modelgate/modelgate => ../../..
