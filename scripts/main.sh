#!/usr/bin/env bash
# Builds the viewer and microsim (one binary that carries the viewer, the
# architectures and the scenarios), and runs the main job: a 60 s simulation of the default
# (Netflix OSS-style) architecture, writing every output to out/, then serves
# the browser viewer on http://127.0.0.1:8080/ with the run's report at
# /out/report.html (`microsim serve`; Ctrl-C to stop).
# Extra arguments go to `microsim run`, e.g. scripts/main.sh lamp --scale 1000.
# PORT changes the port. Needs Rust stable; the viewer's tools (wasm32 target,
# wasm-bindgen-cli, D3 from npm, with Node.js) are installed the first time,
# without root. If the viewer cannot be built, the run's report is served
# alone and the message says why.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

me=scripts/main.sh
# fail STEP PROBLEM FIX: stops with one clear message.
fail() {
  printf '\n%s: step "%s" failed: %s\nFix: %s\n' "$me" "$1" "$2" "$3" >&2
  exit 1
}

step="checking the Rust toolchain"
command -v cargo >/dev/null 2>&1 ||
  fail "$step" "cargo is not on PATH (nor in ~/.cargo/bin)" \
    "install Rust stable with rustup (https://rustup.rs), open a new shell, and run this again"

# The viewer first: microsim embeds what web/ holds when it is compiled, so
# the binary built next carries the page, D3 and the wasm engine.
viewer=1
bash scripts/build-web.sh || viewer=0

step="cargo build --release -p sim-cli"
cargo build --release -p sim-cli ||
  fail "$step" "microsim did not build (the compiler's message is above)" \
    "fix the error above; 'rustup update stable' if it says the Rust version is too old"

# The workshop guide (/docs/), when mdbook is there (scripts/test.sh installs
# it); built from this binary's lessons, then embedded by a rebuild.
if command -v mdbook >/dev/null 2>&1 && bash scripts/build-guide.sh; then
  cargo build --release -q -p sim-cli
else
  echo "$me: the workshop guide is not built (no mdbook; scripts/install-test-deps.sh installs it): /docs/ will say so" >&2
fi

# microsim explains its own refusals (exit 2: one paragraph naming the place and a fix).
step="microsim run --out out $*"
./target/release/microsim run --out out "$@" ||
  fail "$step" "the run stopped (microsim's message is above)" \
    "correct the arguments as the message says; 'microsim run --help' lists them"

port="${PORT:-8080}"
cat >out/index.html <<'HTML'
<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=report.html"><a href="report.html">report</a>
HTML
# The page opens the architecture that was just run (when one was named).
file=()
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  file=("$1")
fi

if [ "$viewer" = 1 ]; then
  echo "serving the viewer on http://127.0.0.1:${port}/ and the run's report on http://127.0.0.1:${port}/out/report.html (Ctrl-C to stop)"
  exec ./target/release/microsim serve "${file[@]}" --port "$port" --out-dir out
fi
# The viewer did not build (build-web.sh named the step and its fix above):
# the run's outputs are complete, so serve its report alone.
printf '\n%s: the viewer could not be built (see the step and fix above); serving the run'\''s report alone.\n' "$me" >&2
echo "serving the report on http://127.0.0.1:${port}/ and /out/report.html (Ctrl-C to stop)"
exec ./target/release/microsim serve "${file[@]}" --port "$port" --web out --out-dir out
