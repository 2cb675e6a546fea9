#!/usr/bin/env bash
# Browser CI (issue 14): larq-ts in a real browser. Installs Debian's chromium when missing (as root), packs
# larq-ts with `npm pack`, installs and builds each bundler app of examples/bundlers/ against that tarball, then
# runs scripts/browser/run.mjs: headless Chromium driven by playwright-core against the apps served on 127.0.0.1
# with COOP/COEP headers (and Vite's dev server), plus the tfjs-backend test page (cpu, wasm, webgl, webgpu)
# and the web demo (examples/web: trains the tutorial BNN in a worker, then classifies a digit drawn with the mouse).
#
# Usage: bash scripts/browser-ci.sh [test names…]   (or npm run test:browser; names: see scripts/browser/run.mjs)
# Env: CHROMIUM (default /usr/bin/chromium). Needs the npm registry for the apps' dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
started=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - started )) s)"; }

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "browser-ci: no chromium at $CHROMIUM; install Debian's chromium (apt-get install chromium) or set CHROMIUM" >&2
    exit 1
  fi
fi
"$CHROMIUM" --version

# Build larq-ts unless build/ is newer than every source file (npm test has just built it in .ci/run).
if [ ! -f build/src/index.js ] || [ -n "$(find src package.json tsconfig.json -newer build/src/index.js -print -quit)" ]; then
  step "building larq-ts"
  npx tsc -p tsconfig.json
fi
step "packing larq-ts"
mkdir -p examples/bundlers/.pack
rm -f examples/bundlers/.pack/*.tgz
tarball="$(npm pack --ignore-scripts --silent --pack-destination examples/bundlers/.pack | tail -n 1)"
echo "examples/bundlers/.pack/$tarball"

npm_quiet=(--no-audit --no-fund --loglevel=error)
# The bundler apps, the web demo, and scripts/browser (playwright-core and the tfjs-backend test page).
for app in examples/bundlers/vite examples/bundlers/esbuild examples/bundlers/webpack examples/web scripts/browser; do
  step "installing and building $app"
  (
    cd "$app"
    npm ci "${npm_quiet[@]}"
    # npm ci may take a cached copy of an older tarball with the same name: install this one explicitly.
    npm install --no-save "${npm_quiet[@]}" "$root/examples/bundlers/.pack/$tarball"
    for f in build/src/index.js build/src/engine/runtime.js; do
      cmp -s "node_modules/larq-ts/$f" "$root/$f" || { echo "browser-ci: $app has a stale larq-ts ($f)" >&2; exit 1; }
    done
    log="$(mktemp)"
    npm run build --silent >"$log" 2>&1 || { cat "$log"; exit 1; }
    rm -f "$log"
  )
done

step "running the browser tests"
node scripts/browser/run.mjs "$@"
step "browser CI passed"
