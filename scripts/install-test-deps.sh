#!/usr/bin/env bash
# Installs what the tests need, skipping whatever is already present.
# Idempotent; safe to run on every CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }

# Rust components and the wasm32 target (sim-core must build for the browser).
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli must match the pinned wasm-bindgen crate exactly (no --locked: it fails here).
want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
got=$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)
if [ "$got" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (found: ${got:-none})"
  cargo install wasm-bindgen-cli --version "$want" --force
fi

have node || { echo "node is required for the wasm tests" >&2; exit 1; }

# Real readers for the export tests: Graphviz from Debian, Python packages in a venv.
if ! have dot; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import pytest, networkx, jsonschema, yaml, opentelemetry.proto" 2>/dev/null; then
  .venv/bin/pip install -q -r tests/readers/requirements.txt
fi

# The browser viewer's tests: Debian's chromium (playwright's own browser
# downloads cannot work here), driven by playwright-core from web/package-lock.json.
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund)
fi
