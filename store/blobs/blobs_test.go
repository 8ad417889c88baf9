package blobs_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/store/blobs"
	"github.com/modelgate/modelgate/store/storetest"
)

func TestBlobs(t *testing.T) {
	t.Parallel()
	storetest.RunBlobs(t, func(t *testing.T) modelgate.BlobStore {
		d, err := blobs.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestFailedPutLeavesNoTemp(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d, err := blobs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Put(context.Background(), strings.Repeat("a", 64), 3, bytes.NewReader([]byte("abc")))
	ents, _ := os.ReadDir(filepath.Join(root, "tmp"))
	if len(ents) != 0 {
		t.Fatalf("temp files left: %v", ents)
	}
}

func TestLockAndCleanTemp(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d, err := blobs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := d.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Lock(); modelgate.ErrorCode(err) != modelgate.ECONFLICT {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	if err := os.WriteFile(filepath.Join(d.TempDir(), "put-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := d.CleanTemp(); err != nil || n != 1 {
		t.Fatalf("clean: %d %v", n, err)
	}
}

func TestValidDigest(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		strings.Repeat("a", 64): true, strings.Repeat("A", 64): false, strings.Repeat("a", 63): false,
		"../" + strings.Repeat("a", 61): false, "": false,
	} {
		if blobs.ValidDigest(s) != want {
			t.Errorf("ValidDigest(%q) != %v", s, want)
		}
	}
}
