package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/spec"
)

var inspectHelp = cmdHelp{
	name: "inspect",
	args: "PKG",
	about: `Show the package in directory PKG: its name, input and output shapes, and a
table of every layer (nested ones indented) with its JSON pointer, type, output
shape, parameter count and FLOPs per sample, then the totals. The package is
checked as by validate; problems are printed after the table.

Exit status: 0 valid, 1 invalid, 2 usage or I/O error.`,
	example: `modelgate inspect examples/small-cnn
modelgate inspect --format json examples/small-cnn`,
}

// layerJSON is one layer in --format json output.
type layerJSON struct {
	Pointer string `json:"pointer"`
	Type    string `json:"type"`
	Depth   int    `json:"depth"`
	Input   []int  `json:"input"`
	Output  []int  `json:"output"`
	Params  int64  `json:"params"`
	FLOPs   int64  `json:"flops"`
}

// inspectJSON is the --format json output of inspect.
type inspectJSON struct {
	Valid           bool          `json:"valid"`
	Name            string        `json:"name,omitempty"`
	Input           []int         `json:"input,omitempty"`
	Output          []int         `json:"output,omitempty"`
	WeightsDType    string        `json:"weights_dtype,omitempty"`
	WeightsSHA256   string        `json:"weights_sha256,omitempty"`
	WeightsBytes    int64         `json:"weights_bytes,omitempty"`
	Layers          []layerJSON   `json:"layers,omitempty"`
	TotalParams     int64         `json:"total_params"`
	TotalFLOPs      int64         `json:"total_flops"`
	ActivationBytes int64         `json:"activation_bytes"`
	Problems        []problemJSON `json:"problems"`
}

// cmdInspect implements "modelgate inspect".
func cmdInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	pr, code, ok := packageReport(ctx, inspectHelp, args, stdout, stderr)
	if !ok {
		return code
	}
	rep := pr.rep
	if pr.format == "json" {
		writeJSON(stdout, inspectReport(rep))
	} else {
		writeInspect(stdout, rep)
	}
	if !rep.Valid() {
		return exitInvalid
	}
	return exitOK
}

// inspectReport builds the JSON form of an inspection.
func inspectReport(rep *modelpkg.Report) inspectJSON {
	out := inspectJSON{Valid: rep.Valid(), Problems: problemsJSON(rep.Problems)}
	if s := rep.Spec; s != nil {
		out.Name, out.WeightsDType = s.Name, s.Weights.DType
		out.WeightsSHA256, out.WeightsBytes = s.Weights.SHA256, s.Weights.Bytes
	}
	a := rep.Analysis
	if a == nil {
		return out
	}
	out.Input, out.Output = a.Input, a.Output
	out.TotalParams, out.TotalFLOPs, out.ActivationBytes = a.TotalParams, a.TotalFLOPs, a.ActivationBytes
	out.Layers = make([]layerJSON, 0, len(a.Layers))
	for _, l := range a.Layers {
		out.Layers = append(out.Layers, layerJSON{Pointer: l.Pointer, Type: string(l.Layer.LayerType()),
			Depth: l.Depth, Input: l.In, Output: l.Out, Params: l.Params, FLOPs: l.FLOPs})
	}
	return out
}

// writeInspect prints the header, the layer table, the totals and any
// problems.
func writeInspect(w io.Writer, rep *modelpkg.Report) {
	if s := rep.Spec; s != nil {
		fmt.Fprintf(w, "name:     %s\n", s.Name)
		fmt.Fprintf(w, "weights:  %s, %d bytes, sha256 %s\n", s.Weights.DType, s.Weights.Bytes, s.Weights.SHA256)
	}
	if a := rep.Analysis; a != nil {
		fmt.Fprintf(w, "input:    %v\noutput:   %v\n\n", a.Input, a.Output)
		writeLayerTable(w, a)
	}
	if !rep.Valid() {
		fmt.Fprintf(w, "\nproblems:\n")
		writeProblems(w, rep.Problems)
	}
}

// writeLayerTable prints one aligned row per layer and a totals row.
func writeLayerTable(w io.Writer, a *spec.Analysis) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "POINTER\tTYPE\tOUTPUT\tPARAMS\tFLOPS\t\n")
	for _, l := range a.Layers {
		typ := strings.Repeat("  ", l.Depth) + string(l.Layer.LayerType())
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t\n", l.Pointer, typ, l.Out, group(l.Params), group(l.FLOPs))
	}
	fmt.Fprintf(tw, "total\t\t%v\t%s\t%s\t\n", a.Output, group(a.TotalParams), group(a.TotalFLOPs))
	tw.Flush()
	fmt.Fprintf(w, "\nlargest activation: %s bytes per sample\n", group(a.ActivationBytes))
}

// group formats n with thousands separators: 1234567 -> "1,234,567".
func group(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
