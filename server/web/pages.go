package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// modelsData is the model list page's content.
type modelsData struct {
	Namespace string
	Query     string
	Total     int
	Models    []modelRow
}

type modelRow struct {
	Name      string `json:"name"`
	Versions  int64  `json:"versions"`
	Latest    int64  `json:"latest"`
	UpdatedAt string `json:"updated_at"`
}

// modelsPage lists the namespace's models, filtered by ?q= (a
// case-insensitive substring of the name).
func (u *UI) modelsPage(w http.ResponseWriter, r *http.Request) {
	usr := userOf(r)
	var list struct {
		Namespace string     `json:"namespace"`
		Models    []modelRow `json:"models"`
	}
	res, err := u.getJSON(r, usr, "/v1/models", &list)
	if err != nil || res.status != http.StatusOK {
		u.renderAPIError(w, r, usr, res, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 128 {
		q = q[:128]
	}
	d := modelsData{Namespace: list.Namespace, Query: q, Total: len(list.Models)}
	for _, m := range list.Models {
		if q == "" || strings.Contains(strings.ToLower(m.Name), strings.ToLower(q)) {
			d.Models = append(d.Models, m)
		}
	}
	u.render(w, r, http.StatusOK, "models", usr, d)
}

// uploadPage shows the upload form.
func (u *UI) uploadPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "upload", userOf(r), uploadData{})
}

// modelData is the model page's content.
type modelData struct {
	Name        string
	Ref         string
	Detail      versionDetail
	Spec        specInfo
	Report      reportInfo
	Versions    []versionRow
	Aliases     []aliasRow
	Diagram     template.HTML
	SpecJSON    string
	ScanJSON    string
	Scan        *scanInfo
	Image       *imageGeometry // non-nil when the try-it form accepts an image
	Example     string         // a zero input of the right shape, for the try-it box
	Inputs      string         // the try-it box's content after a submit
	Result      *predictResult
	Refusal     *apiError
	Problems    []problem
	CanPredict  bool
	CanWrite    bool
	PredictPath string
}

type versionRow struct {
	Version    int64  `json:"version"`
	Digest     string `json:"digest"`
	Weights    blobID `json:"weights"`
	UploadedBy string `json:"uploaded_by"`
	CreatedAt  string `json:"created_at"`
}

