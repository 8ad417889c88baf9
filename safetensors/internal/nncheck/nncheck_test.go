// Package nncheck holds the compile-time check that *safetensors.File
// satisfies nn.Weights. It lives apart from package safetensors, which must
// not import nn, and apart from its tests, so that they build even when nn
// does not.
package nncheck

import (
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/safetensors"
)

var _ nn.Weights = (*safetensors.File)(nil)
