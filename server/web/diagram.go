package web

import (
	"html"
	"html/template"
	"strconv"
	"strings"
)

// Diagram geometry, in SVG user units.
const (
	diagramWidth  = 560
	diagramMargin = 16
	rowHeight     = 50
	rowGap        = 18
	indent        = 26
	maxDrawn      = 400 // layers drawn; the rest are summarised in one line
)

// layerCategory groups layer types for colouring (a CSS class).
func layerCategory(t string) string {
	switch t {
	case "dense", "embedding":
		return "linear"
	case "conv", "conv_transpose", "depthwise_conv":
		return "conv"
	case "max_pool", "mean_pool", "global_max_pool", "global_mean_pool", "adaptive_max_pool", "adaptive_mean_pool", "upsample":
		return "pool"
	case "batch_norm", "layer_norm", "group_norm", "instance_norm", "dropout":
		return "norm"
	case "activation", "softmax", "log_softmax":
		return "act"
	case "flatten", "reshape":
		return "shape"
	case "rnn", "lstm", "gru":
		return "recurrent"
	case "skip", "parallel":
		return "block"
	}
	return "other"
}

// diagram draws the analysed architecture as an SVG: one box per layer
// (nested layers indented inside their skip/parallel block) with its type,
// parameter count and input → output shapes, between an input and an
// output node. Every string is escaped; the result contains no script or
// style attribute (the page's CSP forbids both), only classes.
func diagram(a *analysisInfo) template.HTML {
	layers := a.Layers
	extra := 0
	if len(layers) > maxDrawn {
		layers, extra = layers[:maxDrawn], len(layers)-maxDrawn
	}
	rows := len(layers) + 2
	if extra > 0 {
		rows++
	}
	height := diagramMargin*2 + rows*rowHeight + (rows-1)*rowGap
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" aria-label="architecture diagram" width="`)
	b.WriteString(strconv.Itoa(diagramWidth) + `" height="` + strconv.Itoa(height) + `" viewBox="0 0 ` + strconv.Itoa(diagramWidth) + " " + strconv.Itoa(height) + `">`)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>`)
	drawBlocks(&b, layers)
	row := 0
	box(&b, row, 0, "io", "input", "", formatShape(a.Input), "input")
	for _, l := range layers {
		row++
		arrow(&b, row)
		title := l.Pointer + " — " + formatCount(l.FLOPs) + " FLOPs per sample"
		params := ""
		if l.Params > 0 {
			params = formatCount(l.Params) + " params"
		}
		heading := l.Type
		if l.Detail != "" {
			heading += " · " + l.Detail
		}
		box(&b, row, l.Depth, "layer k-"+layerCategory(l.Type), heading, params, formatShape(l.In)+" → "+formatShape(l.Out), title)
	}
	if extra > 0 {
		row++
		arrow(&b, row)
		box(&b, row, 0, "io", "…", "", strconv.Itoa(extra)+" more layers not drawn", "")
	}
	row++
	arrow(&b, row)
	box(&b, row, 0, "io", "output", formatCount(a.TotalParams)+" params in total", formatShape(a.Output), "output")
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every piece of text above went through html.EscapeString
}

func rowTop(row int) int { return diagramMargin + row*(rowHeight+rowGap) }

// box draws one row: a rounded rectangle with a heading, a right-aligned
// note and a detail line.
func box(b *strings.Builder, row, depth int, class, heading, note, detail, title string) {
	x := diagramMargin + depth*indent
	w := diagramWidth - 2*diagramMargin - 2*depth*indent
	y := rowTop(row)
	b.WriteString(`<g class="row" data-row="` + strconv.Itoa(row) + `">`)
	if title != "" {
		b.WriteString(`<title>` + html.EscapeString(title) + `</title>`)
	}
	b.WriteString(`<rect class="` + html.EscapeString(class) + `" x="` + strconv.Itoa(x) + `" y="` + strconv.Itoa(y) +
		`" width="` + strconv.Itoa(w) + `" height="` + strconv.Itoa(rowHeight) + `" rx="8"/>`)
	b.WriteString(`<text class="heading" x="` + strconv.Itoa(x+12) + `" y="` + strconv.Itoa(y+20) + `">` + html.EscapeString(heading) + `</text>`)
	if note != "" {
		b.WriteString(`<text class="note" text-anchor="end" x="` + strconv.Itoa(x+w-12) + `" y="` + strconv.Itoa(y+20) + `">` + html.EscapeString(note) + `</text>`)
	}
	b.WriteString(`<text class="detail" x="` + strconv.Itoa(x+12) + `" y="` + strconv.Itoa(y+40) + `">` + html.EscapeString(detail) + `</text>`)
	b.WriteString(`</g>`)
}

// arrow connects row-1 to row.
func arrow(b *strings.Builder, row int) {
	x := strconv.Itoa(diagramWidth / 2)
	y1 := rowTop(row) - rowGap
	b.WriteString(`<line class="edge" x1="` + x + `" y1="` + strconv.Itoa(y1) + `" x2="` + x + `" y2="` + strconv.Itoa(rowTop(row)-1) + `" marker-end="url(#arrow)"/>`)
}

// drawBlocks shades the extent of every skip/parallel block (the block's
// row and all deeper rows after it) behind the boxes.
func drawBlocks(b *strings.Builder, layers []layerInfo) {
	for i, l := range layers {
		if l.Type != "skip" && l.Type != "parallel" {
			continue
		}
		last := i
		for j := i + 1; j < len(layers) && layers[j].Depth > l.Depth; j++ {
			last = j
		}
		x := diagramMargin + l.Depth*indent - 6
		w := diagramWidth - 2*x
		y := rowTop(i+1) - 6
		h := rowTop(last+1) + rowHeight + 6 - y
		b.WriteString(`<rect class="block" x="` + strconv.Itoa(x) + `" y="` + strconv.Itoa(y) + `" width="` + strconv.Itoa(w) +
			`" height="` + strconv.Itoa(h) + `" rx="12"/>`)
	}
}
