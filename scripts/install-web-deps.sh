#!/usr/bin/env bash
# Installs what building the browser viewer needs, skipping whatever is present:
# the wasm32 target, wasm-bindgen-cli at exactly the pinned crate version, and
# web/'s npm packages (D3; playwright-core and ESLint for the tests). Idempotent;
# used by scripts/build-web.sh (so scripts/main.sh works on a fresh machine)
# and by scripts/install-test-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli must match the pinned wasm-bindgen crate exactly (no --locked: it fails here).
want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
got=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$got" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (found: ${got:-none}); this takes a few minutes once"
  cargo install wasm-bindgen-cli --version "$want" --force
fi

command -v node >/dev/null 2>&1 || { echo "node and npm are required for the viewer" >&2; exit 1; }
# Reinstalled whenever package-lock.json's content differs from the one last
# installed: a hash, not timestamps (a checkout, a branch switch or a restored
# cache can leave either file the newer).
lock=$(sha256sum web/package-lock.json | cut -d' ' -f1)
stamp=web/node_modules/.microsim-package-lock.sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock" ]; then
  (cd web && npm ci --no-audit --no-fund)
  echo "$lock" > "$stamp"
fi
