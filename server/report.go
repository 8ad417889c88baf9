package server

import (
	"encoding/json"

	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/spec"
)

// reportJSON is the validation report stored with every version and
// returned by uploads: the problems (none for a stored version), the static
// analysis, and for converted files the scan report.
type reportJSON struct {
	Valid    bool            `json:"valid"`
	Problems []problemJSON   `json:"problems"`
	Analysis *analysisJSON   `json:"analysis,omitempty"`
	Scan     json.RawMessage `json:"scan,omitempty"`
}

type analysisJSON struct {
	Input           []int       `json:"input"`
	Output          []int       `json:"output"`
	TotalParams     int64       `json:"total_params"`
	TotalFLOPs      int64       `json:"total_flops"`
	ActivationBytes int64       `json:"activation_bytes"`
	Layers          []layerJSON `json:"layers"`
}

type layerJSON struct {
	Pointer string `json:"pointer"`
	Type    string `json:"type"`
	Depth   int    `json:"depth"`
	In      []int  `json:"in"`
	Out     []int  `json:"out"`
	Params  int64  `json:"params"`
	FLOPs   int64  `json:"flops"`
}

func analysisOf(a *spec.Analysis) *analysisJSON {
	if a == nil {
		return nil
	}
	out := &analysisJSON{Input: a.Input, Output: a.Output, TotalParams: a.TotalParams, TotalFLOPs: a.TotalFLOPs,
		ActivationBytes: a.ActivationBytes, Layers: []layerJSON{}}
	for _, l := range a.Layers {
		out.Layers = append(out.Layers, layerJSON{Pointer: l.Pointer, Type: string(l.Layer.LayerType()), Depth: l.Depth,
			In: l.In, Out: l.Out, Params: l.Params, FLOPs: l.FLOPs})
	}
	return out
}

// buildReport renders a validation report (and an optional scan report).
func buildReport(rep *modelpkg.Report, scan json.RawMessage) (json.RawMessage, error) {
	r := reportJSON{Valid: rep.Valid(), Problems: []problemJSON{}, Analysis: analysisOf(rep.Analysis), Scan: scan}
	for _, p := range rep.Problems {
		r.Problems = append(r.Problems, toProblem(p))
	}
	return json.Marshal(r)
}
