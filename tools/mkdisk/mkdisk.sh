#!/bin/sh
# mkdisk.sh [--from=DIR] [--size=MIB] [--block-size=BYTES] [--label=NAME] IMAGE
# Makes IMAGE, a raw ext2 disk for runner --disk, with Debian's mke2fs (e2fsprogs). --from fills it
# with a tree (mke2fs -d), as the user tree for root=/dev/vda; its files keep their modes and owners
# (the root directory is root's). The size defaults to room for the tree and half as much again, at least 64 MiB (256 MiB
# empty). 4 KiB blocks by default: mke2fs would pick 1 KiB below 512 MiB, and mapped file pages are
# the block cache's own only at 4 KiB (docs/ext2.md). IMAGE is replaced only once it is complete.
set -eu
PATH="$PATH:/sbin:/usr/sbin"

from= size= block_size=4096 label=blog_os image=
for argument in "$@"; do
    case "$argument" in
    --from=*) from=${argument#--from=} ;;
    --size=*) size=${argument#--size=} ;;
    --block-size=*) block_size=${argument#--block-size=} ;;
    --label=*) label=${argument#--label=} ;;
    --help)
        sed -n '2,7s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    -*)
        echo "mkdisk.sh: unknown option $argument (see --help)" >&2
        exit 64
        ;;
    *)
        [ -z "$image" ] || { echo "mkdisk.sh: one IMAGE only" >&2; exit 64; }
        image=$argument
        ;;
    esac
done
[ -n "$image" ] || { echo "usage: mkdisk.sh [--from=DIR] [--size=MIB] [--block-size=BYTES] [--label=NAME] IMAGE" >&2; exit 64; }
command -v mke2fs >/dev/null || { echo "mkdisk.sh: mke2fs is missing: apt-get install e2fsprogs" >&2; exit 69; }
case "$block_size" in 1024 | 2048 | 4096) ;; *) echo "mkdisk.sh: ext2 blocks are 1024, 2048 or 4096 bytes" >&2; exit 64 ;; esac

if [ -n "$from" ]; then
    [ -d "$from" ] || { echo "mkdisk.sh: $from is not a directory" >&2; exit 66; }
    if [ -z "$size" ]; then
        used=$(du -sm "$from" | cut -f1)
        size=$((used + used / 2 + 16))
        [ "$size" -ge 64 ] || size=64
    fi
fi
[ -n "$size" ] || size=256
case "$size" in *[!0-9]* | '') echo "mkdisk.sh: --size is in MiB, a number" >&2; exit 64 ;; esac

partial="$image.partial"
rm -f "$partial"
truncate -s "${size}M" "$partial"
if ! mke2fs -q -F -t ext2 -b "$block_size" -L "$label" -E root_owner=0:0 ${from:+-d "$from"} "$partial"; then
    rm -f "$partial"
    echo "mkdisk.sh: mke2fs failed" >&2
    exit 1
fi
mv "$partial" "$image"
