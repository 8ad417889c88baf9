// End-to-end test of the modelgate web UI in headless Chromium, driven by
// playwright-core. Run by e2e_test.go (go test ./e2e), which builds
// modelgate, starts `modelgate serve` on a loopback port with a fresh data
// directory and passes:
//   MG_URL       base URL, e.g. http://127.0.0.1:40123
//   MG_TOKEN     the admin token (MODELGATE_ADMIN_TOKEN of the server)
//   MG_EXAMPLES  the repository's examples/ directory
//   MG_HOSTILE   a hostile legacy Flux .bson file
//   MG_PNG       a 28x28 grey PNG
//   MG_SHOTS     optional: a directory for screenshots
//   MG_CORPUS    optional: shared/corpus/flux-bson (real Flux files)
//   CHROMIUM     optional: the browser (default /usr/bin/chromium)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const url = process.env.MG_URL;
const token = process.env.MG_TOKEN;
const examples = process.env.MG_EXAMPLES;
const shots = process.env.MG_SHOTS || "";
if (!url || !token || !examples || !process.env.MG_HOSTILE || !process.env.MG_PNG) {
  throw new Error("MG_URL, MG_TOKEN, MG_EXAMPLES, MG_HOSTILE and MG_PNG must be set (run through go test ./e2e)");
}

let context, page, profile;
const problems = []; // console errors, CSP violations, page errors

before(async () => {
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "mg-chromium-"));
  // A fresh profile directory (the persistent context's --user-data-dir).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20000);
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("pageerror: " + e.message));
});

after(async () => {
  await context?.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

async function shot(name) {
  if (shots) await page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });
}

function ex(model, file) { return path.join(examples, model, file); }

async function upload(files, name) {
  await page.goto(url + "/ui/upload");
  if (name) await page.fill("#name", name);
  for (const [field, file] of Object.entries(files)) await page.setInputFiles("#" + field, file);
  await page.click("#upload-submit");
}

test("security headers: strict CSP, no inline script", async () => {
  const res = await page.goto(url + "/");
  assert.equal(new URL(page.url()).pathname, "/ui/login");
  const csp = res.headers()["content-security-policy"];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers()["x-frame-options"], "DENY");
  const inline = await page.$$eval("script", (ss) => ss.filter((s) => !s.src).length);
  assert.equal(inline, 0, "inline <script> on the page");
});

test("sign in: a wrong token is refused, the right one opens the model list", async () => {
  await page.goto(url + "/ui/login");
  await page.fill("#token", "mg_" + "A".repeat(43));
  await page.click("button[type=submit]");
  await page.waitForSelector(".alert");
  assert.match(await page.textContent(".alert"), /not valid/);
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForURL(url + "/ui/");
  assert.match(await page.textContent("main"), /No models yet/);
  const cookies = await context.cookies(url + "/ui/");
  const session = cookies.find((c) => c.name === "mg_session");
  assert.ok(session && session.httpOnly && session.sameSite === "Strict", "session cookie must be HttpOnly, SameSite=Strict");
  assert.equal(await page.evaluate(() => document.cookie.includes("mg_session")), false);
});

test("upload a package with a progress bar and see the report and diagram", async () => {
  await upload({ spec: ex("mnist-mlp", "model.json"), weights: ex("mnist-mlp", "weights.safetensors") });
  await page.waitForURL(/\/ui\/models\/mnist-mlp\/versions\/1$/);
  assert.equal(await page.textContent("#report-status"), "valid");
  const rows = await page.$$eval("svg.diagram g.row", (gs) => gs.length);
  const layers = await page.$$eval("table.layers tbody tr", (trs) => trs.length);
  assert.ok(layers >= 2, "layers in the report");
  assert.equal(rows, layers + 2, "one box per layer plus input and output");
  const params = (await page.textContent("#total-params")).replace(/\D/g, "");
  assert.ok(Number(params) > 100000, "total parameters " + params);
  assert.match(await page.textContent("svg.diagram"), /dense/);
  await shot("model-mnist");

  // the progress bar was shown and reached 100%
  await upload({ spec: ex("small-cnn", "model.json"), weights: ex("small-cnn", "weights.safetensors") }, "cnn");
  await page.waitForURL(/\/ui\/models\/cnn\/versions\/1$/);
  assert.match(await page.textContent("svg.diagram"), /conv/);
  assert.match(await page.textContent("svg.diagram"), /\[8×28×28\]/);
});

test("progress bar reaches 100% while uploading", async () => {
  await page.goto(url + "/ui/upload");
  await page.setInputFiles("#spec", ex("mnist-mlp", "model.json"));
  await page.setInputFiles("#weights", ex("mnist-mlp", "weights.safetensors"));
  // Record what the bar shows (the page navigates away when the upload is
  // stored, so keep it in sessionStorage).
  await page.evaluate(() => {
    const bar = document.getElementById("upload-progress");
    sessionStorage.setItem("progress", "");
    new MutationObserver(() => {
      if (!bar.hidden) sessionStorage.setItem("progress", sessionStorage.getItem("progress") + " " + bar.value);
    }).observe(bar, { attributes: true });
  });
  await page.click("#upload-submit");
  await page.waitForURL(/\/ui\/models\/mnist-mlp\/versions\/1$/); // same content: idempotent
  const seen = (await page.evaluate(() => sessionStorage.getItem("progress"))).trim().split(" ").map(Number);
  assert.ok(seen.length > 0 && seen[seen.length - 1] === 100, "progress values " + seen);
});

