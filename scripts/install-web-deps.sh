#!/usr/bin/env bash
# Installs what building the browser viewer needs, skipping whatever is present:
# the wasm32 target, wasm-bindgen-cli at exactly the pinned crate version, and
# web/'s npm packages (D3; playwright-core and ESLint for the tests). Idempotent;
# used by scripts/build-web.sh (so scripts/main.sh works on a fresh machine)
# and by scripts/install-test-deps.sh. Needs no root: everything goes to
# ~/.cargo and web/node_modules.
#
# Known traps, kept on purpose:
# - `cargo install wasm-bindgen-cli --version X` WITHOUT --locked: with
#   --locked the install fails on this project's machines.
# - No wasm-opt step, and no Debian binaryen for one (Debian 12 packages
#   binaryen 108, years older than the toolchain used here): wasm-bindgen's
#   output is served as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

me=scripts/install-web-deps.sh
# fail STEP PROBLEM FIX: stops with one clear message.
fail() {
  printf '\n%s: step "%s" failed: %s\nFix: %s\n' "$me" "$1" "$2" "$3" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# 1. Rust (a prerequisite, not installed here).
step="checking the Rust toolchain"
have cargo && have rustup ||
  fail "$step" "cargo or rustup is not on PATH (nor in ~/.cargo/bin)" \
    "install Rust stable with rustup (https://rustup.rs), open a new shell, and run this again"

# 2. The wasm32 target.
step="rustup target add wasm32-unknown-unknown"
targets=$(rustup target list --installed) || fail "$step" "rustup cannot list its targets" "run 'rustup show' to see what is wrong with the toolchain"
if ! grep -qx 'wasm32-unknown-unknown' <<<"$targets"; then
  echo "==> $step"
  rustup target add wasm32-unknown-unknown ||
    fail "$step" "rustup could not add the target (its message is above)" \
      "check network access to static.rust-lang.org, then run '$step' by hand"
fi

# 3. wasm-bindgen-cli, exactly the version of the wasm-bindgen crate pinned in
#    Cargo.toml (the CLI refuses a module built with another version).
step="reading the pinned wasm-bindgen version from Cargo.toml"
want=$(sed -n -E 's/^wasm-bindgen[[:space:]]*=[[:space:]]*(\{.*version[[:space:]]*=[[:space:]]*)?"=([0-9]+\.[0-9]+\.[0-9]+)".*$/\2/p' Cargo.toml)
case "$want" in
  '') fail "$step" "no line like 'wasm-bindgen = \"=0.2.130\"' in Cargo.toml" \
        "pin the crate exactly ('=' and a full version) in Cargo.toml's [workspace.dependencies]; wasm-bindgen-cli must match it" ;;
  *[!0-9.]*) fail "$step" "more than one pinned wasm-bindgen version in Cargo.toml: $(echo $want)" \
        "keep one 'wasm-bindgen = \"=X.Y.Z\"' line in Cargo.toml's [workspace.dependencies]" ;;
esac
got=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$got" != "$want" ]; then
  step="cargo install wasm-bindgen-cli --version $want"
  echo "==> $step (found: ${got:-none}); this takes a few minutes, once"
  # No --locked (see the top of this file).
  cargo install wasm-bindgen-cli --version "$want" --force ||
    fail "$step" "cargo could not build or fetch it (its message is above)" \
      "check network access to crates.io and that a C toolchain is installed (apt-get install --no-install-recommends build-essential); do not add --locked"
  got=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  [ "$got" = "$want" ] ||
    fail "checking wasm-bindgen after the install" "'wasm-bindgen --version' says ${got:-nothing}, not $want" \
      "put ~/.cargo/bin first on PATH; another wasm-bindgen is at $(command -v wasm-bindgen || echo '(none)')"
fi

# 4. Node and npm (a prerequisite, not installed here).
step="checking Node.js and npm"
have node && have npm ||
  fail "$step" "node or npm is not on PATH" \
    "install Node.js 20.19 or later with npm (e.g. from nodejs.org or NodeSource; Debian 12's own nodejs is 18, too old for the lint step)"
node_version=$(node -p 'process.versions.node' 2>/dev/null) || fail "$step" "'node' does not run" "reinstall Node.js"
[ "${node_version%%.*}" -ge 18 ] 2>/dev/null ||
  fail "$step" "Node.js $node_version is too old: playwright-core needs 18 or later" \
    "install Node.js 20.19 or later (e.g. from nodejs.org or NodeSource)"

# 5. web/'s npm packages, reinstalled whenever package-lock.json's content
#    differs from the one last installed: a hash, not timestamps (a checkout, a
#    branch switch or a restored cache can leave either file the newer).
step="npm ci in web/"
lock=$(sha256sum web/package-lock.json | cut -d' ' -f1) ||
  fail "$step" "web/package-lock.json cannot be read" "restore it with 'git checkout web/package-lock.json'"
stamp=web/node_modules/.microsim-package-lock.sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock" ]; then
  echo "==> $step"
  (cd web && npm ci --no-audit --no-fund) ||
    fail "$step" "npm could not install web/'s packages (its message is above)" \
      "check network access to registry.npmjs.org, then run '(cd web && npm ci)' by hand"
  echo "$lock" >"$stamp"
fi
