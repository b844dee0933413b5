// Pieces the Multiboot2 and PVH parsers share: the memory map sanitizer and the RSDP reader. Internal
// to libs/boot; the kernel uses the parsers' entry points.
#pragma once

#include "boot/boot_info.h"
#include "boot/multiboot2.h"
#include "ktl/byte_reader.h"

#include <cstddef>

namespace boot::detail {

// The sanitizer is quadratic in the raw entry count, so callers cap it at this.
inline constexpr size_t max_raw_memory_entries = 1024;

// Rebuilds `out.memory_map` from `count` raw entries of `entry_size` (>= 20) bytes, each starting
// {u64 base, u64 length, u32 type} with Multiboot2/E820 type numbers (see multiboot2.h for the rules).
void sanitize_memory_map(ktl::ByteReader entries, size_t entry_size, size_t count, BootInfo& out,
                         BootWarnings& warnings);

// Reads an RSDP structure from `body`; `may_have_xsdt` allows the ACPI 2.0 part when the revision
// says so and `body` holds it. False when the signature or a length is wrong.
bool parse_rsdp(ktl::ByteReader body, bool may_have_xsdt, AcpiRsdp& rsdp);

} // namespace boot::detail
