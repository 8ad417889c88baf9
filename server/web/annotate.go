package web

import (
	"encoding/json"
	"strconv"
	"strings"
)

// annotate adds to each analysed layer a short description from the spec
// itself (the layer object its JSON pointer names): the kernel size and
// the activation, e.g. "3×3 · relu". Anything unexpected is skipped.
func annotate(a *analysisInfo, specJSON []byte) {
	var doc any
	if json.Unmarshal(specJSON, &doc) != nil {
		return
	}
	for i := range a.Layers {
		obj, ok := resolvePointer(doc, a.Layers[i].Pointer).(map[string]any)
		if !ok {
			continue
		}
		var parts []string
		if k, ok := obj["kernel"].([]any); ok {
			parts = append(parts, joinInts(k))
		}
		if act, ok := obj["activation"].(string); ok && act != "" && act != "identity" {
			parts = append(parts, act)
		}
		if c, ok := obj["combine"].(string); ok && c != "" {
			parts = append(parts, c)
		}
		a.Layers[i].Detail = strings.Join(parts, " · ")
	}
}

// resolvePointer follows a JSON pointer (RFC 6901) through decoded JSON.
func resolvePointer(doc any, ptr string) any {
	if ptr == "" {
		return doc
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

func joinInts(xs []any) string {
	parts := make([]string, 0, len(xs))
	for _, x := range xs {
		f, ok := x.(float64)
		if !ok {
			return ""
		}
		parts = append(parts, strconv.FormatFloat(f, 'f', -1, 64))
	}
	return strings.Join(parts, "×")
}
