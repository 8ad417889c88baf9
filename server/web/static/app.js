// modelgate web UI: progressive enhancement only (every form also works
// without it). Loaded from /ui/static/ under a CSP that forbids inline
// scripts; it never reads the session (an HttpOnly cookie) and builds DOM
// with textContent only.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  setupUpload();
  setupSearch();
  setupExample();
  setupConfirm();
});

// setupConfirm asks before submitting a form that has data-confirm.
function setupConfirm() {
  for (const f of document.querySelectorAll("form[data-confirm]")) {
    f.addEventListener("submit", (ev) => {
      if (!window.confirm(f.dataset.confirm)) ev.preventDefault();
    });
  }
}

// el makes an element with text content.
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// setupUpload sends the upload form with XMLHttpRequest to show a
// progress bar, then opens the new version or shows the refusal.
function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const out = document.getElementById("upload-result");
  const button = document.getElementById("upload-submit");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    for (const name of ["spec", "weights", "file"]) {
      const f = data.get(name);
      if (f instanceof File && f.size === 0 && f.name === "") data.delete(name);
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "text";
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    status.textContent = "uploading…";
    out.replaceChildren();
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        bar.value = Math.round((100 * e.loaded) / e.total);
        status.textContent = "uploading… " + bar.value + "%";
      }
    });
    xhr.upload.addEventListener("load", () => {
      bar.value = 100;
      status.textContent = "validating…";
    });
    xhr.addEventListener("load", () => {
      button.disabled = false;
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if ((xhr.status === 200 || xhr.status === 201) && body && body.name) {
        status.textContent = body.created ? "stored" : "already stored";
        window.location.assign("/ui/models/" + encodeURIComponent(body.name) + "/versions/" + body.version);
        return;
      }
      status.textContent = "";
      showRefusal(out, xhr.status, body);
    });
    xhr.addEventListener("error", () => {
      button.disabled = false;
      status.textContent = "the upload failed (network error)";
    });
    xhr.send(data);
  });
}

// showRefusal renders an API error body: its problems and report.
function showRefusal(out, code, body) {
  const box = el("div", undefined, "refusal");
  box.dataset.testid = "refusal";
  box.appendChild(el("h2", "Refused (" + code + ")"));
  const problems = (body && body.problems) || [{ code: "error", message: "the server answered " + code }];
  const msg = el("p", problems[0].message, "alert");
  msg.setAttribute("role", "alert");
  box.appendChild(msg);
  const table = el("table", undefined, "problems");
  table.dataset.testid = "problems";
  const head = el("tr");
  for (const h of ["code", "rule", "where", "message"]) head.appendChild(el("th", h));
  table.appendChild(el("thead")).appendChild(head);
  const tbody = table.appendChild(el("tbody"));
  for (const p of problems) {
    const tr = el("tr");
    tr.appendChild(el("td", p.code || ""));
    tr.appendChild(el("td", p.rule || "", "rule"));
    tr.appendChild(el("td")).appendChild(el("code", p.where || ""));
    tr.appendChild(el("td", p.message || ""));
    tbody.appendChild(tr);
  }
  box.appendChild(table);
  if (body && body.report) {
    const d = el("details");
    d.open = true;
    d.appendChild(el("summary", "Report"));
    d.appendChild(el("pre", JSON.stringify(body.report, null, 2)));
    box.appendChild(d);
  }
  out.replaceChildren(box);
}

// setupSearch filters the model table as you type (the form still
// searches on the server when submitted).
function setupSearch() {
  const input = document.getElementById("search");
  const table = document.getElementById("models");
  if (!input || !table) return;
  const empty = document.getElementById("search-empty");
  input.addEventListener("input", () => {
    const q = input.value.trim().toLowerCase();
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      const hit = row.dataset.name.toLowerCase().includes(q);
      row.hidden = !hit;
      if (hit) shown++;
    }
    if (empty) empty.hidden = shown > 0;
  });
}

// setupExample fills the try-it box with a zero sample.
function setupExample() {
  const b = document.getElementById("fill-example");
  const box = document.getElementById("inputs");
  if (!b || !box) return;
  b.addEventListener("click", () => { box.value = b.dataset.example; });
}
