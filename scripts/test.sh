#!/usr/bin/env bash
# Installs what the tests need, then runs every check: formatting, lints
# (native and wasm32), the wasm32 build of sim-core, all Rust tests, the wasm
# tests under Node, a short benchmark smoke run, the Python package (built by
# maturin, tested on a local Dask cluster), the browser viewer's ESLint
# and unit tests, the viewer in headless chromium, and its benchmark smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/install-test-deps.sh

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "sim-core and sim-wasm build for wasm32-unknown-unknown"
cargo clippy -p sim-core -p sim-wasm --target wasm32-unknown-unknown -- -D warnings
cargo build -p sim-core -p sim-wasm --target wasm32-unknown-unknown --release

step "wasm32 tests (golden digest equals native) under Node"
cargo test -p sim-wasm --target wasm32-unknown-unknown --release  # reuses the release build above

step "bench smoke run (no timing assertions)"
cargo run --release -q -p sim-cli -- bench --scales 1 --duration 1s --rate 1000 --build-instances 0

step "workshop guide: chapters from the lessons and schemas, mdbook build (docs/guide/book)"
cargo build --release -q -p sim-cli
bash scripts/build-guide.sh

step "exports read back by real readers (networkx, graphviz, opentelemetry-proto, jsonschema, csv), and every command of the guide"
cargo build --release -q -p sim-cli
.venv/bin/python -m pytest -q -rs tests/readers

step "browser viewer: build web/ (sim-wasm via wasm-bindgen, D3, architectures)"
bash scripts/build-web.sh

step "browser viewer: ESLint (web/ and tests/browser, zero warnings)"
(cd web && npm run -s lint)

step "browser viewer: unit tests (layout, snapshot model, particles, renderers)"
node --test web/test/

step "browser viewer tests (headless chromium via playwright-core; screenshots in test-artifacts/)"
cargo build --release -q -p sim-cli
node --test --test-reporter=spec tests/browser/viewer.test.mjs

step "browser viewer benchmark smoke run (fps and delays to test-artifacts/fps.json; no timing assertions)"
node tests/browser/bench.mjs

step "all Rust tests"
cargo test --workspace

step "the Python package: maturin builds sim-py into .venv (dev profile: sim-core is optimised in it, and its build above is reused); its tests run a sweep on a local Dask cluster of two worker processes"
(cd sim-py && VIRTUAL_ENV="$PWD/../.venv" PATH="$PWD/../.venv/bin:$PATH" maturin develop -q)
.venv/bin/python -m pytest -q -rs sim-py/tests
