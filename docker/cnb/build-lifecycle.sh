#!/usr/bin/env bash
# Builds the Cloud Native Buildpacks lifecycle from the Go module proxy (no container registry here)
# and prints the folder laid out as a builder's /cnb/lifecycle: one multi-call `lifecycle` binary with
# the phase names (detector, analyzer, restorer, builder, exporter, rebaser, creator, extender) as
# symlinks to it, a separate static `launcher`, and lifecycle.toml describing the APIs it speaks.
# Idempotent: a second run only prints the folder. Cached under OFN_LOCAL_CACHE (default
# /var/cache/ofn-local as root, ~/.cache/ofn-local otherwise). Needs Go (PATH or /usr/local/go/bin).
set -euo pipefail

VERSION="${OFN_LOCAL_LIFECYCLE_VERSION:-0.17.2}"
MODULE=github.com/buildpacks/lifecycle
if [ -n "${OFN_LOCAL_CACHE:-}" ]; then CACHE_ROOT="$OFN_LOCAL_CACHE"
elif [ "$(id -u)" = 0 ]; then CACHE_ROOT=/var/cache/ofn-local
else CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/ofn-local"; fi
OUT="$CACHE_ROOT/cnb-lifecycle-$VERSION"

if [ -f "$OUT/.complete" ]; then echo "$OUT/lifecycle"; exit 0; fi

command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "Go is needed to build the CNB lifecycle: install it (or put it in PATH)" >&2; exit 1; }

mkdir -p "$CACHE_ROOT"
WORK=$(mktemp -d "$CACHE_ROOT/lifecycle-build.XXXXXX")
trap 'chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# Download the exact version into the module cache (a scratch module: lists of versions are often
# refused by the proxy, exact versions are served).
mkdir -p "$WORK/scratch"
( cd "$WORK/scratch" && go mod init ofn-local/lifecycle-fetch >/dev/null 2>&1 \
  && go mod download -json "$MODULE@v$VERSION" >"$WORK/download.json" ) >&2
DIR=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$WORK/download.json")
[ -d "$DIR" ] || { echo "go mod download gave no module folder for $MODULE@v$VERSION" >&2; cat "$WORK/download.json" >&2; exit 1; }

# The module cache is read-only: build in a writable copy.
cp -R "$DIR" "$WORK/src"
chmod -R u+w "$WORK/src"
LD="-s -w -X '$MODULE/cmd.Version=$VERSION' -X '$MODULE/cmd.SCMRepository=$MODULE' -X '$MODULE/cmd.SCMCommit=v$VERSION'"
mkdir -p "$WORK/out/lifecycle"
echo "building lifecycle $VERSION ..." >&2
( cd "$WORK/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$LD" -o "$WORK/out/lifecycle/lifecycle" ./cmd/lifecycle ) >&2
( cd "$WORK/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$LD" -o "$WORK/out/lifecycle/launcher" ./cmd/launcher ) >&2
for phase in detector analyzer restorer builder exporter rebaser creator extender; do
  ln -sf lifecycle "$WORK/out/lifecycle/$phase"
done

# The APIs this version speaks, read from its own source (api/apis.go), written as lifecycle.toml.
apis() { # $1 = Platform or Buildpack, $2 = supported or deprecated
  awk -v want="$1" -v kind="$2" '
    $0 ~ "^[[:space:]]*" want "[[:space:]]*=[[:space:]]*newApisMustParse" { on=1 }
    on && /newApisMustParse\(/ {
      line=$0; sub(/.*newApisMustParse\(/, "", line); sub(/\).*/, "", line)
      split(line, parts, /\}, *\[\]string\{/)
      s=parts[1]; d=parts[2]; sub(/\[\]string\{/, "", s); sub(/\}.*/, "", s); sub(/\}.*/, "", d)
      print (kind=="supported" ? s : d); exit
    }' "$WORK/src/api/apis.go" | tr -d ' '
}
toml_list() { local csv="$1"; [ -z "$csv" ] && { echo "[]"; return; }; echo "[$(echo "$csv" | sed 's/,/, /g')]"; }
PS=$(apis Platform supported); PD=$(apis Platform deprecated)
BS=$(apis Buildpack supported); BD=$(apis Buildpack deprecated)
[ -n "$PS" ] && [ -n "$BS" ] || { echo "could not read the supported APIs from $MODULE@v$VERSION api/apis.go" >&2; exit 1; }
cat >"$WORK/out/lifecycle.toml" <<TOML
[apis]
[apis.buildpack]
  deprecated = $(toml_list "$BD")
  supported = $(toml_list "$BS")
[apis.platform]
  deprecated = $(toml_list "$PD")
  supported = $(toml_list "$PS")

[lifecycle]
  version = "$VERSION"
TOML

"$WORK/out/lifecycle/lifecycle" -version >/dev/null 2>&1 || "$WORK/out/lifecycle/creator" -version >&2
rm -rf "$OUT"
mv "$WORK/out" "$OUT"
touch "$OUT/.complete"
echo "$OUT/lifecycle"
