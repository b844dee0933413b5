// BootInfo: what the kernel learns from its boot loader, validated and copied out of the loader's
// block. Everything here is an owned copy, so the memory the loader used may be reused later.
#pragma once

#include "ktl/fixed_vector.h"

#include <cstddef>
#include <cstdint>

namespace boot {

// Multiboot2 memory types. Any other number (EFI-derived ones such as 20) is stored as Reserved,
// because memory we do not understand must never be handed out.
enum class MemoryType : uint32_t {
    Usable = 1,
    Reserved = 2,
    AcpiReclaimable = 3,
    AcpiNvs = 4,
    Defective = 5
};

// How restrictive a type is when two regions claim the same bytes; the higher rank wins.
// Defective > AcpiNvs > Reserved > AcpiReclaimable > Usable.
constexpr int memory_type_rank(MemoryType type) {
    switch (type) {
    case MemoryType::Usable:
        return 0;
    case MemoryType::AcpiReclaimable:
        return 1;
    case MemoryType::Reserved:
        return 2;
    case MemoryType::AcpiNvs:
        return 3;
    case MemoryType::Defective:
        return 4;
    }
    return 2; // unreachable for sanitized values; treat like Reserved
}

const char* memory_type_name(MemoryType type);

struct MemoryRegion {
    uint64_t base;
    uint64_t length; // never 0 and base + length never wraps in a sanitized map
    MemoryType type;

    // One past the last byte.
    constexpr uint64_t end() const { return base + length; }
};

struct BootModule {
    uint64_t start;
    uint64_t end;  // one past the last byte, as the loader reports it; start <= end
    char name[64]; // NUL-terminated, truncated copy of the loader's string
};

enum class FramebufferKind : uint8_t { Indexed = 0, Rgb = 1, EgaText = 2 };

struct FramebufferInfo {
    uint64_t physical_address;
    uint32_t pitch; // bytes per line
    uint32_t width; // pixels, or character cells for EgaText
    uint32_t height;
    uint8_t bits_per_pixel;
    FramebufferKind kind;
    // Only meaningful for Rgb; zero otherwise.
    uint8_t red_shift, red_size, green_shift, green_size, blue_shift, blue_size;
};

struct AcpiRsdp {
    uint8_t revision;
    uint64_t rsdt_address;
    uint64_t xsdt_address; // 0 when the RSDP is revision 0/1 or only the v1 part was given
    bool checksum_ok;      // false: the tables may still work, but the kernel should say so
};

struct ElfSections {
    uint32_t count;
    uint32_t entry_size;
    uint32_t string_table_index;
    uint64_t headers_offset_in_info; // offset of the section header array inside the info block
    uint64_t headers_size;           // count * entry_size, checked to lie inside the tag
};

struct BootInfo {
    static constexpr size_t max_memory_regions = 128;
    static constexpr size_t max_modules = 16;

    ktl::FixedVector<MemoryRegion, max_memory_regions> memory_map; // sorted by base, non-overlapping, merged
    ktl::FixedVector<BootModule, max_modules> modules;

    bool has_framebuffer = false;
    FramebufferInfo framebuffer{};

    bool has_rsdp = false;
    AcpiRsdp rsdp{};

    bool has_elf_sections = false;
    ElfSections elf_sections{};

    char command_line[1024]{}; // NUL-terminated copies, truncated if longer
    char loader_name[64]{};

    uint64_t info_physical_address = 0; // the loader's block, so the kernel can reserve it while needed
    uint32_t info_size = 0;

    // Sum of the Usable regions' lengths.
    uint64_t usable_bytes() const;
    // One past the last Usable byte, or 0 when there is no Usable memory.
    uint64_t highest_usable_address() const;
    // One past the last byte of any region, or 0 when the map is empty.
    uint64_t highest_address() const;
};

} // namespace boot
