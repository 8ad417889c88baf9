package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// pages are the templates, each rendered inside layout.html.
var pages = []string{"login", "error", "models", "upload", "model"}

func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{"shape": formatShape, "count": formatCount, "bytes": formatBytes}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p, err)
		}
		out[p] = t
	}
	return out, nil
}

// page is what every template receives.
type page struct {
	Title string
	User  *user
	CSRF  string
	Data  any
}

// render executes a page template into a buffer first, so that a
// template error never leaves a half-written page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, usr *user, data any) {
	p := page{Title: name, User: usr, Data: data}
	if usr != nil {
		p.CSRF = usr.csrf
	}
	var buf bytes.Buffer
	if err := u.tmpl[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		u.log.ErrorContext(r.Context(), "web: template", "page", name, "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorData is the error page's content.
type errorData struct {
	Heading  string
	Message  string
	Problems []problem
}

func (u *UI) renderError(w http.ResponseWriter, r *http.Request, usr *user, status int, heading, msg string) {
	u.render(w, r, status, "error", usr, errorData{Heading: heading, Message: msg})
}

// renderAPIError shows a failed API call's problems.
func (u *UI) renderAPIError(w http.ResponseWriter, r *http.Request, usr *user, res *apiResult, err error) {
	if err != nil {
		u.log.ErrorContext(r.Context(), "web: api call", "err", err.Error())
		u.renderError(w, r, usr, http.StatusInternalServerError, "Error", "The request failed.")
		return
	}
	e := res.problems()
	u.render(w, r, res.status, "error", usr, errorData{Heading: http.StatusText(res.status), Message: e.Problems[0].Message, Problems: e.Problems})
}

func formatShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, "×") + "]"
}

// formatCount writes n with thin separators: 1 234 567.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u202f')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// prettyJSON indents a JSON document for display (it is shown as
// escaped text, never interpreted).
func prettyJSON(b []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return string(b)
	}
	return buf.String()
}
