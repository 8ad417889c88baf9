#!/usr/bin/env bash
# scripts/test.sh — the README's test command. On a fresh Debian machine it
# installs and starts what the tests need (a throwaway PostgreSQL on
# 127.0.0.1, Chromium and playwright-core for the web UI test), then runs
# the whole Go test suite under the race detector.
#
#   scripts/test.sh            # everything
#   scripts/test.sh ./spec/... # only these packages (still with -race)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

# PostgreSQL: the store tests run against a real server when
# MODELGATE_TEST_POSTGRES is set.
if [ -z "${MODELGATE_TEST_POSTGRES:-}" ] && [ -x scripts/pg-test-server.sh ]; then
	dsn=$(scripts/pg-test-server.sh)
	export MODELGATE_TEST_POSTGRES="$dsn"
	echo "test.sh: PostgreSQL at $MODELGATE_TEST_POSTGRES" >&2
fi

# Web UI end-to-end test: Debian chromium driven by playwright-core.
if [ -x scripts/e2e-setup.sh ]; then
	scripts/e2e-setup.sh >&2
fi

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
go test -race -timeout 30m "${pkgs[@]}"

# Test-only modules kept out of go.mod: the safetensors interop oracle.
if [ $# -eq 0 ]; then
	(cd safetensors/internal/interop && go test -race ./...)
fi
