package server_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/modelgate/modelgate/server"
)

// TestConcurrentClients has many clients upload and predict at once (run
// it under -race): every upload succeeds exactly once per content, versions
// are unique, and every prediction matches the reference of the version
// that answered.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testConcurrentClients(t, newEnv(t, b, func(c *server.Config) { c.UploadsPerMinute = 0 }))
		})
	}
}

func testConcurrentClients(t *testing.T, e *env) {
	const uploaders, predictors, models, rounds = 6, 6, 4, 20
	pool := make([]*testModel, models)
	for i := range pool {
		pool[i] = newTestModel(t, uint64(100+i))
	}
	if r := e.uploadModel(e.admin, "shared", pool[0]); r.status != 201 {
		t.Fatalf("seed upload: %d %s", r.status, r.body)
	}
	var (
		mu       sync.Mutex
		byDigest = map[string]*testModel{}
		created  = map[string]int{}
	)
	var wg sync.WaitGroup
	for u := 0; u < uploaders; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < models; i++ {
				m := pool[(u+i)%models]
				r := e.uploadModel(e.admin, "shared", m)
				if r.status != 201 && r.status != 200 {
					t.Errorf("upload: %d %s", r.status, r.body)
					return
				}
				body := r.json(t)
				mu.Lock()
				byDigest[body["digest"].(string)] = m
				if body["created"] == true {
					created[body["digest"].(string)]++
				}
				mu.Unlock()
				// Every uploader also has its own model name.
				if r := e.uploadModel(e.admin, fmt.Sprintf("own-%d", u), m); r.status != 201 {
					t.Errorf("own upload: %d %s", r.status, r.body)
				}
			}
		}()
	}
	for p := 0; p < predictors; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				r := e.postJSON("/v1/models/shared/versions/latest/predict", e.admin, `{"inputs": [[0.5, -1, 2, 0.25], [1, 1, 1, 1]]}`)
				if r.status != 200 {
					t.Errorf("predict: %d %s", r.status, r.body)
					return
				}
				d := r.json(t)["digest"].(string)
				mu.Lock()
				m := byDigest[d]
				mu.Unlock()
				if m != nil {
					if r := e.checkPredict(e.admin, "/v1/models/shared/versions/"+d+"/predict", m, [][]float32{{0.5, -1, 2, 0.25}}); r.status != 200 {
						t.Errorf("predict by digest: %d %s", r.status, r.body)
					}
				}
			}
		}()
	}
	wg.Wait()
	r := e.get("/v1/models/shared", e.admin)
	versions := r.json(t)["versions"].([]any)
	if len(versions) != models {
		t.Fatalf("%d versions of shared, want %d: %s", len(versions), models, r.body)
	}
	for d, n := range created {
		if n != 1 {
			t.Errorf("digest %s created %d times", d, n)
		}
	}
}
