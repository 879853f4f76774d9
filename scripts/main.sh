#!/usr/bin/env bash
# Builds microsim and runs the main job: a 60 s simulation of the default
# (Netflix OSS-style) architecture, writing out/summary.json and out/graph.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p sim-cli
./target/release/microsim run --duration 60s --seed 1 --out out "$@"
