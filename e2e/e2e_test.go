// Package e2e runs the web UI's end-to-end test: it builds modelgate,
// starts `modelgate serve` on a loopback port with a temporary data
// directory and a known admin token, and drives the UI in headless
// Chromium with ui.test.mjs (node + playwright-core). It skips when
// Chromium, node or e2e/node_modules are missing (scripts/e2e-setup.sh
// installs them).
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestUI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the browser test takes ~20 s")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	node, err := exec.LookPath("node")
	switch {
	case err != nil:
		t.Skip("node not found: run scripts/e2e-setup.sh")
	case !exists(chromium):
		t.Skipf("%s not found: run scripts/e2e-setup.sh (apt-get install chromium)", chromium)
	case !exists("node_modules/playwright-core/package.json"):
		t.Skip("e2e/node_modules/playwright-core missing: run scripts/e2e-setup.sh (npm ci in e2e/)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	exe := filepath.Join(dir, "modelgate")
	build := exec.CommandContext(ctx, "go", "build", "-o", exe, "../cmd/modelgate")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	token := newToken(t)
	url := startServer(ctx, t, exe, dir, token)

	hostile := filepath.Join(dir, "hostile.bson")
	write(t, hostile, hostileBSON())
	shots := os.Getenv("MG_SHOTS")
	corpus := findCorpus()
	if corpus == "" {
		t.Log("../shared/corpus/flux-bson not found: the real Flux file steps are skipped")
	}
	cmd := exec.CommandContext(ctx, node, "--test-reporter=spec", "ui.test.mjs")
	cmd.Env = append(os.Environ(), "MG_URL="+url, "MG_TOKEN="+token, "MG_EXAMPLES="+abs(t, "../examples"),
		"MG_HOSTILE="+hostile, "MG_PNG="+abs(t, "testdata/digit.png"), "MG_SHOTS="+shots, "CHROMIUM="+chromium, "MG_CORPUS="+corpus)
	out, err := cmd.CombinedOutput()
	t.Logf("node ui.test.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}

// startServer runs `modelgate serve --addr 127.0.0.1:0` and returns its
// URL, read from the line it prints once it listens.
func startServer(ctx context.Context, t *testing.T, exe, dir, token string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, exe, "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"),
		"--upload-rate", "0", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "MODELGATE_ADMIN_TOKEN="+token)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	re := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil && !sent {
				urls <- m[1]
				sent = true
			} else if !sent || strings.Contains(sc.Text(), `"level":"ERROR"`) {
				t.Logf("serve: %s", sc.Text())
			}
		}
		if !sent {
			close(urls)
		}
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatal("modelgate serve exited before listening")
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("modelgate serve did not start within 30 s")
	}
	return ""
}

func newToken(t *testing.T) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "mg_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// hostileBSON is a BSON.jl-style document whose "model" is a serialized
// Julia closure carrying code (the BSON.jl code-execution shape).
func hostileBSON() []byte {
	doc := func(elems ...[]byte) []byte {
		body := bytes.Join(elems, nil)
		out := binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)+1))
		return append(append(out, body...), 0)
	}
	str := func(key, v string) []byte {
		b := append([]byte{0x02}, key...)
		b = append(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)+1))
		return append(append(b, v...), 0)
	}
	sub := func(key string, d []byte) []byte { return append(append(append([]byte{0x03}, key...), 0), d...) }
	fn := doc(str("tag", "jl_anonymous"), str("code", "run(`sh -c 'touch /tmp/pwned'`)"))
	return doc(sub("model", fn))
}

// findCorpus returns ../shared/corpus/flux-bson beside the repository
// (walking up from the test's directory), or "".
func findCorpus() string {
	dir, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for i := 0; i < 4; i++ {
		p := filepath.Join(dir, "..", "shared", "corpus", "flux-bson")
		if exists(filepath.Join(p, "09_juliadeploy_boston_mlp_flux01310.bson")) {
			return p
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func abs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func write(t *testing.T, p string, b []byte) {
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
