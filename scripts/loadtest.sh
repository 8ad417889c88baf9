#!/usr/bin/env bash
# scripts/loadtest.sh — HTTP load benchmark of "modelgate serve" on loopback
# with wrk (Debian package), next to the same model's in-process Predict
# rate, so the HTTP overhead is a measured ratio.
#
#   scripts/loadtest.sh [DURATION]      # default 5s per run
#
# Every measurement is run REPEAT times (default 3) and the best run (highest
# rate) is reported, because a shared machine's other load only ever makes a
# run slower.
#
# For each example (mnist-mlp, small-cnn) it uploads the package, then
# measures single-sample predictions:
#   serial      one connection / one goroutine: latency without queueing
#   saturated   CONNS connections / as many goroutines as cores: throughput
# The server runs with --threads 1 (one core per request; concurrency comes
# from requests), the in-process runs call Predict the same way.
# wrk shares the machine's cores with the server, as a sidecar would.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
dur="${1:-5s}"
repeat="${REPEAT:-3}"
conns="${CONNS:-8}"
cores=$(nproc)

if ! command -v wrk >/dev/null; then
	echo "loadtest: installing wrk" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi

work=$(mktemp -d)
trap 'kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/modelgate" ./cmd/modelgate
go build -o "$work/loadbench" ./server/internal/loadbench

token=$("$work/modelgate" token create --data "$work/data" --namespace bench --scopes read,predict,write 2>/dev/null)
: >"$work/serve.log"
"$work/modelgate" serve --data "$work/data" --addr 127.0.0.1:0 --threads 1 \
	--predict-rate 0 --upload-rate 0 --log-level error 2>"$work/serve.log" &
srv=$!
for _ in $(seq 100); do
	url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" 2>/dev/null | head -n1 || true)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MG_TOKEN")
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("MG_BODY"), "r"))
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
	local errors = summary.errors.connect + summary.errors.read + summary.errors.write
		+ summary.errors.status + summary.errors.timeout
	io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
LUA

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
# best runs a command REPEAT times and prints the RESULT line with the
# highest rps.
best() {
	for _ in $(seq "$repeat"); do "$@" | grep RESULT; done | sort -t= -k2 -g -r | head -n1
}
printf "%-10s %-10s %10s %9s %9s   %10s %9s %9s   %s\n" model mode http_rps p50_ms p99_ms inproc_rps p50_ms p99_ms "http/inproc"
for m in mnist-mlp small-cnn; do
	curl -sf -o /dev/null -H "Authorization: Bearer $token" -F name=$m \
		-F spec=@examples/$m/model.json -F weights=@examples/$m/weights.safetensors "$url/v1/models"
	"$work/loadbench" body examples/$m 1 >"$work/$m.json"
	# Warm the model cache.
	curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		--data-binary @"$work/$m.json" "$url/v1/models/$m/versions/latest/predict"
	for mode in serial saturated; do
		if [ $mode = serial ]; then c=1; t=1; w=1; else c=$conns; t=2; w=$cores; fi
		h=$(MG_TOKEN=$token MG_BODY="$work/$m.json" best wrk -t$t -c$c -d"$dur" -s "$work/post.lua" \
			"$url/v1/models/$m/versions/latest/predict")
		i=$(best "$work/loadbench" inproc examples/$m 1 $w "$dur")
		hr=$(echo "$h" | field rps); ir=$(echo "$i" | field rps)
		printf "%-10s %-10s %10s %9s %9s   %10s %9s %9s   %.3f\n" $m $mode "$hr" \
			"$(echo "$h" | field p50_ms)" "$(echo "$h" | field p99_ms)" "$ir" \
			"$(echo "$i" | field p50_ms)" "$(echo "$i" | field p99_ms)" \
			"$(echo "$hr $ir" | awk '{print $1/$2}')"
		errs=$(echo "$h" | field errors)
		[ "$errs" = 0 ] || echo "loadtest: wrk saw $errs errors" >&2
	done
done
