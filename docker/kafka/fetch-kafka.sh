#!/usr/bin/env bash
# Resolves Kafka's released broker jars from Maven Central (pom.xml beside this file) into a cache
# folder and prints that folder. Idempotent: a second run only prints it. Needs mvn and a Java 17 JRE.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml")
CACHE="${OFN_LOCAL_CACHE:-/var/cache/ofn-local}/kafka-$VERSION"
if [ ! -f "$CACHE/.complete" ]; then
  mkdir -p "$CACHE"
  mvn -q -f "$HERE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$CACHE/libs" -DincludeScope=runtime >&2
  touch "$CACHE/.complete"
fi
echo "$CACHE/libs"
