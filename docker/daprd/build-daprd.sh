#!/usr/bin/env bash
# Builds the real daprd from source, from the Go module proxy (no registry image needed), and a
# local Docker image holding it:
#
#   bash docker/daprd/build-daprd.sh [VERSION]        # VERSION defaults to 1.14.0
#
# 1. `go mod download github.com/dapr/dapr@vVERSION` (the module as the proxy serves it), copied
#    to a writable temporary folder, then `go build -tags stablecomponents ./cmd/daprd` with the
#    version stamped in as a release build stamps it (so `daprd --version` prints VERSION, not
#    "edge"). Three components ofn-local uses are not "stable" in Dapr (bindings.mqtt3,
#    pubsub.jetstream, and the sqlite name resolver that lets `--dapr daprd` sidecars find each
#    other's app ids), registered only under `allcomponents`, which does not build: their
#    registration files are given an extra build tag of ours in the copy, so they are built in too.
#    The binary is cached at $CACHE/daprd-VERSION/daprd and reused when present (and built with
#    the same component set, recorded beside it).
# 2. With a Docker engine: the image ofn-local/daprd:VERSION, FROM ofn-local's offline base image
#    (docker/build-base-image.sh), holding /daprd. Reused when present.
#
# CACHE is $OFN_LOCAL_CACHE, else /var/cache/ofn-local when writable (root, CI), else
# ${XDG_CACHE_HOME:-~/.cache}/ofn-local: the same folders `ofn-local up --dapr daprd` looks in.
# Prints the binary's path on its last line of stdout; progress goes to stderr.
# Options: --no-image (binary only), --force (rebuild both).
set -euo pipefail

VERSION=1.14.0
IMAGE_TOO=1
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --no-image) IMAGE_TOO=0 ;;
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "build-daprd.sh: unknown option $arg (known: --no-image, --force, a version such as 1.14.0)" >&2; exit 2 ;;
    *) VERSION="${arg#v}" ;;
  esac
done
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] || { echo "build-daprd.sh: $VERSION is not a Dapr version (such as 1.14.0)" >&2; exit 2; }

say() { printf '%s\n' "$*" >&2; }

if [ -n "${OFN_LOCAL_CACHE:-}" ]; then
  CACHE="$OFN_LOCAL_CACHE"
elif mkdir -p /var/cache/ofn-local 2>/dev/null && [ -w /var/cache/ofn-local ]; then
  CACHE=/var/cache/ofn-local
else
  CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ofn-local"
fi
OUT_DIR="$CACHE/daprd-$VERSION"
BIN="$OUT_DIR/daprd"
IMAGE="ofn-local/daprd:$VERSION"
BASE_IMAGE="${OFN_LOCAL_BASE_IMAGE:-ofn-local/node-base:bookworm}"

# The components beyond the stable set, by their registration file in cmd/daprd/components.
EXTRA_COMPONENTS="binding_mqtt.go pubsub_jetstream.go nameresolution_sqlite.go"
STAMP="$OUT_DIR/components"
if [ "$FORCE" = 1 ] || [ ! -x "$BIN" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "stable $EXTRA_COMPONENTS" ]; then
  command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || { say "build-daprd.sh: Go is needed to build daprd from source: install Go (https://go.dev/dl) or put it on PATH"; exit 1; }
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ofn-local-daprd.XXXXXX")
  trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
  # A scratch module to download into: `go mod download` of an exact version needs no project.
  (cd "$WORK" && go mod init ofn-local-daprd-fetch >/dev/null 2>&1)
  say "downloading github.com/dapr/dapr@v$VERSION from the Go module proxy ($(go env GOPROXY)) ..."
  started=$SECONDS
  json=$(cd "$WORK" && go mod download -json "github.com/dapr/dapr@v$VERSION") || {
    say "build-daprd.sh: github.com/dapr/dapr@v$VERSION cannot be downloaded (the proxy serves 1.14.0, 1.11.2 and 1.11.0; not 1.11.3)"
    exit 1
  }
  MOD_DIR=$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$MOD_DIR" ] || { say "build-daprd.sh: go mod download gave no module folder: $json"; exit 1; }
  say "downloaded in $((SECONDS - started)) s; building daprd $VERSION (stable components; several minutes on 2 cores) ..."
  # The module cache is read-only: build in a writable copy (go build may update go.sum there).
  cp -r "$MOD_DIR" "$WORK/dapr"
  chmod -R u+w "$WORK/dapr"
  for f in $EXTRA_COMPONENTS; do
    file="$WORK/dapr/cmd/daprd/components/$f"
    [ -f "$file" ] || { say "build-daprd.sh: $f is not in dapr $VERSION's cmd/daprd/components"; exit 1; }
    sed -i '1s#^//go:build allcomponents$#//go:build allcomponents || ofnlocal#' "$file"
    head -n1 "$file" | grep -q ofnlocal || { say "build-daprd.sh: $f has an unexpected build constraint: $(head -n1 "$file")"; exit 1; }
  done
  started=$SECONDS
  mkdir -p "$OUT_DIR"
  # The variables a release build sets: the version (else "edge"), the logger's, and the git fields
  # (the module zip has no .git: the tag stands in for both).
  ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$VERSION"
  ldflags+=" -X github.com/dapr/dapr/pkg/buildinfo.gitversion=v$VERSION -X github.com/dapr/dapr/pkg/buildinfo.gitcommit=v$VERSION"
  ldflags+=" -X github.com/dapr/kit/logger.DaprVersion=$VERSION"
  (cd "$WORK/dapr" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags stablecomponents,ofnlocal -ldflags "$ldflags" -o "$BIN.tmp" ./cmd/daprd)
  mv "$BIN.tmp" "$BIN"
  echo "stable $EXTRA_COMPONENTS" >"$STAMP"
  # An image made from an older build is out of date.
  if command -v docker >/dev/null && docker image inspect "$IMAGE" >/dev/null 2>&1; then docker rmi "$IMAGE" >/dev/null 2>&1 || true; fi
  say "built $BIN in $((SECONDS - started)) s"
else
  say "daprd $VERSION already built: $BIN"
fi

got=$("$BIN" --version 2>/dev/null | tail -n1 || true)
[ "$got" = "$VERSION" ] || { say "build-daprd.sh: $BIN --version printed '$got', expected $VERSION"; exit 1; }

if [ "$IMAGE_TOO" = 1 ] && command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  if [ "$FORCE" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "image $IMAGE already present"
  else
    docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || { say "build-daprd.sh: the base image $BASE_IMAGE is missing: run docker/build-base-image.sh first (or pass --no-image)"; exit 1; }
    CTX=$(mktemp -d "${TMPDIR:-/tmp}/ofn-local-daprd-image.XXXXXX")
    cp "$BIN" "$CTX/daprd"
    printf 'FROM %s\nCOPY daprd /daprd\nLABEL org.opencontainers.image.version=%s\nENTRYPOINT []\nCMD ["/daprd", "--version"]\n' "$BASE_IMAGE" "$VERSION" >"$CTX/Dockerfile"
    docker build -q -t "$IMAGE" "$CTX" >/dev/null || { rm -rf "$CTX"; say "build-daprd.sh: docker build of $IMAGE failed"; exit 1; }
    rm -rf "$CTX"
    say "built image $IMAGE"
  fi
fi

echo "$BIN"
