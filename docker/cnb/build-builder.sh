#!/usr/bin/env bash
# Assembles (or finds up to date) ofn-local's offline buildpacks builder on this engine, as CI does:
# the lifecycle from the Go module proxy (build-lifecycle.sh, cached), the stack images on the
# offline base (docker/build-base-image.sh must have run), ofn-local's Node and Go buildpacks from
# dist/cnb (npm run build). Prints the builder's name.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="$PATH:/usr/local/go/bin"
LIFECYCLE=$(bash "$HERE/build-lifecycle.sh")
[ -f "$ROOT/dist/cnb/ofn-buildpacks.cjs" ] || { echo "dist/cnb is missing: run npm run build first" >&2; exit 1; }
exec node "$ROOT/bin/ofn-local.js" builder build --lifecycle "$LIFECYCLE" "$@"
