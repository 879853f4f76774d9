#!/usr/bin/env bash
# Builds microsim and runs the main job: a 60 s simulation of the default
# (Netflix OSS-style) architecture, writing every output to out/, then serves
# the browser viewer on http://127.0.0.1:8080/ with the run's report at
# /out/report.html (`microsim serve`; Ctrl-C to stop).
# Extra arguments go to `microsim run`, e.g. scripts/main.sh lamp --scale 1000.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p sim-cli
./target/release/microsim run --out out "$@"
port="${PORT:-8080}"
cat > out/index.html <<'HTML'
<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=report.html"><a href="report.html">report</a>
HTML
# The page opens the architecture that was just run (when one was named).
file=()
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  file=("$1")
fi
if [ -f scripts/build-web.sh ]; then
  bash scripts/build-web.sh || echo "warning: scripts/build-web.sh failed; serving what web/ holds" >&2
fi
if [ -f web/index.html ]; then
  echo "serving the viewer on http://127.0.0.1:${port}/ and the run's report on http://127.0.0.1:${port}/out/report.html (Ctrl-C to stop)"
  exec ./target/release/microsim serve "${file[@]}" --port "$port" --web web --out-dir out
fi
# No viewer built: serve the report alone (out/index.html leads to it).
echo "serving the report on http://127.0.0.1:${port}/ and /out/report.html (the viewer is not built; Ctrl-C to stop)"
exec ./target/release/microsim serve "${file[@]}" --port "$port" --web out --out-dir out
