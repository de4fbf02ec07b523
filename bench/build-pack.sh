#!/usr/bin/env bash
# Builds `pack` (github.com/buildpacks/pack) from the Go module proxy for bench/buildpacks.mjs only:
# the peer ofn-local's buildpacks builds are measured against. Prints the binary's path; cached under
# OFN_LOCAL_CACHE (default /var/cache/ofn-local as root, ~/.cache/ofn-local otherwise). Never shipped.
set -euo pipefail
VERSION="${OFN_LOCAL_PACK_VERSION:-0.36.4}"
MODULE=github.com/buildpacks/pack
if [ -n "${OFN_LOCAL_CACHE:-}" ]; then CACHE_ROOT="$OFN_LOCAL_CACHE"
elif [ "$(id -u)" = 0 ]; then CACHE_ROOT=/var/cache/ofn-local
else CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/ofn-local"; fi
OUT="$CACHE_ROOT/pack-$VERSION"
if [ -x "$OUT/pack" ]; then echo "$OUT/pack"; exit 0; fi
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "Go is needed to build pack" >&2; exit 1; }
mkdir -p "$CACHE_ROOT"
WORK=$(mktemp -d "$CACHE_ROOT/pack-build.XXXXXX")
trap 'chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/scratch"
( cd "$WORK/scratch" && go mod init ofn-local/pack-fetch >/dev/null 2>&1 && go mod download -json "$MODULE@v$VERSION" >"$WORK/download.json" ) >&2
DIR=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$WORK/download.json")
[ -d "$DIR" ] || { echo "go mod download gave no module folder for $MODULE@v$VERSION" >&2; exit 1; }
cp -R "$DIR" "$WORK/src" && chmod -R u+w "$WORK/src"
echo "building pack $VERSION ..." >&2
( cd "$WORK/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X '$MODULE.Version=$VERSION'" -o "$WORK/pack" ./cmd/pack ) >&2
mkdir -p "$OUT" && mv "$WORK/pack" "$OUT/pack.tmp" && mv "$OUT/pack.tmp" "$OUT/pack"
echo "$OUT/pack"