test("run a prediction on pasted JSON and on an image", async () => {
  await page.goto(url + "/ui/models/mnist-mlp");
  await page.fill("#inputs", fs.readFileSync(ex("mnist-mlp", "input.json"), "utf8"));
  await page.click("#predict-submit");
  await page.waitForSelector("#predict-result");
  assert.match(await page.textContent("#predict-result h3"), /shape \[\d+×10\]/);
  const out = JSON.parse(await page.textContent("#outputs"));
  assert.ok(Array.isArray(out) && out.length >= 1 && out[0].length === 10);

  await page.click("#fill-example");
  await page.click("#predict-submit");
  await page.waitForSelector("#top-classes");
  assert.equal(await page.$$eval("#top-classes tbody tr", (t) => t.length), 5);

  await page.goto(url + "/ui/models/cnn");
  await page.setInputFiles("#image", process.env.MG_PNG);
  await page.click("#predict-submit");
  await page.waitForSelector("#top-classes");
  const sum = JSON.parse(await page.textContent("#outputs"))[0].reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-3, "softmax output sums to 1, got " + sum);
  await shot("predict-cnn");

  await page.fill("#inputs", "[[1, 2, 3]]");
  await page.click("#predict-submit");
  await page.waitForSelector("[data-testid=predict-refusal]");
});

test("a hostile legacy file and a tampered package are refused with their rules", async () => {
  await upload({ file: process.env.MG_HOSTILE }, "evil");
  await page.waitForSelector("[data-testid=refusal]");
  assert.match(await page.textContent("[data-testid=refusal] h2"), /Refused \(4\d\d\)/);
  const rule = (await page.textContent("[data-testid=refusal] td.rule")).trim();
  assert.ok(rule.length > 0, "a refusal names its rule");
  await shot("refusal-legacy");

  await upload({ spec: ex("mnist-mlp", "model.json"), weights: ex("small-cnn", "weights.safetensors") }, "tampered");
  await page.waitForSelector("[data-testid=refusal]");
  assert.match(await page.textContent("[data-testid=refusal] h2"), /Refused \(422\)/);

  await page.goto(url + "/ui/");
  const names = await page.$$eval("#models tbody tr", (trs) => trs.map((t) => t.dataset.name));
  assert.deepEqual(names.sort(), ["cnn", "mnist-mlp"], "nothing refused was stored");
});

test("a real Flux .bson converts in the sandbox; a real hostile one is refused", { skip: !process.env.MG_CORPUS && "no corpus" }, async () => {
  const corpus = process.env.MG_CORPUS;
  await upload({ file: path.join(corpus, "09_juliadeploy_boston_mlp_flux01310.bson") }, "boston");
  await page.waitForURL(/\/ui\/models\/boston\/versions\/1$/);
  assert.equal(await page.textContent("#report-status"), "valid");
  assert.match(await page.textContent("#scan-summary"), /bson/);
  assert.match(await page.textContent("svg.diagram"), /dense/);
  await page.click("#fill-example");
  await page.click("#predict-submit");
  await page.waitForSelector("#predict-result");
  assert.match(await page.textContent("#predict-result h3"), /shape \[1×1\]/);
  await shot("flux-boston");

  await upload({ file: path.join(corpus, "04_modelzoo_ppo_pendulum_policy_mu_anon.bson") }, "ppo");
  await page.waitForSelector("[data-testid=refusal]");
  assert.match(await page.textContent("[data-testid=refusal]"), /serialized-code/);
  await shot("refusal-flux");
});

test("search, aliases, and CSRF protection", async () => {
  await page.goto(url + "/ui/");
  await page.fill("#search", "cnn");
  assert.equal(await page.$$eval("#models tbody tr:not([hidden])", (t) => t.length), 1);
  await page.goto(url + "/ui/?q=mnist");
  assert.deepEqual(await page.$$eval("#models tbody tr", (t) => t.map((r) => r.dataset.name)), ["mnist-mlp"]);
  await page.goto(url + "/ui/");
  await shot("models");

  await page.goto(url + "/ui/models/mnist-mlp");
  await page.fill("#alias", "production");
  await page.click("#alias-form button");
  await page.waitForURL(/\/versions\/production$/);
  assert.match(await page.textContent("#aliases"), /production/);

  // A form post without the CSRF token is refused even with the cookie.
  const forged = await page.request.post(url + "/ui/models/mnist-mlp/aliases", { form: { alias: "hijack", version: "1" } });
  assert.equal(forged.status(), 403);
  const cross = await page.request.post(url + "/ui/logout", { headers: { "Sec-Fetch-Site": "cross-site" }, form: {} });
  assert.equal(cross.status(), 403);
  await page.goto(url + "/ui/models/mnist-mlp");
  assert.doesNotMatch(await page.textContent("#aliases"), /hijack/);
});

test("sign out, and no console errors or CSP violations anywhere", async () => {
  await page.click("header .signout button");
  await page.waitForURL(url + "/ui/login");
  await page.goto(url + "/ui/models/mnist-mlp");
  assert.equal(new URL(page.url()).pathname, "/ui/login");
  assert.deepEqual(problems.filter((p) => !/status of 4\d\d/.test(p)), []);
});
