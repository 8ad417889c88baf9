package server

import (
	"container/list"
	"context"
	"sync"

	"github.com/modelgate/modelgate/modelpkg"
)

// modelCache keeps loaded models under a memory budget, evicting the least
// recently used. Concurrent requests for a model that is not loaded share
// one load.
type modelCache struct {
	budget int64
	m      *metrics

	mu       sync.Mutex
	used     int64
	lru      *list.List // of *cached, most recent first
	items    map[string]*list.Element
	inflight map[string]*loadCall
}

type cached struct {
	key   string
	pkg   *modelpkg.Package
	bytes int64
}

type loadCall struct {
	done chan struct{}
	pkg  *modelpkg.Package
	err  error
}

func newModelCache(budget int64, m *metrics) *modelCache {
	return &modelCache{budget: budget, m: m, lru: list.New(), items: map[string]*list.Element{}, inflight: map[string]*loadCall{}}
}

// modelBytes estimates the resident memory of a loaded model: its float32
// parameters plus the canonical spec.
func modelBytes(p *modelpkg.Package) int64 {
	return p.Analysis.TotalParams*4 + 4096
}

// get returns the model under key, calling load once if it is absent.
func (c *modelCache) get(ctx context.Context, key string, load func(context.Context) (*modelpkg.Package, error)) (*modelpkg.Package, error) {
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		c.m.loads.WithLabelValues("hit").Inc()
		return el.Value.(*cached).pkg, nil
	}
	call, ok := c.inflight[key]
	if !ok {
		call = &loadCall{done: make(chan struct{})}
		c.inflight[key] = call
		go c.run(ctx, key, call, load)
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.pkg, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run loads a model for every waiter. It keeps the first caller's values
// and deadline but not its cancellation, so one impatient client does not
// fail everyone else's load.
func (c *modelCache) run(ctx context.Context, key string, call *loadCall, load func(context.Context) (*modelpkg.Package, error)) {
	lctx := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		lctx, cancel = context.WithDeadline(lctx, dl)
		defer cancel()
	}
	call.pkg, call.err = load(lctx)
	if call.err != nil {
		c.m.loads.WithLabelValues("error").Inc()
	} else {
		c.m.loads.WithLabelValues("load").Inc()
	}
	c.mu.Lock()
	delete(c.inflight, key)
	if call.err == nil {
		c.addLocked(key, call.pkg)
	}
	c.mu.Unlock()
	close(call.done)
}

// add inserts an already loaded model (a fresh upload).
func (c *modelCache) add(key string, p *modelpkg.Package) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; !ok {
		c.addLocked(key, p)
	}
}

func (c *modelCache) addLocked(key string, p *modelpkg.Package) {
	n := modelBytes(p)
	if n > c.budget {
		return // served, but never cached: it would evict everything
	}
	for c.used+n > c.budget && c.lru.Len() > 0 {
		old := c.lru.Back()
		e := old.Value.(*cached)
		c.lru.Remove(old)
		delete(c.items, e.key)
		c.used -= e.bytes
	}
	c.items[key] = c.lru.PushFront(&cached{key: key, pkg: p, bytes: n})
	c.used += n
	c.m.cacheBytes.Set(float64(c.used))
	c.m.cacheModels.Set(float64(c.lru.Len()))
}

// stats returns the bytes and number of cached models.
func (c *modelCache) stats() (int64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, c.lru.Len()
}
