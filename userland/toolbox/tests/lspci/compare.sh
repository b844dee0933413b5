#!/bin/sh
# lspci against pciutils' lspci on a sysfs tree recorded from Linux (sysfs.txt, made by record.sh):
# each command line of `cases` must print exactly what pciutils 3.9 printed, kept in expected.txt.
# Usage: compare.sh TOOLBOX COMPACT_IDS   (COMPACT_IDS: pci.ids here, compacted by tools/pciids)
#        compare.sh --generate           (rewrites expected.txt with the host's pciutils; development only)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/make-tree.sh" "$here/sysfs.txt" "$work/sys"
cases='
-n
-nn
-v
-nnv
-nv
-k
-D
-s 04.0 -v
-s 1:
-s 0:0:10
-s 0000:00:01
-s .3
-d 1b36:
-d ::0700 -n
-d 8086:7010 -v
-d 1af4:1005:00ff -k
-D -s 1:3.0 -nnk'
run_all() {
    printf '%s\n' "$cases" | while IFS= read -r arguments; do
        echo "### lspci $arguments"
        # shellcheck disable=SC2086 # the arguments are words
        "$@" -O "sysfs.path=$work/sys/bus/pci" $arguments 2>&1
    done
}
if [ "${1:-}" = --generate ]; then
    run_all lspci -A linux-sysfs -O hwdb.disable=1 -i "$here/pci.ids" | grep -v 'libkmod' > "$here/expected.txt"
    exit 0
fi
toolbox=$1
ids=$2
run_all "$toolbox" lspci -i "$ids" > "$work/actual.txt"
if ! diff -u "$here/expected.txt" "$work/actual.txt"; then
    echo "lspci differs from pciutils' output (expected.txt)" >&2
    exit 1
fi
echo "lspci: $(grep -c '^###' "$here/expected.txt") command lines as pciutils prints them"
