package modelgate_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// layers says which of the module's packages each package may import
// (non-test imports). Data flows one way: readers (spec, safetensors, bson,
// juliabson, magic) know nothing of the runtime, the scanner, the stores or
// the server; nn never imports a reader; the server sees stores only through
// the root interfaces, and only cmd (and server/app, the wiring) picks
// implementations. A package missing from this table fails the test, so a
// new package has to be placed in the architecture deliberately.
var layers = map[string][]string{
	"":                             {},
	"internal/binread":             {},
	"internal/cpupeak":             {},
	"internal/bsontest":            {""},
	"internal/ctxio":               {},
	"internal/npy":                 {""},
	"magic":                        {},
	"spec":                         {""},
	"safetensors":                  {""},
	"safetensors/internal/nncheck": {"nn", "safetensors"},
	"bson":                         {"", "internal/binread"},
	"juliabson":                    {"", "bson"},
	"scan":                         {"", "bson", "juliabson", "magic"},
	"flux":                         {"", "bson", "juliabson", "magic", "scan", "spec", "safetensors", "modelpkg", "nn"},
	"nn/gemm":                      {},
	"nn/kernels":                   {},
	"nn":                           {"", "spec", "nn/gemm", "nn/kernels"},
	"modelpkg":                     {"", "spec", "safetensors", "nn"},
	"onnx":                         {"", "spec", "nn"},
	"sandbox":                      {""},
	"sandbox/legacy":               {"", "sandbox", "server", "spec", "safetensors"},
	"store/blobs":                  {"", "internal/ctxio"},
	"store/internal/sqlstore":      {""},
	"store/sqlite":                 {"", "store/internal/sqlstore"},
	"store/postgres":               {"", "store/internal/sqlstore"},
	"store/postgres/pgtest":        {},
	"store/storetest":              {""},
	"server/middleware":            {},
	"server/proctest":              {},
	"server/web":                   {"", "server", "server/middleware", "spec"},
	"server":                       {"", "internal/ctxio", "spec", "nn", "modelpkg", "scan", "flux", "sandbox", "server/middleware"},
	"server/internal/loadbench":    {"modelpkg", "nn"},
	"server/app":                   {"", "server", "server/middleware", "server/web", "store/blobs", "store/sqlite", "store/postgres", "flux", "scan", "sandbox", "modelpkg", "spec", "nn"},
	"internal/examplegen":          {"", "spec", "safetensors", "modelpkg", "nn"},
	"examples":                     {},
	"e2e":                          {},
	"cmd/modelgate":                {"*"},
}

const module = "github.com/modelgate/modelgate"

func TestImportLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := rel(fields[0])
		allowed, ok := layers[pkg]
		if !ok {
			t.Errorf("package %q is not in the layer table of imports_test.go: place it in the architecture", pkg)
			continue
		}
		if slices.Contains(allowed, "*") {
			continue
		}
		for _, imp := range fields[1:] {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			if !slices.Contains(allowed, rel(imp)) {
				t.Errorf("%s imports %s: not allowed by the layer table", pkg, rel(imp))
			}
		}
	}
}

func rel(p string) string {
	return strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
}
