#!/usr/bin/env bash
# Builds ofn-local's offline Node base image without any container registry:
# debootstrap a minimal Debian bookworm with Debian's nodejs, then `docker import` it.
# With --python it builds the Python base instead (Debian's python3 and python3-venv:
# Python functions get a virtual environment on it), ofn-local/python-base:bookworm.
# Idempotent: does nothing when the image exists (pass --force to rebuild). The rootfs
# tarball is cached under OFN_LOCAL_CACHE (default /var/cache/ofn-local) so a rebuild
# after `docker system prune` takes seconds.
set -euo pipefail

CACHE="${OFN_LOCAL_CACHE:-/var/cache/ofn-local}"
SUITE=bookworm
FORCE=0
FLAVOR=node
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --python) FLAVOR=python ;;
    *) echo "unknown argument $arg (expected --force and/or --python)" >&2; exit 2 ;;
  esac
done
if [ "$FLAVOR" = python ]; then
  IMAGE="${OFN_LOCAL_PYTHON_BASE_IMAGE:-ofn-local/python-base:bookworm}"
  PACKAGES=python3,python3-venv,ca-certificates
  RUN_CMD='["python3"]'
  VERSION_CMD=(python3 --version)
else
  IMAGE="${OFN_LOCAL_BASE_IMAGE:-ofn-local/node-base:bookworm}"
  PACKAGES=nodejs,ca-certificates
  RUN_CMD='["node"]'
  VERSION_CMD=(node --version)
fi

if [ "$FORCE" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE already present"
  exit 0
fi

# Use the mirror the host's apt already uses (deb822 or one-line sources).
mirror() {
  local m
  m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$m" ] || m=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

mkdir -p "$CACHE"
TARBALL="$CACHE/$FLAVOR-base-$SUITE.tar"
if [ "$FORCE" = 1 ] || [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
  ROOT=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$ROOT"' EXIT
  echo "debootstrap $SUITE with $PACKAGES from $(mirror) ..."
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$(mirror)" >"$CACHE/debootstrap-$FLAVOR.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap-$FLAVOR.log" >&2; exit 1; }
  # Slim it: no apt lists, docs or caches in the image.
  rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/* "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*
  tar -C "$ROOT" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
fi

docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /workspace' \
  --change "CMD $RUN_CMD" \
  "$TARBALL" "$IMAGE" >/dev/null
echo "built base image $IMAGE ($(docker run --rm "$IMAGE" "${VERSION_CMD[@]}"))"
