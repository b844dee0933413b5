#!/bin/sh
# Records the sysfs PCI tree lspci's tests replay (sysfs.txt here): boots a Linux kernel under QEMU
# `pc` with a pci-serial, a virtio-rng-pci and a pci-bridge with a pci-serial behind it, and a
# busybox-only initramfs that prints, for each /sys/bus/pci/devices/<address>, the files lspci reads
# (config in hex, the device's and the driver's link targets). Usage: record.sh VMLINUZ [BUSYBOX]. The recording in git
# came from Debian's 6.1 kernel on QEMU 7.2 with SeaBIOS.
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
echo SYSFS-DUMP-BEGIN
for d in /sys/bus/pci/devices/*; do
  echo "DEVICE ${d##*/}"
  echo "LINK $(/bin/busybox readlink $d)"
  for f in vendor device subsystem_vendor subsystem_device class revision irq resource; do
    echo "FILE $f"
    /bin/busybox cat $d/$f
  done
  echo "CONFIG"
  /bin/busybox hexdump -v -e '16/1 "%02x " "\n"' $d/config
  if [ -L $d/driver ]; then echo "DRIVER $(/bin/busybox readlink $d/driver)"; fi
done
echo SYSFS-DUMP-END
/bin/busybox poweroff -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip > "$work/initrd.gz")
timeout 300 qemu-system-x86_64 -machine pc -m 256M -nographic -no-reboot -kernel "$kernel" \
    -initrd "$work/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
    -device pci-serial -device virtio-rng-pci -device pci-bridge,id=b1,chassis_nr=1,addr=0x10 \
    -device pci-serial,bus=b1,addr=0x3 |
    tr -d '\r' | sed -n '/SYSFS-DUMP-BEGIN/,/SYSFS-DUMP-END/p' | grep -v SYSFS-DUMP > "$here/sysfs.txt"
