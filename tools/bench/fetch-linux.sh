#!/usr/bin/env bash
# Fetches the kernel image of Debian's linux-image-amd64 into DIR (cached) and prints its path:
# `apt-get download` needs no root, and only /boot/vmlinuz-* is unpacked from the package.
set -euo pipefail
dir=${1:?usage: fetch-linux.sh DIR}
mkdir -p "$dir"
cd "$dir"
if [ -e vmlinuz ]; then
    echo "$PWD/vmlinuz"
    exit 0
fi
# The metapackage names the current kernel package.
package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$package" ]; then
    echo "fetch-linux.sh: apt-cache knows no linux-image-amd64 (run apt-get update first)" >&2
    exit 1
fi
# apt warns when it downloads as root into a directory its sandbox user cannot write: harmless.
apt-get download -q "$package" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true
deb=$(ls "${package}"_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
    echo "fetch-linux.sh: apt-get download $package failed" >&2
    exit 1
fi
dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards --strip-components=2 './boot/vmlinuz-*'
rm -f "$deb"
image=$(ls vmlinuz-* | head -n 1)
ln -sf "$image" vmlinuz
echo "$PWD/vmlinuz"
