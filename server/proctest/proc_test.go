// Package proctest runs the real modelgate binary as separate processes:
// the crash test (kill -9 during uploads, restart, verify) and two serve
// replicas on one PostgreSQL database.
package proctest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/server"
	"github.com/modelgate/modelgate/server/app"
)

// TestMain makes the test binary double as a serve process: with
// MODELGATE_PROCTEST_CHILD=1 it runs app.Run (the code behind "modelgate
// serve") configured from the environment, instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("MODELGATE_PROCTEST_CHILD") == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

func child() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := server.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.UploadsPerMinute, cfg.PredictsPerSecond = 0, 0
	cfg.Threads = 1
	opt := app.Options{Data: os.Getenv("MODELGATE_DATA"), DB: os.Getenv("MODELGATE_DB"), Blobs: os.Getenv("MODELGATE_BLOBS"),
		Config: cfg, AdminToken: os.Getenv("MODELGATE_ADMIN_TOKEN"), Stderr: os.Stderr,
		Logger: slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if err := app.Run(ctx, opt); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// proc is a running serve process.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	mu     *sync.Mutex
}

var servingRE = regexp.MustCompile(`serving on (http://[0-9.:]+)`)

// startServe runs a serve process (this test binary as a child, see
// TestMain) with the given MODELGATE_* environment and waits for its
// address.
func startServe(t *testing.T, token string, env ...string) *proc {
	t.Helper()
	if testing.Short() {
		t.Skip("runs serve processes; skipped with -short")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "MODELGATE_PROCTEST_CHILD=1", "MODELGATE_ADMIN_TOKEN="+token, "MODELGATE_BLOBS=fs"), env...)
	pr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &bytes.Buffer{}, mu: &sync.Mutex{}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			cmd.Wait()
			t.Fatalf("serve exited:\n%s", p.log())
		}
		p.url = u
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve did not start:\n%s", p.log())
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// kill9 kills the process with SIGKILL and reaps it.
func (p *proc) kill9() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// model is a dense network [n] -> 4 (relu) -> 2 with random weights; n
// sets the size of the weights file (16n bytes and a little more).
type model struct {
	spec, weights []byte
}

func newModel(t testing.TB, seed uint64, n int) model {
	r := rand.New(rand.NewPCG(seed, 11))
	gen := func(k int) []float32 {
		out := make([]float32, k)
		for i := range out {
			out[i] = float32(r.NormFloat64()) * 0.01
		}
		return out
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.F32("layers.0.weight", []int64{4, int64(n)}, gen(4*n)),
		safetensors.F32("layers.0.bias", []int64{4}, gen(4)),
		safetensors.F32("layers.1.weight", []int64{2, 4}, gen(8)),
		safetensors.F32("layers.1.bias", []int64{2}, gen(2)),
	}, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	spec := fmt.Sprintf(`{"format": "modelgate/v1", "name": "m", "input": {"shape": [%d]},
 "layers": [{"type": "dense", "units": 4, "activation": "relu"}, {"type": "dense", "units": 2}],
 "weights": {"sha256": "%s", "bytes": %d}}`, n, hex.EncodeToString(sum[:]), buf.Len())
	return model{[]byte(spec), buf.Bytes()}
}

// client talks to one server.
type client struct {
	url, token string
	http       *http.Client
}

func (c *client) do(ctx context.Context, method, path, ctype string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func (c *client) upload(ctx context.Context, name string, m model) (int, map[string]any, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("name", name)
	w, _ := mw.CreateFormFile("spec", "model.json")
	w.Write(m.spec)
	w, _ = mw.CreateFormFile("weights", "weights.safetensors")
	w.Write(m.weights)
	mw.Close()
	st, b, err := c.do(ctx, "POST", "/v1/models", mw.FormDataContentType(), &buf)
	var out map[string]any
	if err == nil {
		_ = json.Unmarshal(b, &out)
	}
	return st, out, err
}

func (c *client) getJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	st, b, err := c.do(context.Background(), "GET", path, "", nil)
	if err != nil || st != 200 {
		t.Fatalf("GET %s: %d %s %v", path, st, b, err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// predictZeros runs a one-sample prediction of zeros on a version.
func (c *client) predictZeros(n int, name, ref string) (int, []byte) {
	body := `{"inputs": [[` + strings.TrimSuffix(strings.Repeat("0,", n), ",") + `]]}`
	st, b, err := c.do(context.Background(), "POST", "/v1/models/"+name+"/versions/"+ref+"/predict", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, []byte(err.Error())
	}
	return st, b
}

func newToken(t *testing.T) string {
	secret, _, err := server.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
