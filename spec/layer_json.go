package spec

import (
	"bytes"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// writeTyped writes fields (a pointer to a method-less copy of a layer
// type) as a JSON object with "type" first, then the fields in struct order.
func writeTyped(enc *jsontext.Encoder, t Type, fields any) error {
	body, err := json.Marshal(fields, json.Deterministic(true))
	if err != nil {
		return err
	}
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	if err := enc.WriteToken(jsontext.String("type")); err != nil {
		return err
	}
	if err := enc.WriteToken(jsontext.String(string(t))); err != nil {
		return err
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if err := enc.WriteToken(tok); err != nil {
			return err
		}
		val, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if err := enc.WriteValue(val); err != nil {
			return err
		}
	}
	return enc.WriteToken(jsontext.EndObject)
}

// The MarshalJSONTo methods write a layer as a JSON object with its "type"
// member first, then every field in struct order, so that a single layer
// marshals exactly as it appears in a spec.

// MarshalJSONTo writes the layer with "type": "dense" first.
func (l *Dense) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Dense
	return writeTyped(enc, TypeDense, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "conv" first.
func (l *Conv) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Conv
	return writeTyped(enc, TypeConv, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "conv_transpose" first.
func (l *ConvTranspose) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields ConvTranspose
	return writeTyped(enc, TypeConvTranspose, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "max_pool" first.
func (l *MaxPool) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields MaxPool
	return writeTyped(enc, TypeMaxPool, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "mean_pool" first.
func (l *MeanPool) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields MeanPool
	return writeTyped(enc, TypeMeanPool, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "global_max_pool" first.
func (l *GlobalMaxPool) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields GlobalMaxPool
	return writeTyped(enc, TypeGlobalMaxPool, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "global_mean_pool" first.
func (l *GlobalMeanPool) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields GlobalMeanPool
	return writeTyped(enc, TypeGlobalMeanPool, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "adaptive_max_pool" first.
func (l *AdaptiveMaxPool) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields AdaptiveMaxPool
	return writeTyped(enc, TypeAdaptiveMaxPool, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "adaptive_mean_pool" first.
func (l *AdaptiveMeanPool) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields AdaptiveMeanPool
	return writeTyped(enc, TypeAdaptiveMeanPool, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "batchnorm" first.
func (l *BatchNorm) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields BatchNorm
	return writeTyped(enc, TypeBatchNorm, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "layernorm" first.
func (l *LayerNorm) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields LayerNorm
	return writeTyped(enc, TypeLayerNorm, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "groupnorm" first.
func (l *GroupNorm) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields GroupNorm
	return writeTyped(enc, TypeGroupNorm, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "instancenorm" first.
func (l *InstanceNorm) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields InstanceNorm
	return writeTyped(enc, TypeInstanceNorm, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "dropout" first.
func (l *Dropout) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Dropout
	return writeTyped(enc, TypeDropout, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "embedding" first.
func (l *Embedding) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Embedding
	return writeTyped(enc, TypeEmbedding, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "flatten" first.
func (l *Flatten) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Flatten
	return writeTyped(enc, TypeFlatten, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "reshape" first.
func (l *Reshape) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Reshape
	return writeTyped(enc, TypeReshape, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "softmax" first.
func (l *Softmax) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Softmax
	return writeTyped(enc, TypeSoftmax, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "logsoftmax" first.
func (l *LogSoftmax) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields LogSoftmax
	return writeTyped(enc, TypeLogSoftmax, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "activation" first.
func (l *ActivationLayer) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields ActivationLayer
	return writeTyped(enc, TypeActivation, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "upsample" first.
func (l *Upsample) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Upsample
	return writeTyped(enc, TypeUpsample, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "skip" first.
func (l *Skip) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Skip
	return writeTyped(enc, TypeSkip, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "parallel" first.
func (l *Parallel) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields Parallel
	return writeTyped(enc, TypeParallel, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "rnn" first.
func (l *RNN) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields RNN
	return writeTyped(enc, TypeRNN, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "lstm" first.
func (l *LSTM) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields LSTM
	return writeTyped(enc, TypeLSTM, (*fields)(l))
}

// MarshalJSONTo writes the layer with "type": "gru" first.
func (l *GRU) MarshalJSONTo(enc *jsontext.Encoder) error {
	type fields GRU
	return writeTyped(enc, TypeGRU, (*fields)(l))
}
