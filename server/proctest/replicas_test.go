package proctest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/store/postgres/pgtest"
)

// TestTwoReplicasOnePostgres runs two serve processes that share nothing
// but one PostgreSQL database (metadata and blobs) and has clients write
// through both at once: uploads of shared and distinct content and alias
// moves. Versions must stay unique and dense, each content stored once,
// no alias lost, and each replica must serve what the other stored.
func TestTwoReplicasOnePostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	token := newToken(t)
	env := []string{"MODELGATE_DB=" + dsn, "MODELGATE_BLOBS=postgres"}
	var ps [2]*proc
	var wg sync.WaitGroup
	for i := range ps {
		wg.Add(1)
		go func() { // start both at once: migrations and token bootstrap race
			defer wg.Done()
			ps[i] = startServe(t, token, append(env, "MODELGATE_DATA="+t.TempDir())...)
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	cs := [2]*client{}
	for i, p := range ps {
		cs[i] = &client{url: p.url, token: token, http: &http.Client{Timeout: 60 * time.Second}}
	}

	const n, workers, each = 64, 8, 5
	shared := make([]model, each)
	for i := range shared {
		shared[i] = newModel(t, uint64(500+i), n)
	}
	var mu sync.Mutex
	created := map[string]int{}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := cs[w%2]
			for i := 0; i < each; i++ {
				m := shared[i]
				if w%2 == 1 && i%2 == 1 {
					m = newModel(t, uint64(10000+w*100+i), n) // distinct content
				}
				st, out, err := c.upload(context.Background(), "replicated", m)
				if err != nil || st != 201 && st != 200 {
					t.Errorf("upload via replica %d: %d %v %v", w%2, st, out, err)
					return
				}
				mu.Lock()
				if out["created"] == true {
					created[out["digest"].(string)]++
				}
				mu.Unlock()
				alias := fmt.Sprintf("w%d", w)
				body := fmt.Sprintf(`{"version": %v}`, out["version"])
				if st, b, err := c.do(context.Background(), "PUT", "/v1/models/replicated/aliases/"+alias, "application/json", strings.NewReader(body)); err != nil || st != 200 {
					t.Errorf("alias via replica %d: %d %s %v", w%2, st, b, err)
				}
			}
		}()
	}
	wg.Wait()

	distinct := each + (workers/2)*(each/2)
	for i, c := range cs {
		m := c.getJSON(t, "/v1/models/replicated")
		versions := m["versions"].([]any)
		if len(versions) != distinct {
			t.Fatalf("replica %d sees %d versions, want %d", i, len(versions), distinct)
		}
		seen := map[float64]bool{}
		for _, v := range versions {
			num := v.(map[string]any)["version"].(float64)
			if seen[num] || num < 1 || num > float64(distinct) {
				t.Fatalf("version numbers not unique and dense: %v", versions)
			}
			seen[num] = true
		}
		if as := m["aliases"].([]any); len(as) != workers {
			t.Fatalf("replica %d sees %d aliases, want %d", i, len(as), workers)
		}
		// Every version loads (blob read back from PostgreSQL and verified)
		// on both replicas.
		for _, v := range versions {
			ref := fmt.Sprintf("%v", v.(map[string]any)["version"])
			if st, b := c.predictZeros(n, "replicated", ref); st != 200 {
				t.Errorf("replica %d predict %s: %d %s", i, ref, st, b)
			}
		}
	}
	for d, k := range created {
		if k != 1 {
			t.Errorf("content %s created %d times", d, k)
		}
	}
	if len(created) != distinct {
		t.Errorf("%d contents created, want %d", len(created), distinct)
	}
}
