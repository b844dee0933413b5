# Run as init by tests/e2e/pci_test.cpp (PciSerial): lists the PCI functions as sysfs shows them,
# the serial ports' tty entries, then talks to the host over /dev/ttyS4.
for d in /sys/bus/pci/devices/*; do
    echo "pci $(basename "$d") $(cat "$d/vendor") $(cat "$d/device") $(cat "$d/class") $(readlink "$d") driver=$(readlink "$d/driver")"
done
for t in ttyS0 ttyS4 ttyS5; do
    echo "tty $t $(cat /sys/class/tty/$t/dev) $(readlink /sys/class/tty/$t)"
done
stty -F /dev/ttyS4 -echo
echo ready > /dev/ttyS4
read -r line < /dev/ttyS4
echo "got: $line"
echo bye > /dev/ttyS4
# Unbinding by hand takes the port away; binding again brings it back.
echo 0000:00:04.0 > /sys/bus/pci/drivers/serial/unbind
[ -e /dev/ttyS4 ] && node=present || node=absent
echo "unbound: /dev/ttyS4 $node, driver=$(readlink /sys/bus/pci/devices/0000:00:04.0/driver)"
echo 0000:00:04.0 > /sys/bus/pci/drivers/serial/bind
echo "bound again: $(ls /dev/ttyS4) $(cat /sys/class/tty/ttyS4/dev)"
echo 0000:00:04.0 2>/dev/null > /sys/bus/pci/drivers/serial/bind || echo "second bind refused"
poweroff -f
