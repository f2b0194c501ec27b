#!/usr/bin/env bash
# Build a signed apt repository laid out like haproxy.debian.net from Debian's haproxy .deb:
#   make_apt_repo.sh <dir-with-debs> <out-dir> <suite>
# The signing key is generated here, at test time, in <out-dir>/gnupg (never committed); its public
# half is <out-dir>/repo/haproxy-archive-keyring.asc, which the role downloads as the repository key.
set -euo pipefail
debs=$1 out=$2 suite=$3
rm -rf "$out"
repo=$out/repo
mkdir -p "$repo/pool/main" "$repo/dists/$suite/main/binary-amd64" "$out/gnupg"
chmod 700 "$out/gnupg"
export GNUPGHOME=$out/gnupg
gpg --batch --quiet --passphrase '' --quick-gen-key "kube_edge.lb test repository <test@kube-edge.invalid>" ed25519 sign 2d
gpg --batch --quiet --armor --export > "$repo/haproxy-archive-keyring.asc"
cp "$debs"/haproxy_*.deb "$repo/pool/main/"
cd "$repo"
dpkg-scanpackages --multiversion pool/main /dev/null 2>/dev/null > "dists/$suite/main/binary-amd64/Packages"
gzip -9kn "dists/$suite/main/binary-amd64/Packages"
cd "dists/$suite"
{
  echo "Origin: kube_edge.lb test repository"
  echo "Label: haproxy"
  echo "Suite: $suite"
  echo "Codename: $suite"
  echo "Architectures: amd64"
  echo "Components: main"
  echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
  echo "SHA256:"
  for file in main/binary-amd64/Packages main/binary-amd64/Packages.gz; do
    printf ' %s %s %s\n' "$(sha256sum "$file" | cut -d' ' -f1)" "$(stat -c %s "$file")" "$file"
  done
} > Release
gpg --batch --quiet --yes --clearsign -o InRelease Release
gpg --batch --quiet --yes --armor --detach-sign -o Release.gpg Release
echo "$repo"
