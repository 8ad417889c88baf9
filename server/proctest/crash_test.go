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
	c := &client{url: p.url, token: token, http: &http.Client{Timeout: 30 * time.Second}}

	const n = 32768 // input width: weights of ~512 KiB per model
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu    sync.Mutex
		acked = map[string]string{} // "name@version" -> digest
	)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("crash-%d", g)
			for i := 0; ctx.Err() == nil; i++ {
				st, out, err := c.upload(ctx, name, newModel(t, uint64(g*1000+i), n))
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
			slowUpload(ctx, c, fmt.Sprintf("slow-%d", g), newModel(t, uint64(9000+g), n))
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	p.kill9()
	cancel()
	wg.Wait()
	tmpBefore, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp"))
	t.Logf("killed with %d acknowledged uploads and %d temporary files", len(acked), len(tmpBefore))
	if len(acked) == 0 {
		t.Fatalf("no upload finished before the kill; server log:\n%s", p.log())
	}

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
	c2 := &client{url: p2.url, token: token, http: &http.Client{Timeout: 30 * time.Second}}
	visible := map[string]string{}
	used := map[string]bool{}
	for _, m := range c2.getJSON(t, "/v1/models")["models"].([]any) {
		name := m.(map[string]any)["name"].(string)
		for _, v := range c2.getJSON(t, "/v1/models/"+name)["versions"].([]any) {
			vm := v.(map[string]any)
			ref := fmt.Sprintf("%v", vm["version"])
			visible[name+"@"+ref] = vm["digest"].(string)
			used[vm["weights"].(map[string]any)["sha256"].(string)] = true
			if st, b := c2.predictZeros(n, name, ref); st != 200 {
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
	// No orphans: every stored blob belongs to a visible version, and no
	// temporary file survived the restart.
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*", "*"))
	for _, b := range blobs {
		if !used[filepath.Base(b)] {
			t.Errorf("orphan blob %s", filepath.Base(b))
		}
	}
	if len(blobs) != len(used) {
		t.Errorf("%d blobs for %d referenced weights", len(blobs), len(used))
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	t.Logf("after restart: %d visible versions, %d blobs, all verified", len(visible), len(blobs))
}

// slowUpload sends an upload whose weights trickle in over seconds.
func slowUpload(ctx context.Context, c *client, name string, m model) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		defer pw.Close()
		mw.WriteField("name", name)
		w, _ := mw.CreateFormFile("spec", "model.json")
		w.Write(m.spec)
		w, _ = mw.CreateFormFile("weights", "weights.safetensors")
		for off := 0; off < len(m.weights); off += 16 << 10 {
			if ctx.Err() != nil {
				pw.CloseWithError(ctx.Err())
				return
			}
			w.Write(m.weights[off:min(off+16<<10, len(m.weights))])
			time.Sleep(50 * time.Millisecond)
		}
		mw.Close()
	}()
	_, _, _ = c.do(ctx, "POST", "/v1/models", mw.FormDataContentType(), pr)
}
