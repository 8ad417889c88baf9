package proctest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/store/blobs"
	"github.com/modelgate/modelgate/store/postgres"
	"github.com/modelgate/modelgate/store/postgres/pgtest"
)

// TestCrashDuringUploads kills the server with SIGKILL while uploads are
// in flight, restarts it on the same data directory and checks that every
// acknowledged upload survived, every visible version is complete and
// passes verification (predict reloads it from storage, checking the blob
// digest), and no orphan blob or temporary file is left.
func TestCrashDuringUploads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	token := newToken(t)
	p := startServe(t, token, "MODELGATE_DATA="+dir)
	acked := uploadUntilKilled(t, p, token)
	tmpBefore, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp"))
	t.Logf("killed with %d acknowledged uploads and %d temporary files", len(acked), len(tmpBefore))

	// Also leave the state of a crash between the blob's rename and the
	// version's commit: a complete blob that nothing references.
	orphan := []byte("a complete blob whose version never committed")
	sum := sha256.Sum256(orphan)
	bs, err := blobs.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Put(context.Background(), hex.EncodeToString(sum[:]), int64(len(orphan)), bytes.NewReader(orphan)); err != nil {
		t.Fatal(err)
	}

	p2 := startServe(t, token, "MODELGATE_DATA="+dir)
	used, visible := verifyAfterCrash(t, p2, token, acked)
	// No orphans: every stored blob belongs to a visible version, and no
	// temporary file survived the restart.
	files, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*", "*"))
	for _, b := range files {
		if !used[filepath.Base(b)] {
			t.Errorf("orphan blob %s", filepath.Base(b))
		}
	}
	if len(files) != len(used) {
		t.Errorf("%d blobs for %d referenced weights", len(files), len(used))
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	t.Logf("after restart: %d visible versions, %d blobs, all verified", visible, len(files))
}

// TestCrashDuringUploadsPostgres is the crash test with metadata and blobs
// in PostgreSQL: a blob and its chunks commit in one transaction, so after
// the kill every stored blob is complete and verifies; a blob whose version
// never committed is left to the collector's grace period.
func TestCrashDuringUploadsPostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	token := newToken(t)
	env := []string{"MODELGATE_DB=" + dsn, "MODELGATE_BLOBS=postgres", "MODELGATE_DATA=" + t.TempDir()}
	p := startServe(t, token, env...)
	acked := uploadUntilKilled(t, p, token)
	p2 := startServe(t, token, env...)
	used, visible := verifyAfterCrash(t, p2, token, acked)
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, err := st.Blobs().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	unreferenced := 0
	for d, touched := range all {
		b, err := st.Blobs().Open(context.Background(), d)
		if err != nil {
			t.Errorf("stored blob %s does not verify: %v", d, err)
			continue
		}
		b.Close()
		if !used[d] {
			unreferenced++
			if time.Since(touched) > 11*time.Minute {
				t.Errorf("old orphan blob %s", d)
			}
		}
	}
	t.Logf("after restart: %d visible versions, %d blobs (%d awaiting collection), all verified", visible, len(all), unreferenced)
}

// uploadUntilKilled runs concurrent and slow uploads against p, kills it
// with SIGKILL mid-flight and returns the acknowledged uploads
// ("name@version" -> digest).
func uploadUntilKilled(t *testing.T, p *proc, token string) map[string]string {
	c := &client{url: p.url, token: token, http: &http.Client{Timeout: 30 * time.Second}}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu    sync.Mutex
		acked = map[string]string{}
	)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("crash-%d", g)
			for i := 0; ctx.Err() == nil; i++ {
				st, out, err := c.upload(ctx, name, newModel(t, uint64(g*1000+i), crashWidth))
				if err != nil || st != 201 {
					continue
				}
				mu.Lock()
				acked[fmt.Sprintf("%s@%v", name, out["version"])] = out["digest"].(string)
				mu.Unlock()
			}
		}()
	}
	// Two uploads that trickle their weights so they are surely mid-flight.
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slowUpload(ctx, c, fmt.Sprintf("slow-%d", g), newModel(t, uint64(9000+g), crashWidth))
		}()
	}
	// Kill once a few uploads were acknowledged (at least 1.5 s, at most
	// 20 s on a slow machine), while the others are in flight.
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 3 && time.Since(start) > 1500*time.Millisecond {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.kill9()
	cancel()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatalf("no upload finished before the kill; server log:\n%s", p.log())
	}
	return acked
}

// crashWidth is the input width of the crash test's models: weights of
// ~512 KiB each.
const crashWidth = 32768

// verifyAfterCrash checks, on the restarted server, that every
// acknowledged upload is visible, no half-finished upload is, and every
// visible version loads (the blob digest is verified on load). It returns
// the weights digests in use and the number of visible versions.
func verifyAfterCrash(t *testing.T, p *proc, token string, acked map[string]string) (map[string]bool, int) {
	c := &client{url: p.url, token: token, http: &http.Client{Timeout: 30 * time.Second}}
	visible := map[string]string{}
	used := map[string]bool{}
	for _, m := range c.getJSON(t, "/v1/models")["models"].([]any) {
		name := m.(map[string]any)["name"].(string)
		for _, v := range c.getJSON(t, "/v1/models/"+name)["versions"].([]any) {
			vm := v.(map[string]any)
			ref := fmt.Sprintf("%v", vm["version"])
			visible[name+"@"+ref] = vm["digest"].(string)
			used[vm["weights"].(map[string]any)["sha256"].(string)] = true
			if st, b := c.predictZeros(crashWidth, name, ref); st != 200 {
				t.Errorf("version %s@%s does not load after the crash: %d %s", name, ref, st, b)
			}
		}
	}
	for k := range visible {
		if strings.HasPrefix(k, "slow-") {
			t.Errorf("a half-finished upload is visible: %s", k)
		}
	}
	for k, d := range acked {
		if visible[k] != d {
			t.Errorf("acknowledged upload %s (%s) lost after the crash", k, d)
		}
	}
	return used, len(visible)
}

// slowUpload sends an upload whose weights trickle in over seconds.
func slowUpload(ctx context.Context, c *client, name string, m model) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		defer pw.Close()
		// Every write fails once the request is gone (server killed).
		if mw.WriteField("name", name) != nil {
			return
		}
		w, err := mw.CreateFormFile("spec", "model.json")
		if err != nil {
			return
		}
		w.Write(m.spec)
		if w, err = mw.CreateFormFile("weights", "weights.safetensors"); err != nil {
			return
		}
		for off := 0; off < len(m.weights); off += 16 << 10 {
			if ctx.Err() != nil {
				pw.CloseWithError(ctx.Err())
				return
			}
			if _, err := w.Write(m.weights[off:min(off+16<<10, len(m.weights))]); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		mw.Close()
	}()
	_, _, _ = c.do(ctx, "POST", "/v1/models", mw.FormDataContentType(), pr)
}
