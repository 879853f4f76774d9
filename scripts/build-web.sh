#!/usr/bin/env bash
# Builds what the browser viewer in web/ needs, all of it gitignored:
#   web/pkg/            sim-wasm compiled for wasm32 and bound by wasm-bindgen
#   web/node_modules/   D3 (and playwright-core for the browser tests), from web/package-lock.json
#   web/vendor/d3.min.js
#   web/architectures/  the architectures and scenarios plus an index.json
# Idempotent and quick when nothing changed; the tools are installed the first
# time (scripts/install-web-deps.sh, no root needed). Serve web/ with any
# static server afterwards, e.g. `python3 -m http.server -d web` or
# `microsim serve --web web`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

me=scripts/build-web.sh
# fail STEP PROBLEM FIX: stops with one clear message.
fail() {
  printf '\n%s: step "%s" failed: %s\nFix: %s\n' "$me" "$1" "$2" "$3" >&2
  exit 1
}

# 1. Tools and npm packages (installed once, skipped when present; the script
#    names its own failing step).
bash scripts/install-web-deps.sh || exit 1

step="copying D3 to web/vendor/"
d3=web/node_modules/d3/dist/d3.min.js
[ -f "$d3" ] ||
  fail "$step" "$d3 is missing although npm ci ran" \
    "delete web/node_modules and run $me again (npm ci reinstalls it)"
mkdir -p web/vendor
cmp -s "$d3" web/vendor/d3.min.js || cp "$d3" web/vendor/d3.min.js ||
  fail "$step" "cannot write web/vendor/d3.min.js" "check that web/vendor/ is writable"

# 2. The wasm module (cargo is a no-op when nothing changed; wasm-bindgen only
#    when the .wasm is newer than what web/pkg holds).
step="cargo build -p sim-wasm --target wasm32-unknown-unknown --release"
cargo build -q -p sim-wasm --target wasm32-unknown-unknown --release ||
  fail "$step" "the wasm32 build failed (the compiler's message is above)" \
    "fix the error above; 'cargo build -p sim-wasm --target wasm32-unknown-unknown' shows it again"
wasm=target/wasm32-unknown-unknown/release/sim_wasm.wasm
if [ ! -f web/pkg/sim_wasm_bg.wasm ] || [ "$wasm" -nt web/pkg/sim_wasm_bg.wasm ]; then
  step="wasm-bindgen --target web --out-dir web/pkg"
  wasm-bindgen --target web --out-dir web/pkg "$wasm" ||
    fail "$step" "wasm-bindgen could not bind $wasm (its message is above)" \
      "if it names a version mismatch, run scripts/install-web-deps.sh (it installs the wasm-bindgen-cli that Cargo.toml pins)"
  touch web/pkg/sim_wasm_bg.wasm
fi

# 3. Architectures and scenarios, with an index the pickers read.
step="copying architectures/ to web/architectures/"
sync_json() { # src_dir dst_dir
  local f
  for f in "$1"/*.json; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$2/$(basename "$f")" || cp "$f" "$2/"
  done
  for f in "$2"/*.json; do
    [ -e "$f" ] || continue
    [ "$(basename "$f")" = index.json ] && continue
    [ -e "$1/$(basename "$f")" ] || rm -f "$f"
  done
}
{
  mkdir -p web/architectures/scenarios web/architectures/lessons &&
    sync_json architectures web/architectures &&
    sync_json architectures/scenarios web/architectures/scenarios &&
    sync_json architectures/lessons web/architectures/lessons
} || fail "$step" "cannot write under web/architectures/" "check that web/ is writable"
names() { # dir: its JSON files' names, quoted, comma-separated
  local f
  for f in "$1"/*.json; do
    if [ -e "$f" ]; then printf '"%s"\n' "$(basename "$f" .json)"; fi
  done | paste -sd, -
}
index="{\"architectures\":[$(names architectures)],\"scenarios\":[$(names architectures/scenarios)],\"lessons\":[$(names architectures/lessons)]}"
[ "$(cat web/architectures/index.json 2>/dev/null)" = "$index" ] || printf '%s\n' "$index" >web/architectures/index.json
echo "web/ built: serve it with e.g. python3 -m http.server -d web"
