#!/usr/bin/env bash
# Builds the workshop guide (docs/guide/book): generates the lesson chapters
# and the format reference from the release binary (scripts/guide.py), then
# runs mdbook. Rebuild microsim afterwards to serve the guide at /docs/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
[ -x target/release/microsim ] || cargo build --release -q -p sim-cli
python3 scripts/guide.py target/release/microsim
mdbook build docs/guide
echo "guide built: docs/guide/book/index.html"
