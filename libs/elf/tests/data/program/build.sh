#!/bin/sh
# Rebuilds the checked-in program fixtures for tests/program_test.cpp (Debian 12: gcc 12, binutils 2.40,
# clang 14 + lld, and `apt-get install musl-tools musl-dev` for musl 1.2.3). The tests only read the
# binaries, so no compiler is needed to run them. Debian's `musl-gcc -static-pie` silently produces a
# dynamically linked PIE, hence the explicit rcrt1.o link lines.
set -eu
cd "$(dirname "$0")"
M=/usr/lib/x86_64-linux-musl
LIBGCC=$(gcc -print-libgcc-file-name)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ET_EXEC, ld with -z separate-code (the default): R, R E, R, RW.
musl-gcc -static -Os -o musl_static program.c
# ET_EXEC without separate code: headers and text in one R E segment, then RW.
musl-gcc -static -Os -Wl,-z,noseparate-code -o musl_static_noseparate program.c
# ET_DYN static-PIE, GNU ld: RELATIVE relocations only, no PT_PHDR.
musl-gcc -Os -fPIE -c program.c -o "$TMP/program.o"
gcc -static-pie -nostdlib -nostartfiles -o musl_static_pie "$M/rcrt1.o" "$M/crti.o" \
    "$(gcc -print-file-name=crtbeginS.o)" "$TMP/program.o" -L"$M" -lc "$LIBGCC" \
    "$(gcc -print-file-name=crtendS.o)" "$M/crtn.o"
# ET_DYN static-PIE, clang + lld: PT_PHDR, two RW segments (RELRO and data), GNU_STACK align 0.
clang -Os -fPIE -c program.c -o "$TMP/program_clang.o" -nostdinc -isystem /usr/include/x86_64-linux-musl \
    -isystem "$(clang -print-resource-dir)/include"
clang -fuse-ld=lld -static-pie -nostdlib -nostartfiles -o musl_lld_static_pie "$M/rcrt1.o" "$M/crti.o" \
    "$TMP/program_clang.o" -L"$M" -lc "$LIBGCC" "$M/crtn.o"
# Dynamically linked (PT_INTERP): must be refused.
musl-gcc -Os -o musl_dynamic program.c
strip musl_static musl_static_noseparate musl_static_pie musl_lld_static_pie musl_dynamic
