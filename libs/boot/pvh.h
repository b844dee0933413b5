// PVH boot information parser: QEMU's -kernel (and Xen) start the kernel at its PVH entry with the
// physical address of a struct hvm_start_info (Xen's public arch-x86/hvm/start_info.h). That structure
// points at more structures anywhere in physical memory, so the parser reads memory only through a
// PhysicalMemory the caller provides, and treats every field as hostile.
//
// Documented choices:
//  * Version 0 has no memory map; without one the kernel cannot run, so it is an error, as is a
//    version 1+ structure whose memory map pointer is 0, has no entries or cannot be read.
//  * At most 1024 raw memory map entries are read (the sanitizer is quadratic); E820 types are the
//    Multiboot2 ones (1 usable, 2 reserved, 3 ACPI, 4 NVS, 5 unusable), anything else is Reserved,
//    and the map is rebuilt exactly as for Multiboot2 (sorted, overlaps to the stricter type, merged).
//  * The first module is named "initrd"; later ones "module-N". A module at address 0, of size 0,
//    or wrapping past 2^64 is dropped; at most BootInfo::max_modules are kept.
//  * Strings (the command line) are read up to BootInfo::command_line's capacity; an unreadable byte
//    ends them with a warning.
//  * A zero address means "absent", as the header says.
#pragma once

#include "boot/boot_info.h"
#include "boot/multiboot2.h"
#include "ktl/byte_reader.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace boot {

// What pvh_start leaves in the boot assembly's eax (kernel_entry's first argument), and the
// hvm_start_info magic ("xEn3" with the 0x80 bit of the "E" set).
inline constexpr uint32_t pvh_start_magic = 0x336ec578;

// Read access to physical memory for a parser that follows pointers: the bytes
// [address, address + length), or an error when that range is not all readable.
struct PhysicalMemory {
    const void* context = nullptr;
    ktl::ErrorOr<ktl::ByteReader> (*read)(const void* context, uint64_t address, size_t length) = nullptr;

    ktl::ErrorOr<ktl::ByteReader> bytes(uint64_t address, size_t length) const {
        return read(context, address, length);
    }
};

enum class PvhError : uint8_t {
    None,
    Unreadable,          // the hvm_start_info itself cannot be read
    BadMagic,            // not a hvm_start_info
    NoMemoryMap,         // version 0, or no memory map given
    MemoryMapUnreadable, // the memory map points outside readable memory
};

// One human sentence per error.
const char* describe(PvhError error);

// Parses the hvm_start_info at `start_info_physical`. On success `out` is reset and filled; on
// failure `out` is untouched, the result is EINVAL and `error` says why.
ktl::ErrorOr<void> parse_pvh(const PhysicalMemory& memory, uint64_t start_info_physical, BootInfo& out,
                             BootWarnings& warnings, PvhError& error);

} // namespace boot
