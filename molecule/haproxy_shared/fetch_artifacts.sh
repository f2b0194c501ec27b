#!/usr/bin/env bash
# Fetch what the HAProxy scenarios and benchmark need from Debian's mirror, once, into .cache/haproxy:
#   haproxy_<ver>.orig.tar.gz  upstream tarball (source install method), via a deb-src list
#   haproxy_<ver>_amd64.deb    Debian's binary package (served by the local signed apt repository)
# The host's apt configuration is never modified: the deb-src list and its state live in the cache.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${HAPROXY_CACHE:-$root/.cache/haproxy}
mkdir -p "$cache"
cd "$cache"
if ! ls haproxy_*.orig.tar.gz >/dev/null 2>&1; then
  state=$cache/apt-src
  mkdir -p "$state/lists/partial"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  cat > "$state/sources.list" <<LIST
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
LIST
  opts=(-o "Dir::Etc::SourceList=$state/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
        -o "Dir::State::Lists=$state/lists" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
  apt-get -qq "${opts[@]}" update
  apt-get -qq "${opts[@]}" source --download-only haproxy
fi
if ! ls haproxy_*.deb >/dev/null 2>&1; then
  apt-get -qq download haproxy
fi
ls -1 "$cache"/haproxy_*.orig.tar.gz "$cache"/haproxy_*.deb
