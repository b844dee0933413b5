# Run as init by tests/e2e/ext2_test.cpp (Ext2Fsync): fsync of one file on an ext2 disk writes that
# file and not the 16 MiB another file left dirty (/proc/meminfo's Dirty says so), and fdatasync
# leaves out an inode whose timestamps alone changed; then the machine
# waits to be cut off by the host (no sync, no unmount), which finds the fsynced file with debugfs.
mkdir -p /mnt
mount -t ext2 /dev/vda /mnt || echo "ext2: mount failed"
dirty() { busybox awk '/^Dirty:/ { print $2 }' /proc/meminfo; }
# The meter first: a whole-disk sync takes what a written file left dirty.
busybox dd if=/dev/zero of=/mnt/warm-up bs=1M count=4 2>/dev/null
echo "dirty written: $(dirty)"
sync
echo "dirty synced: $(dirty)"
busybox dd if=/dev/zero of=/mnt/big bs=1M count=16 2>/dev/null
echo "fsynced by blog_os" > /mnt/small
echo "dirty before fsync: $(dirty)"
busybox sync /mnt       # fsync of the directory: the new names
busybox sync /mnt/small # fsync of the file: its data and inode
echo "dirty after fsync: $(dirty)"
# Rewritten in place (same size, same block): fdatasync writes the data and not the inode, whose
# timestamps alone changed; fsync then writes the inode.
printf FSYNCED | busybox dd of=/mnt/small conv=notrunc 2>/dev/null
echo "dirty before fdatasync: $(dirty)"
busybox sync -d /mnt/small
echo "dirty after fdatasync: $(dirty)"
busybox sync /mnt/small
echo "dirty after the second fsync: $(dirty)"
echo "fsync done"
busybox sleep 600
