# Run as init from an ext2 root (root=/dev/vda) by tests/e2e/ext2_test.cpp (Ext2Root): shows the
# root's mount, then reports what the boot before kept in /kept.txt and keeps its own.
echo "mounts: $(busybox grep ' / ' /proc/mounts | busybox tr '\n' ';')"
if [ -e /kept.txt ]; then
    echo "kept before: $(cat /kept.txt)"
    echo "second boot" > /kept.txt
else
    echo "kept before: none"
    echo "first boot" > /kept.txt
fi
sync
# mmap of files on the disk: private copies, shared pages that read(2) and write(2) see too.
echo "mapping tests: $(/tests/file_test mapping 2>&1 | busybox tail -n 1)"
# Truncating mapped files there: the cut pages leave every mapping, and their blocks are freed.
echo "truncate tests: $(/tests/truncate_test 2>&1 | busybox tail -n 1)"
echo "kept now: $(cat /kept.txt)"
poweroff -f
