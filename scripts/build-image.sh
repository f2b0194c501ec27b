#!/usr/bin/env bash
# Build the Debian 12 systemd image the molecule scenarios and the lab run, from Debian packages only
# (debootstrap from the host's configured mirror; no registry pulls). The tag is a hash of this
# script and the mirror, so reruns reuse the image. Prints the image reference on its last line.
#   scripts/build-image.sh            build if missing, print the reference
#   scripts/build-image.sh --print    print the reference only
# The same build also imports a second image, the same tag under kube-edge-bookworm-pair, with HAProxy,
# python3-cryptography and python3-apt (the apt module) preinstalled: the haproxy_pair scenario's instances
# live in network namespaces with no way out, so they cannot download packages (their services stay
# disabled until a role starts them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$root/.config/containers/containers.conf}"

# nginx: the molecule scenarios run the lab's worker nodes (tests/lab/nodes.py) inside the instance.
# keepalived: the haproxy_pair scenario holds its VIP with it (the keepalived role installs it too).
packages="systemd systemd-sysv python3 procps iproute2 curl ca-certificates nginx keepalived"
mirror=$(grep -rhE '^URIs: .*/debian/?$' /etc/apt/sources.list.d/ 2>/dev/null | head -1 | awk '{print $2}')
[ -n "$mirror" ] || mirror=$(grep -hE '^deb .*/debian/? bookworm' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
tag=$( (cat "$0"; echo "$mirror") | sha256sum | cut -c1-12)
image="localhost/kube-edge-bookworm:$tag"
pair_image="localhost/kube-edge-bookworm-pair:$tag"
pair_packages="haproxy python3-cryptography python3-apt"

if [ "${1:-}" = "--print" ]; then echo "$image"; exit 0; fi
if podman image exists "$image" && podman image exists "$pair_image"; then
  echo "image: $image is already built" >&2
  echo "$image"; exit 0
fi

work=$(mktemp -d /var/tmp/kube-edge-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "image: debootstrap bookworm from $mirror (about a minute)" >&2
debootstrap --variant=minbase bookworm "$work" "$mirror" >"$work.log" 2>&1 || { tail -20 "$work.log" >&2; exit 1; }
rm -f "$work.log"
echo "image: installing $packages" >&2
# policy-rc.d: no package may start its service inside the chroot (it shares the host's network).
printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
chmod 755 "$work/usr/sbin/policy-rc.d"
chroot "$work" /bin/bash -c "export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null &&
  apt-get clean && rm -rf /var/lib/apt/lists/*"
rm -f "$work/usr/sbin/policy-rc.d"
# Units that make no sense in a container and only slow boot or fail there.
chroot "$work" systemctl mask systemd-udevd.service systemd-udevd-kernel.socket systemd-udevd-control.socket \
  getty.target console-getty.service systemd-logind.service >/dev/null 2>&1 || true
# The distribution's nginx service would listen on every address of the host network (lb01 and the
# molecule instances use it); only nodes.py starts nginx, with its own configuration.
chroot "$work" systemctl mask nginx.service >/dev/null
echo "image: importing as $image" >&2
tar -C "$work" -c . | podman import --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' - "$image" >/dev/null
echo "image: installing $pair_packages for $pair_image" >&2
printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
chmod 755 "$work/usr/sbin/policy-rc.d"
chroot "$work" /bin/bash -c "export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $pair_packages >/dev/null &&
  apt-get clean && rm -rf /var/lib/apt/lists/*"
rm -f "$work/usr/sbin/policy-rc.d"
# The roles enable and start them with their own configuration.
chroot "$work" systemctl disable haproxy.service keepalived.service >/dev/null 2>&1 || true
tar -C "$work" -c . | podman import --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' - "$pair_image" >/dev/null
echo "$image"
