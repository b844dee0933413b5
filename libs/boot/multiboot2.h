// Multiboot2 boot information parser. The block comes from outside the kernel, so it is treated as
// hostile: every length, offset and alignment is checked before use, broken structure is an error,
// and recoverable oddities become warnings while the data is sanitized.
//
// Documented choices:
//  * Single-instance tags (command line, loader name, memory map, framebuffer, ELF sections, each
//    RSDP tag) appearing twice: the FIRST one is used, later ones are ignored with DuplicateTag.
//  * The memory map is rebuilt: zero-length entries dropped, entries running past 2^64 clipped to
//    end at 2^64-1, sorted by base, overlaps resolved so the more restrictive type wins
//    (Defective > AcpiNvs > Reserved > AcpiReclaimable > Usable; see memory_type_rank), adjacent
//    regions of one type merged. If more than 128 regions result, the lowest 128 are kept.
//    Only the first 1024 raw entries are considered (the resolution is quadratic).
//  * The new-RSDP tag (15) is preferred over the old one (14), but a checksum-valid RSDP is
//    preferred over one with a bad checksum.
//  * The framebuffer tag follows GRUB's layout (16-bit reserved field, colour info at byte 32).
//  * Warnings are recorded once per kind, in order of first occurrence.
#pragma once

#include "boot/boot_info.h"
#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/fixed_vector.h"

#include <cstddef>
#include <cstdint>

namespace boot {

// What the loader leaves in eax.
inline constexpr uint32_t multiboot2_bootloader_magic = 0x36d76289;

enum class BootWarning : uint8_t {
    InfoMisaligned,       // the block's physical address is not 8-byte aligned
    UnknownTag,           // a tag type this parser does not know (skipped)
    DuplicateTag,         // a single-instance tag appeared again (first one kept)
    StringUnterminated,   // a command line, loader name or module name without NUL inside its tag
    CommandLineTruncated, // longer than BootInfo::command_line can hold
    LoaderNameTruncated,  // longer than BootInfo::loader_name can hold
    MemoryMapMissing,     // no memory map tag at all
    MemoryMapInvalid,     // memory map tag too short or entry_size < 24 (map ignored)
    MemoryMapOverlap,     // two raw entries claim the same bytes
    MemoryMapTruncated,   // more regions than fit (raw or after sanitizing)
    ZeroLengthRegion,     // a raw entry of length 0 (dropped)
    RegionWrapsAround,    // base + length past 2^64 (clipped)
    UnknownMemoryType,    // a type outside 1..5 (stored as Reserved)
    ModuleInvalid,        // module tag too short or end < start (dropped)
    ModuleNameTruncated,  // longer than BootModule::name can hold
    TooManyModules,       // more modules than BootInfo::modules can hold (extra dropped)
    FramebufferInvalid,   // inconsistent framebuffer description (dropped)
    RsdpInvalid,          // RSDP tag too short, bad signature or bad length (dropped)
    RsdpChecksum,         // RSDP kept, but its checksum does not add up
    ElfSectionsInvalid,   // ELF section headers not inside the tag, or bad entsize/shndx (dropped)
    AddressUnreadable,    // PVH: a pointer leads outside readable memory (what it pointed at is ignored)
};

// One human sentence per warning.
const char* describe(BootWarning warning);

struct BootWarnings {
    ktl::FixedVector<BootWarning, 32> list;
    size_t dropped = 0; // warnings that did not fit into `list`

    // Records `warning` unless already listed: a hostile map could repeat one oddity thousands of times.
    void add(BootWarning warning);
    bool has(BootWarning warning) const;
};

// Parses the Multiboot2 information block `info` (the bytes as they are in memory; the first 8 are
// total_size and reserved). On success `out` is reset and filled; on error it is left untouched.
// Errno::InvalidArgument when the structure is broken: total_size < 16, larger than `info`, or not a
// multiple of 8; a tag with size < 8 or running past total_size; no end tag.
ktl::ErrorOr<void> parse_multiboot2(ktl::ByteReader info, uint64_t info_physical_address, BootInfo& out,
                                    BootWarnings& warnings);

} // namespace boot