type blobID struct {
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

type aliasRow struct {
	Name      string `json:"name"`
	Version   int64  `json:"version"`
	UpdatedBy string `json:"updated_by"`
	UpdatedAt string `json:"updated_at"`
}

type versionDetail struct {
	Name string `json:"name"`
	versionRow
	Aliases []string        `json:"aliases"`
	Spec    json.RawMessage `json:"spec"`
	Report  json.RawMessage `json:"report"`
}

// specInfo is the part of a spec the page shows.
type specInfo struct {
	Name        string                `json:"name"`
	Description string                `json:"description"`
	Input       struct{ Shape []int } `json:"input"`
	Metadata    map[string]string     `json:"metadata"`
	Source      *struct {
		Format      string   `json:"format"`
		SHA256      string   `json:"sha256"`
		Bytes       int64    `json:"bytes"`
		FluxVersion string   `json:"flux_version"`
		Notes       []string `json:"notes"`
	} `json:"source"`
}

// scanInfo is the scan report of a converted legacy file (its JSON as
// the scanner writes it; unknown members are ignored for display).
type scanInfo struct {
	Format      string        `json:"format"`
	Bytes       int64         `json:"bytes"`
	ModelKeys   []string      `json:"model_keys"`
	FluxVersion string        `json:"flux_version"`
	Nodes       int           `json:"nodes"`
	Findings    []findingInfo `json:"findings"`
}

type findingInfo struct {
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Path     string `json:"path"`
	Message  string `json:"message"`
	Count    int    `json:"count"`
}

// reportInfo is a stored validation report.
type reportInfo struct {
	Valid    bool            `json:"valid"`
	Problems []problem       `json:"problems"`
	Analysis *analysisInfo   `json:"analysis"`
	Scan     json.RawMessage `json:"scan"`
}

type analysisInfo struct {
	Input           []int       `json:"input"`
	Output          []int       `json:"output"`
	TotalParams     int64       `json:"total_params"`
	TotalFLOPs      int64       `json:"total_flops"`
	ActivationBytes int64       `json:"activation_bytes"`
	Layers          []layerInfo `json:"layers"`
}

type layerInfo struct {
	Pointer string `json:"pointer"`
	Type    string `json:"type"`
	Detail  string `json:"-"` // kernel and activation, from the spec (annotate)
	Depth   int    `json:"depth"`
	In      []int  `json:"in"`
	Out     []int  `json:"out"`
	Params  int64  `json:"params"`
	FLOPs   int64  `json:"flops"`
}

// loadModel fetches everything the model page shows for name at ref.
func (u *UI) loadModel(r *http.Request, usr *user, name, ref string) (*modelData, *apiResult, error) {
	base := "/v1/models/" + url.PathEscape(name)
	var m struct {
		Versions []versionRow `json:"versions"`
		Aliases  []aliasRow   `json:"aliases"`
	}
	if res, err := u.getJSON(r, usr, base, &m); err != nil || res.status != http.StatusOK {
		return nil, res, err
	}
	d := &modelData{Name: name, Ref: ref, Versions: m.Versions, Aliases: m.Aliases,
		CanPredict: usr.Can("predict"), CanWrite: usr.Can("write")}
	if res, err := u.getJSON(r, usr, base+"/versions/"+url.PathEscape(ref), &d.Detail); err != nil || res.status != http.StatusOK {
		return nil, res, err
	}
	_ = json.Unmarshal(d.Detail.Spec, &d.Spec)
	_ = json.Unmarshal(d.Detail.Report, &d.Report)
	d.SpecJSON = prettyJSON(d.Detail.Spec)
	if len(d.Report.Scan) > 0 {
		d.ScanJSON = prettyJSON(d.Report.Scan)
		d.Scan = &scanInfo{}
		if json.Unmarshal(d.Report.Scan, d.Scan) != nil {
			d.Scan = nil
		}
	}
	if a := d.Report.Analysis; a != nil {
		annotate(a, d.Detail.Spec)
		d.Diagram = diagram(a)
	}
	d.Image = imageGeometryOf(d.Spec.Input.Shape)
	d.Example = exampleInput(d.Spec.Input.Shape)
	d.PredictPath = "/ui/models/" + url.PathEscape(name) + "/versions/" + url.PathEscape(d.Detail.Digest) + "/predict"
	return d, nil, nil
}

// modelPage shows one version of a model (the latest by default).
func (u *UI) modelPage(w http.ResponseWriter, r *http.Request) {
	usr := userOf(r)
	ref := r.PathValue("version")
	if ref == "" {
		ref = "latest"
	}
	d, res, err := u.loadModel(r, usr, r.PathValue("name"), ref)
	if d == nil {
		u.renderAPIError(w, r, usr, res, err)
		return
	}
	u.render(w, r, http.StatusOK, "model", usr, d)
}

// setAlias points an alias at a version (form fields alias, version).
func (u *UI) setAlias(w http.ResponseWriter, r *http.Request) {
	usr := userOf(r)
	name := r.PathValue("name")
	alias := strings.TrimSpace(r.PostFormValue("alias"))
	body, _ := json.Marshal(map[string]string{"version": strings.TrimSpace(r.PostFormValue("version"))})
	res, err := u.call(r, usr.token, http.MethodPut, "/v1/models/"+url.PathEscape(name)+"/aliases/"+url.PathEscape(alias),
		strings.NewReader(string(body)), "application/json")
	if err != nil || res.status != http.StatusOK {
		u.renderAPIError(w, r, usr, res, err)
		return
	}
	http.Redirect(w, r, "/ui/models/"+url.PathEscape(name)+"/versions/"+url.PathEscape(alias), http.StatusSeeOther)
}

// deleteVersion deletes one version (the API refuses without the write
// scope) and goes back to the model, or to the list when none is left.
func (u *UI) deleteVersion(w http.ResponseWriter, r *http.Request) {
	usr := userOf(r)
	name := r.PathValue("name")
	base := "/v1/models/" + url.PathEscape(name)
	res, err := u.call(r, usr.token, http.MethodDelete, base+"/versions/"+url.PathEscape(r.PathValue("version")), nil, "")
	if err != nil || res.status != http.StatusOK {
		u.renderAPIError(w, r, usr, res, err)
		return
	}
	if left, err := u.call(r, usr.token, http.MethodGet, base, nil, ""); err == nil && left.status == http.StatusOK {
		http.Redirect(w, r, "/ui/models/"+url.PathEscape(name), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

// deleteAlias removes an alias.
func (u *UI) deleteAlias(w http.ResponseWriter, r *http.Request) {
	usr := userOf(r)
	name := r.PathValue("name")
	res, err := u.call(r, usr.token, http.MethodDelete, "/v1/models/"+url.PathEscape(name)+"/aliases/"+url.PathEscape(r.PathValue("alias")), nil, "")
	if err != nil || res.status != http.StatusOK {
		u.renderAPIError(w, r, usr, res, err)
		return
	}
	http.Redirect(w, r, "/ui/models/"+url.PathEscape(name), http.StatusSeeOther)
}
