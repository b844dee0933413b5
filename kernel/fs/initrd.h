// The initrd: a newc cpio archive the loader passes as the boot module named "initrd". At boot it is
// unpacked into the root tmpfs (modes, owners, times, symlinks, hard links, device nodes and FIFOs)
// and its frames go back to the allocator, as the seed and Linux's initramfs do. The archive is
// hostile input: it is checked whole once (cpio::Archive::parse) and refused if anything in it is
// wrong; then each entry goes through the VFS calls user space uses, with their checks.
#pragma once

#include "boot/boot_info.h"
#include "fs/mount.h"
#include "ktl/byte_reader.h"

#include <cstddef>

namespace fs {

void unpack_initrd(const boot::BootInfo& boot_info);

// Entries unpacked, and entries the VFS refused (each logged).
struct UnpackCounts {
    size_t unpacked = 0;
    size_t failed = 0;
};
// The unpack step on its own, for tests: `bytes` into the directory `target`, which serves as the
// archive's root (absolute names and symlink targets, and "..", stay inside it). An archive
// cpio::Archive::parse refuses is refused whole, before anything is written.
ktl::ErrorOr<UnpackCounts> unpack_archive(ktl::ByteReader bytes, const Path& target);
bool has_initrd();
// Entries unpacked, and entries refused by the VFS (logged one by one).
size_t initrd_entry_count();
size_t initrd_failed_count();

} // namespace fs
