package spec

// Shape is a per-sample shape (no batch axis), row-major.
type Shape []int

// Analysis is the result of static shape inference over a whole spec. It is
// computed by [Analyze] before any weight is read.
type Analysis struct {
	Input  Shape       // per-sample input shape
	Output Shape       // per-sample output shape
	Layers []LayerInfo // every layer, nested ones included, in pre-order (a skip/parallel layer before its children)
	Params []ParamSpec // every parameter tensor, in layer pre-order, each layer's parameters in the order its type documents

	TotalParams     int64 // sum of the elements of Params
	TotalFLOPs      int64 // per sample; a multiply-add counts as 2
	ActivationBytes int64 // largest float32 tensor live at one time per sample, in bytes (input and output of the largest layer)
}

// LayerInfo is what static inference knows about one layer.
type LayerInfo struct {
	Pointer string // JSON pointer of the layer object, e.g. "/layers/3/branches/1/0"
	Prefix  string // parameter name prefix, e.g. "layers.3.branches.1.0."
	Depth   int    // 0 for top-level layers, 1 inside one skip/parallel, ...
	Layer   Layer  // the layer itself
	In      Shape  // per-sample input shape
	Out     Shape  // per-sample output shape
	Params  int64  // parameter elements owned directly by this layer
	FLOPs   int64  // per sample, children excluded for skip/parallel (their combine only)
}

// ParamSpec is one expected parameter tensor.
type ParamSpec struct {
	Name    string // full name, e.g. "layers.0.weight"
	Shape   Shape  // exact shape, row-major
	Pointer string // JSON pointer of the owning layer
}

// String formats a shape as "[1, 28, 28]".
func (s Shape) String() string {
	b := []byte{'['}
	for i, d := range s {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = appendInt(b, d)
	}
	return string(append(b, ']'))
}

func appendInt(b []byte, v int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// Elements returns the product of the dims, or -1 if it overflows int64.
func (s Shape) Elements() int64 {
	n := int64(1)
	for _, d := range s {
		if d < 0 {
			return -1
		}
		if d != 0 && n > (1<<62)/int64(d) {
			return -1
		}
		n *= int64(d)
	}
	return n
}
