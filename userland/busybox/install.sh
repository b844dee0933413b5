#!/bin/sh
# Installs Debian's busybox-static as ROOT/bin/busybox and a ROOT/usr/bin/<applet> link to it for
# every applet blog_os does not provide itself (docs/utilities.md). Ours win: an applet whose name
# is taken in ROOT/bin gets no link (a stale one is removed), and /bin comes first in PATH anyway.
#   usage: install.sh BUSYBOX ROOT
set -euf # -f: "[" and "[[" are applet names, not patterns
busybox=$1
root=$2
mkdir -p "$root/bin" "$root/usr/bin"
# Byte-equal files leave the initrd as it was (mkinitrd rewrites it only when it changes).
if ! cmp -s "$busybox" "$root/bin/busybox"; then
    cp "$busybox" "$root/bin/busybox.new"
    chmod 755 "$root/bin/busybox.new"
    mv -f "$root/bin/busybox.new" "$root/bin/busybox"
fi
for applet in $("$busybox" --list); do
    case $applet in
    # The system's shell and first process are ours whatever /bin holds.
    sh | init | linuxrc) continue ;;
    esac
    link=$root/usr/bin/$applet
    if [ -e "$root/bin/$applet" ] || [ -L "$root/bin/$applet" ]; then
        rm -f "$link"
    elif [ "$(readlink "$link" 2>/dev/null || true)" != ../../bin/busybox ]; then
        ln -sfn ../../bin/busybox "$link"
    fi
done
