package legacy

import (
	"bytes"
	"context"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

func TestPackageValidates(t *testing.T) {
	s, err := spec.ParseJSON([]byte(`{"format":"modelgate/v1","name":"tiny","input":{"shape":[2]},
		"layers":[{"type":"dense","units":1}],"weights":{"sha256":"`+string(bytes.Repeat([]byte("0"), 64))+`","bytes":8}}`), modelgate.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Package(s, []safetensors.Tensor{
		safetensors.F32("layers.0.weight", []int64{1, 2}, []float32{1, 2}),
		safetensors.F32("layers.0.bias", []int64{1}, []float32{0.5}),
	}, map[string]any{"findings": []string{}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := modelpkg.ValidateBytes(context.Background(), res.Spec, false, bytes.NewReader(res.Weights), int64(len(res.Weights)), modelpkg.Options{})
	if err != nil || !rep.Valid() {
		t.Fatalf("converted package does not validate: %v %+v", err, rep)
	}
	if string(res.Report) != `{"findings":[]}` {
		t.Errorf("report %s", res.Report)
	}
}
