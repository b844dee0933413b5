#!/bin/sh
# Records the PCI configuration spaces the host tests replay: boots a Linux kernel under QEMU with a
# busybox-only initramfs that prints every /sys/bus/pci/devices/*/config (hex) and resource file to the
# serial port. Usage: record.sh VMLINUZ [BUSYBOX]  (writes qemu_pc_pci.txt and qemu_q35_pci.txt here).
# The recordings in git came from Debian's 6.1 kernel on QEMU 7.2 with SeaBIOS.
set -eu
kernel=$1
busybox=${2:-/bin/busybox}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin" "$work/root/dev" "$work/root/sys"
cp "$busybox" "$work/root/bin/busybox"
cat > "$work/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs dev /dev
exec >/dev/ttyS0 2>&1
echo PCI-DUMP-BEGIN
for d in /sys/bus/pci/devices/*; do
  echo "FUNCTION ${d##*/}"
  /bin/busybox hexdump -v -e '16/1 "%02x " "\n"' $d/config
  echo RESOURCE
  /bin/busybox cat $d/resource
done
echo PCI-DUMP-END
/bin/busybox poweroff -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip > "$work/initrd.gz")

record() {
    machine=$1
    shift
    timeout 120 qemu-system-x86_64 -machine "$machine" -m 256M -nographic -no-reboot -kernel "$kernel" \
        -initrd "$work/initrd.gz" -append "console=ttyS0 quiet panic=-1" "$@" |
        tr -d '\r' | sed -n '/PCI-DUMP-BEGIN/,/PCI-DUMP-END/p' | grep -v PCI-DUMP > "$here/qemu_${machine}_pci.txt"
}
record pc -device pci-serial -device virtio-rng-pci -device pci-bridge,id=b1,chassis_nr=1 \
    -device pci-serial,bus=b1
record q35 -device pci-serial -device pcie-root-port,id=rp1,chassis=1 -device virtio-rng-pci,bus=rp1 \
    -device pci-bridge,id=b1,chassis_nr=2 -device pci-serial,bus=b1
