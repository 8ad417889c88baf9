package main

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

// ortSession is one ONNX Runtime session with its bound input and output.
type ortSession struct {
	sess *ort.AdvancedSession
	in   *ort.Tensor[float32]
	out  *ort.Tensor[float32]
}

// newORTSession creates a session for the ONNX model data with intra-op
// threads, one inter-op thread and every graph optimization, bound to an
// input [batch, inShape...] holding input and an output [batch, outShape...].
func newORTSession(data []byte, threads, batch int, inShape, outShape []int, input []float32) (*ortSession, error) {
	opt, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opt.Destroy()
	if err := opt.SetIntraOpNumThreads(threads); err != nil {
		return nil, err
	}
	if err := opt.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	if err := opt.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return nil, err
	}
	in, err := ort.NewTensor(batchShape(batch, inShape), input)
	if err != nil {
		return nil, err
	}
	out, err := ort.NewEmptyTensor[float32](batchShape(batch, outShape))
	if err != nil {
		in.Destroy()
		return nil, err
	}
	sess, err := ort.NewAdvancedSessionWithONNXData(data, []string{"input"}, []string{"output"},
		[]ort.Value{in}, []ort.Value{out}, opt)
	if err != nil {
		in.Destroy()
		out.Destroy()
		return nil, fmt.Errorf("onnxruntime session: %w", err)
	}
	return &ortSession{sess: sess, in: in, out: out}, nil
}

func batchShape(batch int, shape []int) ort.Shape {
	s := ort.Shape{int64(batch)}
	for _, d := range shape {
		s = append(s, int64(d))
	}
	return s
}

// run runs the session once; the result is in output().
func (s *ortSession) run() error { return s.sess.Run() }

// output returns the output buffer (valid until close).
func (s *ortSession) output() []float32 { return s.out.GetData() }

func (s *ortSession) close() {
	s.sess.Destroy()
	s.in.Destroy()
	s.out.Destroy()
}
