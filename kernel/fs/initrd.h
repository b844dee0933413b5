// The initrd: a newc cpio archive the loader passes as the Multiboot2 module named "initrd". Until
// the VFS exists, programs are read from it in place, read-only. The archive is hostile input: it
// is checked whole once (cpio::Archive::parse) and refused if anything in it is wrong.
#pragma once

#include "boot/boot_info.h"
#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string_view.h"

namespace fs {

void initialize_initrd(const boot::BootInfo& boot_info);
bool has_initrd();
size_t initrd_entry_count();

// The bytes of the executable regular file at `path` (absolute or relative to the root), following
// symbolic links. NoEntry, NotDirectory, AccessDenied (not a regular file, or no execute bit),
// TooManySymlinks, NameTooLong.
ktl::ErrorOr<ktl::ByteReader> open_executable(ktl::StringView path);

} // namespace fs
