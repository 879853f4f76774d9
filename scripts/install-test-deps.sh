#!/usr/bin/env bash
# Installs what the tests need, skipping whatever is already present, so it
# is quick when nothing is missing; safe to run on every CI run.
#
#   rustfmt, clippy           rustup components
#   wasm32 target, wasm-bindgen-cli, web/'s npm packages   scripts/install-web-deps.sh
#   graphviz                  apt (the DOT reader)
#   mdbook                    cargo install, pinned (the workshop guide)
#   python3-venv              apt, only when `python3 -m venv` cannot make a venv
#   .venv                     pip, exactly tests/readers/requirements.txt and
#                             sim-py/requirements.txt (maturin, Dask distributed)
#   chromium                  apt: Debian's, for the browser tests (playwright's
#                             own browser downloads do not work here; set
#                             CHROMIUM to use another binary)
#
# apt needs root: the script runs it directly as root, through sudo otherwise,
# and stops with a message when neither is possible. `apt-get update` runs at
# most once, and only when something is to be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

me=scripts/install-test-deps.sh
# fail STEP PROBLEM FIX: stops with one clear message.
fail() {
  printf '\n%s: step "%s" failed: %s\nFix: %s\n' "$me" "$1" "$2" "$3" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# apt needs root: run it directly as root, else through sudo, else stop.
root=()
apt_updated=
# apt_install PACKAGE...: Debian packages, without recommends.
apt_install() {
  local step="apt-get install $*"
  have apt-get ||
    fail "$step" "apt-get is not available (this is not a Debian-like system)" \
      "install $* with this system's package manager, then run this again"
  if [ "$(id -u)" -ne 0 ]; then
    have sudo ||
      fail "$step" "installing needs root, this is user $(id -un), and sudo is not installed" \
        "run $me once as root (or install sudo), or install the packages yourself: apt-get install --no-install-recommends $*"
    root=(sudo)
  fi
  if [ -z "$apt_updated" ]; then
    echo "==> apt-get update"
    "${root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
      fail "apt-get update" "apt could not fetch the package lists (its message is above)" \
        "check network access, /etc/apt/sources.list and (without root) sudo rights, then run this again"
    apt_updated=1
  fi
  echo "==> $step"
  "${root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    fail "$step" "apt could not install it (its message is above)" \
      "run 'apt-get install --no-install-recommends $*' by hand to see why"
}

# 1. Rust components (Rust itself is checked by install-web-deps.sh below,
#    but rustup is needed first here).
step="checking the Rust toolchain"
have cargo && have rustup ||
  fail "$step" "cargo or rustup is not on PATH (nor in ~/.cargo/bin)" \
    "install Rust stable with rustup (https://rustup.rs), open a new shell, and run this again"
components=$(rustup component list --installed) ||
  fail "$step" "rustup cannot list its components" "run 'rustup show' to see what is wrong with the toolchain"
for c in rustfmt clippy; do
  if ! grep -q "^$c" <<<"$components"; then
    echo "==> rustup component add $c"
    rustup component add "$c" ||
      fail "rustup component add $c" "rustup could not add it (its message is above)" \
        "check network access to static.rust-lang.org, then run 'rustup component add $c' by hand"
  fi
done

# 2. The wasm32 target, wasm-bindgen-cli and web/'s npm packages (shared with
#    the viewer build; it stops with its own message when a step fails).
bash scripts/install-web-deps.sh

# ESLint 10 (the lint step) needs a newer Node than the viewer build does.
step="checking the Node.js version for ESLint"
node_version=$(node -p 'process.versions.node')
if [ "$(printf '%s\n' 20.19.0 "$node_version" | sort -V | head -n1)" != 20.19.0 ]; then
  fail "$step" "Node.js $node_version is too old: ESLint 10 needs ^20.19, ^22.13 or 24 and later" \
    "install Node.js 20.19 or later (e.g. from nodejs.org or NodeSource; Debian 12's own nodejs is 18)"
fi

# 3. Graphviz, the DOT reader (Debian's).
have dot || apt_install graphviz

# 3b. mdBook for the workshop guide, at a pinned version (without its
#     serve/watch features: a smaller build, about 3 minutes of CPU).
mdbook_version=0.5.4
step="cargo install mdbook --version $mdbook_version"
if [ "$(mdbook --version 2>/dev/null)" != "mdbook v$mdbook_version" ]; then
  echo "==> $step"
  cargo install mdbook --version "$mdbook_version" --no-default-features --features search --force ||
    fail "$step" "cargo could not build mdbook (its message is above)" \
      "check network access to crates.io, then run this again"
fi

# 4. The Python readers, in .venv, at exactly the pinned versions: reinstalled
#    whenever tests/readers/requirements.txt's content changes (a hash).
step="creating .venv"
have python3 ||
  fail "$step" "python3 is not on PATH" "install Python 3.11 or later (apt-get install --no-install-recommends python3 python3-venv)"
if [ ! -x .venv/bin/python ]; then
  echo "==> python3 -m venv .venv"
  if ! python3 -m venv .venv; then
    # Debian's python3 makes venvs only with python3-venv (ensurepip) installed;
    # the failed attempt leaves a .venv without pip behind.
    rm -rf .venv
    apt_install python3-venv
    python3 -m venv .venv ||
      fail "$step" "'python3 -m venv .venv' failed (its message is above)" \
        "make sure $(command -v python3) can create venvs (Debian: python3-venv), then run this again"
  fi
fi
# Each requirements file is installed when its content changed (a hash
# stamped per file): the readers, then what the Python package needs to be
# built (maturin) and tested (Dask distributed).
for req_file in tests/readers/requirements.txt sim-py/requirements.txt; do
  step="pip install -r $req_file"
  req=$(sha256sum "$req_file" | cut -d' ' -f1)
  stamp=.venv/.microsim-$(echo "$req_file" | tr '/.' '--').sha256
  if [ "$(cat "$stamp" 2>/dev/null)" != "$req" ]; then
    echo "==> $step (into .venv)"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req_file" ||
      fail "$step" "pip could not install the pinned packages (its message is above)" \
        "check network access to pypi.org; if a pin has no wheel for $(.venv/bin/python --version 2>&1), re-resolve the pins as $req_file says; or delete .venv and run this again"
    echo "$req" >"$stamp"
  fi
done

# 5. Chromium for the browser tests: Debian's (or $CHROMIUM), driven by
#    playwright-core from web/package-lock.json.
if [ -n "${CHROMIUM:-}" ]; then
  [ -x "$CHROMIUM" ] ||
    fail "checking \$CHROMIUM" "CHROMIUM=$CHROMIUM is not an executable file" \
      "point CHROMIUM at a chromium binary, or unset it to use Debian's /usr/bin/chromium"
elif [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
