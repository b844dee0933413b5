// The read-only pages of programs, shared by every process that runs them.
//
// A program's text and read-only data are built once, on its first execve, from its file in the
// initrd; later runs map the same frames read-only (AddressSpace::map_shared) instead of copying
// the file again. Besides the copying, this keeps code at the same physical addresses, which is what
// an emulator's translation cache (QEMU's TCG) is keyed by: fresh frames made it translate every
// program anew on every exec. A write to such a page, once mprotect allows it, copies it first.
//
// The initrd is read in place and never changes, so the pages live as long as the kernel. A page
// cache over the VFS will own them through the file instead.
#pragma once

#include "elf/program_image.h"
#include "ktl/byte_reader.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace proc {

// The frame holding the page at `page` (page aligned, inside `mapping`) of a read-only mapping of
// the program whose file is `file`: the file's bytes where the mapping copies them, zeros elsewhere.
// NoMemory when no frame is left; InvalidArgument for a writable mapping, a page outside it, or a page
// without file bytes (a zero-filled tail is the caller's to allocate privately).
ktl::ErrorOr<uint64_t> shared_program_page(ktl::ByteReader file, const elf::Mapping& mapping, uint64_t page);

// Frames held for shared program pages.
size_t shared_program_page_count();

} // namespace proc
