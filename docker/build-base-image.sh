#!/usr/bin/env bash
# Builds ofn-local's offline Node base image without any container registry:
# debootstrap a minimal Debian bookworm with Debian's nodejs, then `docker import` it.
# Idempotent: does nothing when the image exists (pass --force to rebuild). The rootfs
# tarball is cached under OFN_LOCAL_CACHE (default /var/cache/ofn-local) so a rebuild
# after `docker system prune` takes seconds.
set -euo pipefail

IMAGE="${OFN_LOCAL_BASE_IMAGE:-ofn-local/node-base:bookworm}"
CACHE="${OFN_LOCAL_CACHE:-/var/cache/ofn-local}"
SUITE=bookworm
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

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
TARBALL="$CACHE/node-base-$SUITE.tar"
if [ "$FORCE" = 1 ] || [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
  ROOT=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$ROOT"' EXIT
  echo "debootstrap $SUITE with nodejs from $(mirror) ..."
  debootstrap --variant=minbase --include=nodejs,ca-certificates "$SUITE" "$ROOT" "$(mirror)" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; exit 1; }
  # Slim it: no apt lists, docs or caches in the image.
  rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/* "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*
  tar -C "$ROOT" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
fi

docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /workspace' \
  --change 'CMD ["node"]' \
  "$TARBALL" "$IMAGE" >/dev/null
echo "built base image $IMAGE ($(docker run --rm "$IMAGE" node --version))"
