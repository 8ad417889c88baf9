#!/usr/bin/env bash
# scripts/e2e-setup.sh — installs what the web UI end-to-end test needs on a
# fresh Debian machine (as root): Debian's chromium, and playwright-core from
# the npm registry into e2e/node_modules (npm ci, from e2e/package-lock.json).
# Idempotent: each step is skipped when its result is already there.
# e2e/e2e_test.go skips with a message when either is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! [ -x /usr/bin/chromium ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "e2e-setup: /usr/bin/chromium missing and not root; the web UI e2e test will skip" >&2
	else
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
	fi
fi

if ! command -v npm >/dev/null 2>&1; then
	echo "e2e-setup: npm missing; the web UI e2e test will skip" >&2
	exit 0
fi
want=$(node -p 'require("./e2e/package-lock.json").packages["node_modules/playwright-core"].version')
have=$(node -p 'require("./e2e/node_modules/playwright-core/package.json").version' 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	(cd e2e && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
fi
echo "e2e-setup: chromium $(/usr/bin/chromium --version 2>/dev/null || echo missing); playwright-core $(node -p 'require("./e2e/node_modules/playwright-core/package.json").version' 2>/dev/null || echo missing)" >&2
