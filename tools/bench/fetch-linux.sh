#!/usr/bin/env bash
# Fetches the kernel image of Debian's linux-image-amd64 into DIR (cached) and prints its path:
# `apt-get download` needs no root, and only /boot/vmlinuz-* and the modules the disk metrics need
# are unpacked from the package. DIR/modules/ holds those (Debian builds virtio and ext2 as modules)
# and `order`, their load order, dependencies first, as guest paths under /lib/modules/bench.
set -euo pipefail
dir=${1:?usage: fetch-linux.sh DIR}
mkdir -p "$dir"
cd "$dir"
if [ -e vmlinuz ] && [ -e modules/order ]; then
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
# modinfo's depends= order: virtio_blk needs the virtio core and PCI transport, ext4 (which serves
# ext2) needs jbd2, mbcache and crc16, and jbd2 asks the crypto API for crc32c.
modules="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
    drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/block/virtio_blk lib/crc16
    fs/mbcache crypto/crc32c_generic fs/jbd2/jbd2 fs/ext4/ext4"
rm -rf modules
mkdir -p modules
patterns=()
for module in $modules; do
    patterns+=("./lib/modules/*/kernel/$module.ko")
done
dpkg-deb --fsys-tarfile "$deb" | tar -x -C modules --wildcards --transform='s|.*/||' "${patterns[@]}"
rm -f "$deb"
for module in $modules; do
    name=$(basename "$module").ko
    if [ ! -e "modules/$name" ]; then
        echo "fetch-linux.sh: $package has no $module.ko" >&2
        exit 1
    fi
    echo "/lib/modules/bench/$name"
done >modules/order.new
mv modules/order.new modules/order
image=$(ls vmlinuz-* | head -n 1)
ln -sf "$image" vmlinuz
echo "$PWD/vmlinuz"
