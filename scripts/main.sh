#!/usr/bin/env bash
# Builds microsim and runs the main job: a 60 s simulation of the default
# (Netflix OSS-style) architecture, writing every output to out/, then shows
# the run's report page on http://127.0.0.1:8080/ (Ctrl-C to stop).
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
echo "serving the report on http://127.0.0.1:${port}/ (Ctrl-C to stop)"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory out
