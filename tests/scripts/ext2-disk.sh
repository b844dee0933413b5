# Run as init by tests/e2e/ext2_test.cpp (Ext2Disk): reads what mke2fs put on /dev/vda, changes
# it the ways a user does, unmounts and powers off; the host then checks the image with e2fsck and
# debugfs.
mkdir -p /mnt
# A disk that holds no ext2 is refused with a reason, and nothing else happens.
mount -t ext2 /dev/ram0 /mnt 2>&1 && echo "ram0: mounted?" || echo "ram0: refused"
mount -t ext2 /dev/null /mnt 2>&1 || echo "null: refused"
mount -t ext2 /dev/vda /mnt || echo "ext2: mount failed"
echo "read hello: $(cat /mnt/hello.txt)"
echo "read big: $(busybox md5sum < /mnt/dir/big.bin)"
echo "read sparse: $(stat -c %s /mnt/sparse) $(busybox md5sum < /mnt/sparse)"
echo "read symlink: $(busybox readlink /mnt/link) $(cat /mnt/link)"
echo "read device: $(stat -c '%F %t %T' /mnt/null-node)"
echo "read names: $(ls /mnt | busybox tr '\n' ' ')"
echo "written by blog_os" > /mnt/new.txt
mkdir /mnt/made
seq 1 50000 > /mnt/made/numbers
mv /mnt/hello.txt /mnt/made/hello-moved.txt
ln /mnt/made/numbers /mnt/numbers-link
ln -s made/numbers /mnt/numbers-symlink
rm /mnt/dir/remove-me
rmdir /mnt/empty-dir
busybox truncate -s 5000 /mnt/dir/big.bin
busybox mknod /mnt/zero-node c 1 5
echo "df: $(df /mnt | tail -n 1)"
umount /mnt && echo "ext2: unmounted"
poweroff -f
