# Run as init by tests/e2e/lspci_test.cpp: lspci on blog_os's /sys in the forms its host test
# (userland/toolbox/tests/lspci) compares with pciutils on Linux's /sys for the same machine.
# The recording's Linux bound no driver to virtio-rng or the VGA (virtio_pci and bochs are modules
# its initrd lacked): unbinding ours gives both machines the same drivers, and the functions their
# idle state (virtio-rng's MSI-X off).
for driver in virtio-rng bochs-display; do
    for device in /sys/bus/pci/drivers/$driver/0000:*; do
        [ -e "$device" ] && basename "$device" > /sys/bus/pci/drivers/$driver/unbind
    done
done
for arguments in "" "-n" "-nn" "-k" "-v"; do
    echo "### lspci $arguments"
    lspci $arguments
done
echo "### done"
poweroff -f
