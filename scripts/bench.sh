#!/bin/sh
# bench.sh runs the side-by-side benchmark of modelgate against ONNX Runtime
# 1.30 and writes the result table into docs/performance.md.
#
# ONNX Runtime comes from the npm package onnxruntime-node@1.30.0 (its
# libonnxruntime.so.1), installed with --ignore-scripts into $ORT_DIR
# (default: a cache directory outside the repository). The benchmark lives in
# the separate Go module bench/ (cgo, github.com/yalue/onnxruntime_go), so
# none of this enters the main module's build.
#
# Usage: scripts/bench.sh [ortbench flags...]   e.g. -time 3s, -threads 1,2
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
ORT_DIR=${ORT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/modelgate-ort}
lib=$ORT_DIR/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1

if [ ! -f "$lib" ]; then
	mkdir -p "$ORT_DIR"
	(cd "$ORT_DIR" && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0)
fi

# If the official ONNX checker is installed (Debian: apt-get install
# python3-onnx), run it with full shape inference over every exported test
# model.
if /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
	dump=$(mktemp -d)
	(cd "$root" && go test -count=1 ./onnx -run TestExportGolden -dump "$dump")
	(cd "$dump" && /usr/bin/python3 - "$dump"/*.onnx <<'PY'
import sys, onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
print("onnx.checker: %d exported models pass (onnx %s)" % (len(sys.argv) - 1, onnx.__version__))
PY
	)
	rm -rf "$dump"
fi

cd "$root/bench"
# Agreement of every exported layer type first (fails fast on a mismatch).
ORT_LIB=$lib go test -count=1 ./...
go build -o "$ORT_DIR/ortbench" ./cmd/ortbench
ORTBENCH_COMMAND="scripts/bench.sh $*" "$ORT_DIR/ortbench" -ort "$lib" -out "$root/docs/performance.md" "$@"
