#!/usr/bin/env bash
# Installs what the tests need, skipping whatever is already present.
# Idempotent; safe to run on every CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }

# Rust components.
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
# The wasm32 target, wasm-bindgen-cli and web/'s npm packages (shared with the viewer build).
bash scripts/install-web-deps.sh

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
