#!/usr/bin/env bash
# Builds what the browser viewer in web/ needs, all of it gitignored:
#   web/pkg/            sim-wasm compiled for wasm32 and bound by wasm-bindgen
#   web/node_modules/   D3 (and playwright-core for the browser tests), from web/package-lock.json
#   web/vendor/d3.min.js
#   web/architectures/  the architectures and scenarios plus an index.json
# Idempotent and quick when nothing changed. Serve web/ with any static server
# afterwards, e.g. `python3 -m http.server -d web` or `microsim serve --web web`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# 1. Tools and npm packages (installed once, skipped when present).
bash scripts/install-web-deps.sh
mkdir -p web/vendor
cmp -s web/node_modules/d3/dist/d3.min.js web/vendor/d3.min.js || cp web/node_modules/d3/dist/d3.min.js web/vendor/d3.min.js

# 2. The wasm module (cargo is a no-op when nothing changed; wasm-bindgen only when the .wasm is newer).
cargo build -q -p sim-wasm --target wasm32-unknown-unknown --release
wasm=target/wasm32-unknown-unknown/release/sim_wasm.wasm
if [ ! -f web/pkg/sim_wasm_bg.wasm ] || [ "$wasm" -nt web/pkg/sim_wasm_bg.wasm ]; then
  wasm-bindgen --target web --out-dir web/pkg "$wasm"
  touch web/pkg/sim_wasm_bg.wasm
fi

# 3. Architectures and scenarios, with an index the pickers read.
mkdir -p web/architectures/scenarios
rsync_json() { # src_dir dst_dir
  local f
  for f in "$1"/*.json; do
    cmp -s "$f" "$2/$(basename "$f")" || cp "$f" "$2/"
  done
  for f in "$2"/*.json; do
    [ "$(basename "$f")" = index.json ] && continue
    [ -e "$1/$(basename "$f")" ] || rm -f "$f"
  done
}
rsync_json architectures web/architectures
rsync_json architectures/scenarios web/architectures/scenarios
names() { for f in "$1"/*.json; do b=$(basename "$f" .json); printf '"%s"\n' "$b"; done | paste -sd, -; }
index="{\"architectures\":[$(names architectures)],\"scenarios\":[$(names architectures/scenarios)]}"
[ "$(cat web/architectures/index.json 2>/dev/null)" = "$index" ] || printf '%s\n' "$index" > web/architectures/index.json
echo "web/ built: serve it with e.g. python3 -m http.server -d web"
