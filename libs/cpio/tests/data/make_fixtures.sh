#!/bin/sh
# Regenerates the checked-in fixtures with GNU cpio (Debian package "cpio"): a small tree with every
# kind of entry the initrd has, archived reproducibly (owner 0:0, renumbered inodes, no device
# numbers, fixed mtimes) so that cpio_test.cpp can hard-code what it expects.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
cd "$tree"
mkdir -p bin etc/deep/er
printf '#!/bin/sh\necho hello\n' > init
chmod 0755 init
printf 'Welcome to blog_os\n' > etc/motd
ln etc/motd etc/motd.link
: > etc/empty
printf 'x' > etc/deep/er/one
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) % 251 for i in range(1000)))' > etc/pattern.bin
ln -s /init bin/sh
mkfifo etc/fifo
chmod 0640 etc/motd
chmod 1777 etc/deep
chmod 0755 .
find . -exec touch -h -d '@1700000000' {} +
find . | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet > "$out/fixture_newc.cpio"
find . | LC_ALL=C sort | cpio -o -H crc --reproducible -R 0:0 --quiet > "$out/fixture_crc.cpio"
