package server

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/modelgate/modelgate"
)

// CollectGarbage deletes weights blobs that no live version references and
// that were last written more than grace ago. The grace period protects an
// upload whose blob is written but whose version row has not committed
// yet; a grace of 0 is safe only while no upload can be running (at start,
// under the blob directory's lock). It returns the digests it removed, in
// order; it stops with ctx's error when ctx ends.
func CollectGarbage(ctx context.Context, store modelgate.ModelStore, blobs modelgate.BlobStore, grace time.Duration) ([]string, error) {
	all, err := blobs.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("gc: %w", err)
	}
	refs, err := store.ReferencedWeights(ctx)
	if err != nil {
		return nil, fmt.Errorf("gc: %w", err)
	}
	cutoff := time.Now().Add(-grace)
	var removed []string
	for _, d := range slices.Sorted(maps.Keys(all)) { // sorted: a deterministic order and result
		if err := ctx.Err(); err != nil {
			return removed, fmt.Errorf("gc: %w", err)
		}
		if refs[d] || (grace > 0 && all[d].After(cutoff)) {
			continue
		}
		// Re-check: a version may have committed since the listing.
		if used, err := store.WeightsReferenced(ctx, d); err != nil || used {
			continue
		}
		if err := blobs.Delete(ctx, d); err != nil {
			return removed, fmt.Errorf("gc: %w", err)
		}
		removed = append(removed, d)
	}
	return removed, nil
}

// gcLoop collects garbage every interval until ctx ends.
func (s *Server) gcLoop(ctx context.Context, interval, grace time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			removed, err := CollectGarbage(ctx, s.store, s.blobs, grace)
			if err != nil {
				s.log.Warn("gc failed", "err", err)
			} else if len(removed) > 0 {
				s.log.Info("gc removed unreferenced blobs", "count", len(removed))
			}
		}
	}
}
