// Multiboot2 boot information parser: a structural pass that rejects broken blocks before anything
// is written, then a pass that copies each tag out with its own checks (see multiboot2.h).
#include "boot/multiboot2.h"
#include "boot/parsing_detail.h"

#include <cstddef>
#include <cstdint>
#include <limits>

namespace boot {

namespace {

namespace tag {
constexpr uint32_t end = 0;
constexpr uint32_t command_line = 1;
constexpr uint32_t loader_name = 2;
constexpr uint32_t module = 3;
constexpr uint32_t basic_memory_info = 4;
constexpr uint32_t boot_device = 5;
constexpr uint32_t memory_map = 6;
constexpr uint32_t vbe = 7;
constexpr uint32_t framebuffer = 8;
constexpr uint32_t elf_sections = 9;
constexpr uint32_t apm = 10;
constexpr uint32_t efi32_system_table = 11;
constexpr uint32_t efi64_system_table = 12;
constexpr uint32_t smbios = 13;
constexpr uint32_t acpi_old_rsdp = 14;
constexpr uint32_t acpi_new_rsdp = 15;
constexpr uint32_t network = 16;
constexpr uint32_t efi_memory_map = 17;
constexpr uint32_t efi_boot_services = 18;
constexpr uint32_t efi32_image_handle = 19;
constexpr uint32_t efi64_image_handle = 20;
constexpr uint32_t load_base_address = 21;
} // namespace tag

constexpr size_t fixed_part_size = 8; // total_size, reserved
constexpr size_t tag_header_size = 8; // type, size
constexpr size_t tag_alignment = 8;
constexpr size_t minimum_total_size = fixed_part_size + tag_header_size; // just an end tag

constexpr size_t memory_map_header_size = 16; // tag header, entry_size, entry_version
constexpr uint32_t memory_map_minimum_entry_size = 24;

constexpr size_t module_header_size = 16;                // tag header, mod_start, mod_end
constexpr size_t framebuffer_common_size = 32;           // GRUB: ..., bpp, type, u16 reserved
constexpr size_t framebuffer_rgb_size = 38;              // + six colour field bytes
constexpr size_t elf_sections_header_size = 20;          // tag header, num, entsize, shndx
constexpr uint32_t elf_minimum_section_header_size = 40; // sizeof(Elf32_Shdr); Elf64_Shdr is 64

constexpr size_t rsdp_v1_size = 20;
constexpr size_t rsdp_v2_size = 36;

constexpr uint64_t u64_max = std::numeric_limits<uint64_t>::max();

constexpr size_t align_up(size_t value, size_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

// Tags that describe one thing; a second copy is ignored.
constexpr bool is_single_instance(uint32_t type) {
    switch (type) {
    case tag::command_line:
    case tag::loader_name:
    case tag::memory_map:
    case tag::framebuffer:
    case tag::elf_sections:
    case tag::acpi_old_rsdp:
    case tag::acpi_new_rsdp:
        return true;
    default:
        return false;
    }
}

// Tags that are understood but carry nothing the kernel uses.
constexpr bool is_ignored(uint32_t type) {
    switch (type) {
    case tag::basic_memory_info: // superseded by the memory map
    case tag::boot_device:
    case tag::vbe:
    case tag::apm:
    case tag::efi32_system_table:
    case tag::efi64_system_table:
    case tag::smbios:
    case tag::network:
    case tag::efi_memory_map: // the loader also gives tag 6, which is what we use
    case tag::efi_boot_services:
    case tag::efi32_image_handle:
    case tag::efi64_image_handle:
    case tag::load_base_address: // the kernel is not relocatable
        return true;
    default:
        return false;
    }
}

// Walks the tag list of a block whose structure validate_structure() accepted.
template <typename Callback>
void for_each_tag(ktl::ByteReader block, Callback&& callback) {
    size_t offset = fixed_part_size;
    while (true) {
        uint32_t type = block.read<uint32_t>(offset).value_or(tag::end);
        uint32_t size = block.read<uint32_t>(offset + 4).value_or(0);
        if (type == tag::end || size < tag_header_size || !block.contains(offset, size))
            return;
        callback(type, offset, block.slice(offset, size).value_or({}));
        offset += align_up(size, tag_alignment);
    }
}

// Returns the block trimmed to total_size, or EINVAL when its tag list is broken.
ktl::ErrorOr<ktl::ByteReader> validate_structure(ktl::ByteReader info) {
    uint32_t total_size = TRY(info.read<uint32_t>(0));
    if (total_size < minimum_total_size || total_size % tag_alignment != 0 || total_size > info.size())
        return ktl::Errno::InvalidArgument;
    ktl::ByteReader block = TRY(info.slice(0, total_size));
    size_t offset = fixed_part_size;
    while (true) {
        // Running out of bytes before an end tag means the block is cut short.
        uint32_t type = TRY(block.read<uint32_t>(offset));
        uint32_t size = TRY(block.read<uint32_t>(offset + 4));
        if (size < tag_header_size || !block.contains(offset, size))
            return ktl::Errno::InvalidArgument;
        if (type == tag::end)
            return block;
        offset += align_up(size, tag_alignment); // strictly increases, so the walk ends
    }
}

// Copies a string that should be NUL-terminated inside `bytes`; an unterminated one uses every byte.
void copy_string(ktl::ByteReader bytes, char* destination, size_t capacity, BootWarnings& warnings,
                 BootWarning truncated_warning) {
    size_t length = 0;
    while (length < bytes.size() && bytes.data()[length] != 0)
        ++length;
    if (length == bytes.size())
        warnings.add(BootWarning::StringUnterminated);
    if (length > capacity - 1) {
        length = capacity - 1;
        warnings.add(truncated_warning);
    }
    for (size_t i = 0; i < length; ++i)
        destination[i] = static_cast<char>(bytes.data()[i]);
    for (size_t i = length; i < capacity; ++i)
        destination[i] = '\0';
}

} // namespace

namespace detail {

namespace {

// A raw entry normalized to [base, end) with a known type.
struct RawRegion {
    uint64_t base;
    uint64_t end;
    MemoryType type;
    int rank;
};

struct RawMemoryMap {
    ktl::ByteReader entries;
    size_t entry_size = 0;
    size_t count = 0;

    // False when the entry is empty (after clipping); `wrapped` and `unknown_type` say what was fixed.
    bool read(size_t index, RawRegion& region, bool& wrapped, bool& unknown_type) const {
        size_t offset = index * entry_size;
        uint64_t base = entries.read<uint64_t>(offset).value_or(0);
        uint64_t length = entries.read<uint64_t>(offset + 8).value_or(0);
        uint32_t type = entries.read<uint32_t>(offset + 16).value_or(0);
        wrapped = false;
        unknown_type = type < 1 || type > 5;
        if (length > u64_max - base) {
            // end() must stay representable, so the last byte of the address space is given up.
            length = u64_max - base;
            wrapped = true;
        }
        region.base = base;
        region.end = base + length;
        region.type = unknown_type ? MemoryType::Reserved : static_cast<MemoryType>(type);
        region.rank = memory_type_rank(region.type);
        return length != 0;
    }
};

void append_region(BootInfo& out, uint64_t base, uint64_t end, MemoryType type, bool& full,
                   BootWarnings& warnings) {
    auto& map = out.memory_map;
    if (!map.is_empty()) {
        MemoryRegion& last = map[map.size() - 1];
        if (last.end() == base && last.type == type) {
            last.length += end - base;
            return;
        }
    }
    if (map.is_full()) {
        warnings.add(BootWarning::MemoryMapTruncated);
        full = true;
        return;
    }
    (void)map.try_append(MemoryRegion{base, end - base, type});
}

// Rebuilds the map as a sweep over elementary intervals: every boundary is some entry's base or
// end, and between two neighbouring boundaries the set of covering entries does not change. No
// sorting, no scratch memory; O(n^2) for n raw entries, which is why n is capped.
void sanitize_raw_memory_map(const RawMemoryMap& raw, BootInfo& out, BootWarnings& warnings) {
    RawRegion region;
    bool wrapped = false;
    bool unknown_type = false;
    for (size_t i = 0; i < raw.count; ++i) {
        if (!raw.read(i, region, wrapped, unknown_type))
            warnings.add(BootWarning::ZeroLengthRegion);
        if (wrapped)
            warnings.add(BootWarning::RegionWrapsAround);
        if (unknown_type)
            warnings.add(BootWarning::UnknownMemoryType);
    }

    uint64_t cursor = 0;
    bool full = false;
    while (!full) {
        // The lowest covered address at or above the cursor.
        bool found = false;
        uint64_t start = u64_max;
        for (size_t i = 0; i < raw.count; ++i) {
            if (!raw.read(i, region, wrapped, unknown_type) || region.end <= cursor)
                continue;
            uint64_t candidate = region.base > cursor ? region.base : cursor;
            if (!found || candidate < start)
                start = candidate;
            found = true;
        }
        if (!found)
            return;

        // The winning type at `start`, and the next boundary after it.
        size_t covering = 0;
        int best_rank = -1;
        MemoryType best_type = MemoryType::Reserved;
        uint64_t next = u64_max;
        for (size_t i = 0; i < raw.count; ++i) {
            if (!raw.read(i, region, wrapped, unknown_type))
                continue;
            if (region.base <= start && start < region.end) {
                ++covering;
                if (region.rank > best_rank) {
                    best_rank = region.rank;
                    best_type = region.type;
                }
                if (region.end < next)
                    next = region.end;
            } else if (region.base > start && region.base < next) {
                next = region.base;
            }
        }
        if (covering > 1)
            warnings.add(BootWarning::MemoryMapOverlap);
        append_region(out, start, next, best_type, full, warnings);
        cursor = next; // next > start >= cursor, so the sweep always advances
    }
}

} // namespace

void sanitize_memory_map(ktl::ByteReader entries, size_t entry_size, size_t count, BootInfo& out,
                         BootWarnings& warnings) {
    RawMemoryMap raw;
    raw.entries = entries;
    raw.entry_size = entry_size;
    raw.count = count;
    sanitize_raw_memory_map(raw, out, warnings);
}

} // namespace detail

namespace {

void parse_memory_map(ktl::ByteReader tag_bytes, BootInfo& out, BootWarnings& warnings) {
    if (tag_bytes.size() < memory_map_header_size) {
        warnings.add(BootWarning::MemoryMapInvalid);
        return;
    }
    uint32_t entry_size = tag_bytes.read<uint32_t>(8).value_or(0);
    if (entry_size < memory_map_minimum_entry_size) {
        warnings.add(BootWarning::MemoryMapInvalid);
        return;
    }
    ktl::ByteReader entries =
        tag_bytes.slice(memory_map_header_size, tag_bytes.size() - memory_map_header_size).value_or({});
    size_t count = entries.size() / entry_size; // trailing bytes short of an entry are ignored
    if (count > detail::max_raw_memory_entries) {
        count = detail::max_raw_memory_entries;
        warnings.add(BootWarning::MemoryMapTruncated);
    }
    detail::sanitize_memory_map(entries, entry_size, count, out, warnings);
}

// ---- other tags ----

void parse_module(ktl::ByteReader tag_bytes, BootInfo& out, BootWarnings& warnings) {
    if (tag_bytes.size() < module_header_size) {
        warnings.add(BootWarning::ModuleInvalid);
        return;
    }
    uint32_t start = tag_bytes.read<uint32_t>(8).value_or(0);
    uint32_t end = tag_bytes.read<uint32_t>(12).value_or(0);
    if (start > end) {
        warnings.add(BootWarning::ModuleInvalid);
        return;
    }
    if (out.modules.is_full()) {
        warnings.add(BootWarning::TooManyModules);
        return;
    }
    (void)out.modules.try_append(BootModule{start, end, {}});
    BootModule& module = out.modules[out.modules.size() - 1];
    copy_string(tag_bytes.slice(module_header_size, tag_bytes.size() - module_header_size).value_or({}),
                module.name, sizeof module.name, warnings, BootWarning::ModuleNameTruncated);
}

bool is_valid_bits_per_pixel(uint8_t bits) {
    return bits == 8 || bits == 15 || bits == 16 || bits == 24 || bits == 32;
}

bool channel_fits(uint8_t shift, uint8_t size, uint8_t bits_per_pixel) {
    return size != 0 && static_cast<unsigned>(shift) + size <= bits_per_pixel;
}

void parse_framebuffer(ktl::ByteReader tag_bytes, BootInfo& out, BootWarnings& warnings) {
    auto reject = [&] { warnings.add(BootWarning::FramebufferInvalid); };
    if (tag_bytes.size() < framebuffer_common_size)
        return reject();
    FramebufferInfo info{};
    info.physical_address = tag_bytes.read<uint64_t>(8).value_or(0);
    info.pitch = tag_bytes.read<uint32_t>(16).value_or(0);
    info.width = tag_bytes.read<uint32_t>(20).value_or(0);
    info.height = tag_bytes.read<uint32_t>(24).value_or(0);
    info.bits_per_pixel = tag_bytes.read<uint8_t>(28).value_or(0);
    uint8_t kind = tag_bytes.read<uint8_t>(29).value_or(0xff);
    if (kind > static_cast<uint8_t>(FramebufferKind::EgaText))
        return reject();
    info.kind = static_cast<FramebufferKind>(kind);
    if (!is_valid_bits_per_pixel(info.bits_per_pixel) || info.width == 0 || info.height == 0 ||
        info.pitch == 0)
        return reject();
    // All products below fit in 64 bits because the factors are 32-bit.
    uint64_t bytes_per_pixel = (info.bits_per_pixel + 7u) / 8u;
    if (info.pitch < static_cast<uint64_t>(info.width) * bytes_per_pixel)
        return reject();
    uint64_t size = static_cast<uint64_t>(info.pitch) * info.height;
    if (info.physical_address > u64_max - size)
        return reject();
    if (info.kind == FramebufferKind::Rgb) {
        if (tag_bytes.size() < framebuffer_rgb_size)
            return reject();
        info.red_shift = tag_bytes.read<uint8_t>(32).value_or(0);
        info.red_size = tag_bytes.read<uint8_t>(33).value_or(0);
        info.green_shift = tag_bytes.read<uint8_t>(34).value_or(0);
        info.green_size = tag_bytes.read<uint8_t>(35).value_or(0);
        info.blue_shift = tag_bytes.read<uint8_t>(36).value_or(0);
        info.blue_size = tag_bytes.read<uint8_t>(37).value_or(0);
        if (!channel_fits(info.red_shift, info.red_size, info.bits_per_pixel) ||
            !channel_fits(info.green_shift, info.green_size, info.bits_per_pixel) ||
            !channel_fits(info.blue_shift, info.blue_size, info.bits_per_pixel))
            return reject();
    }
    out.framebuffer = info;
    out.has_framebuffer = true;
}

void parse_elf_sections(ktl::ByteReader tag_bytes, size_t tag_offset, BootInfo& out, BootWarnings& warnings) {
    if (tag_bytes.size() < elf_sections_header_size) {
        warnings.add(BootWarning::ElfSectionsInvalid);
        return;
    }
    ElfSections sections{};
    sections.count = tag_bytes.read<uint32_t>(8).value_or(0);
    sections.entry_size = tag_bytes.read<uint32_t>(12).value_or(0);
    sections.string_table_index = tag_bytes.read<uint32_t>(16).value_or(0);
    sections.headers_offset_in_info = tag_offset + elf_sections_header_size;
    sections.headers_size = static_cast<uint64_t>(sections.count) * sections.entry_size;
    bool fits = sections.headers_size <= tag_bytes.size() - elf_sections_header_size;
    bool consistent = sections.count == 0 || (sections.entry_size >= elf_minimum_section_header_size &&
                                              sections.string_table_index < sections.count);
    if (!fits || !consistent) {
        warnings.add(BootWarning::ElfSectionsInvalid);
        return;
    }
    out.elf_sections = sections;
    out.has_elf_sections = true;
}

} // namespace

namespace detail {

namespace {

uint8_t byte_sum(ktl::ByteReader bytes, size_t length) {
    uint8_t sum = 0;
    for (size_t i = 0; i < length && i < bytes.size(); ++i)
        sum = static_cast<uint8_t>(sum + bytes.data()[i]);
    return sum;
}

// Parses an RSDP copy (the tag body). `is_new` is tag 15, which must hold the whole v2 structure.
} // namespace

bool parse_rsdp(ktl::ByteReader body, bool is_new, AcpiRsdp& rsdp) {
    if (body.size() < rsdp_v1_size)
        return false;
    constexpr char signature[] = "RSD PTR ";
    for (size_t i = 0; i < 8; ++i)
        if (body.data()[i] != static_cast<uint8_t>(signature[i]))
            return false;
    rsdp = AcpiRsdp{};
    rsdp.revision = body.read<uint8_t>(15).value_or(0);
    rsdp.rsdt_address = body.read<uint32_t>(16).value_or(0);
    rsdp.checksum_ok = byte_sum(body, rsdp_v1_size) == 0;
    // The old-RSDP tag only promises the 20-byte v1 part, so the XSDT is only read from tag 15.
    if (is_new && rsdp.revision >= 2) {
        if (body.size() < rsdp_v2_size)
            return false;
        uint32_t length = body.read<uint32_t>(20).value_or(0);
        if (length < rsdp_v2_size || length > body.size())
            return false;
        rsdp.xsdt_address = body.read<uint64_t>(24).value_or(0);
        rsdp.checksum_ok = rsdp.checksum_ok && byte_sum(body, length) == 0;
    }
    return true;
}

} // namespace detail

namespace {

struct RsdpCandidate {
    bool valid = false;
    AcpiRsdp rsdp{};
};

void parse_rsdp_tag(ktl::ByteReader tag_bytes, bool is_new, RsdpCandidate& candidate,
                    BootWarnings& warnings) {
    ktl::ByteReader body = tag_bytes.slice(tag_header_size, tag_bytes.size() - tag_header_size).value_or({});
    candidate.valid = detail::parse_rsdp(body, is_new, candidate.rsdp);
    if (!candidate.valid)
        warnings.add(BootWarning::RsdpInvalid);
    else if (!candidate.rsdp.checksum_ok)
        warnings.add(BootWarning::RsdpChecksum);
}

void reset(BootInfo& out, uint64_t info_physical_address, uint32_t info_size) {
    out.memory_map.clear();
    out.modules.clear();
    out.has_framebuffer = false;
    out.framebuffer = FramebufferInfo{};
    out.has_rsdp = false;
    out.rsdp = AcpiRsdp{};
    out.has_elf_sections = false;
    out.elf_sections = ElfSections{};
    for (char& character : out.command_line)
        character = '\0';
    for (char& character : out.loader_name)
        character = '\0';
    out.info_physical_address = info_physical_address;
    out.info_size = info_size;
}

} // namespace

const char* describe(BootWarning warning) {
    switch (warning) {
    case BootWarning::InfoMisaligned:
        return "The boot information block is not 8-byte aligned.";
    case BootWarning::UnknownTag:
        return "The boot information has a tag of unknown type; it was skipped.";
    case BootWarning::DuplicateTag:
        return "A tag that should appear once appeared again; the first one was used.";
    case BootWarning::StringUnterminated:
        return "A string in the boot information was not NUL-terminated inside its tag.";
    case BootWarning::CommandLineTruncated:
        return "The kernel command line was too long and was truncated.";
    case BootWarning::LoaderNameTruncated:
        return "The boot loader name was too long and was truncated.";
    case BootWarning::MemoryMapMissing:
        return "The boot loader provided no memory map.";
    case BootWarning::MemoryMapInvalid:
        return "The memory map tag is malformed (too short or entries smaller than 24 bytes); it was "
               "ignored.";
    case BootWarning::MemoryMapOverlap:
        return "Memory map entries overlap; the more restrictive type was kept for the shared range.";
    case BootWarning::MemoryMapTruncated:
        return "The memory map has more entries than fit; the ones at the highest addresses were dropped.";
    case BootWarning::ZeroLengthRegion:
        return "A memory map entry had length zero and was dropped.";
    case BootWarning::RegionWrapsAround:
        return "A memory map entry ran past the end of the address space and was clipped.";
    case BootWarning::UnknownMemoryType:
        return "A memory map entry had an unknown type and was treated as reserved.";
    case BootWarning::ModuleInvalid:
        return "A module tag was malformed (too short or ending before it starts) and was dropped.";
    case BootWarning::ModuleNameTruncated:
        return "A module name was too long and was truncated.";
    case BootWarning::TooManyModules:
        return "There were more modules than the kernel can track; the extra ones were dropped.";
    case BootWarning::FramebufferInvalid:
        return "The framebuffer description was inconsistent and was dropped.";
    case BootWarning::RsdpInvalid:
        return "An ACPI RSDP tag was malformed (too short, bad signature or bad length) and was dropped.";
    case BootWarning::RsdpChecksum:
        return "An ACPI RSDP checksum does not add up; a copy with a valid one was preferred if present.";
    case BootWarning::ElfSectionsInvalid:
        return "The ELF section headers tag was inconsistent and was dropped.";
    case BootWarning::AddressUnreadable:
        return "A pointer in the boot information leads outside readable memory; what it pointed at was "
               "ignored.";
    }
    return "Unknown boot warning.";
}

void BootWarnings::add(BootWarning warning) {
    if (has(warning))
        return;
    if (list.is_full()) {
        ++dropped;
        return;
    }
    (void)list.try_append(warning);
}

bool BootWarnings::has(BootWarning warning) const {
    for (BootWarning listed : list)
        if (listed == warning)
            return true;
    return false;
}

ktl::ErrorOr<void> parse_multiboot2(ktl::ByteReader info, uint64_t info_physical_address, BootInfo& out,
                                    BootWarnings& warnings) {
    // Nothing is written to `out` until the whole tag list is known to be sound.
    ktl::ByteReader block = TRY(validate_structure(info));
    reset(out, info_physical_address, static_cast<uint32_t>(block.size()));
    if (info_physical_address % tag_alignment != 0)
        warnings.add(BootWarning::InfoMisaligned);

    uint32_t seen_single_instance = 0; // bit per tag type below 32
    bool has_memory_map = false;
    RsdpCandidate old_rsdp;
    RsdpCandidate new_rsdp;

    for_each_tag(block, [&](uint32_t type, size_t offset, ktl::ByteReader tag_bytes) {
        if (is_single_instance(type)) {
            uint32_t bit = 1u << type;
            if (seen_single_instance & bit) {
                warnings.add(BootWarning::DuplicateTag);
                return;
            }
            seen_single_instance |= bit;
        }
        ktl::ByteReader body =
            tag_bytes.slice(tag_header_size, tag_bytes.size() - tag_header_size).value_or({});
        switch (type) {
        case tag::command_line:
            copy_string(body, out.command_line, sizeof out.command_line, warnings,
                        BootWarning::CommandLineTruncated);
            return;
        case tag::loader_name:
            copy_string(body, out.loader_name, sizeof out.loader_name, warnings,
                        BootWarning::LoaderNameTruncated);
            return;
        case tag::module:
            parse_module(tag_bytes, out, warnings);
            return;
        case tag::memory_map:
            has_memory_map = true;
            parse_memory_map(tag_bytes, out, warnings);
            return;
        case tag::framebuffer:
            parse_framebuffer(tag_bytes, out, warnings);
            return;
        case tag::elf_sections:
            parse_elf_sections(tag_bytes, offset, out, warnings);
            return;
        case tag::acpi_old_rsdp:
            parse_rsdp_tag(tag_bytes, false, old_rsdp, warnings);
            return;
        case tag::acpi_new_rsdp:
            parse_rsdp_tag(tag_bytes, true, new_rsdp, warnings);
            return;
        default:
            if (!is_ignored(type))
                warnings.add(BootWarning::UnknownTag);
            return;
        }
    });

    if (!has_memory_map)
        warnings.add(BootWarning::MemoryMapMissing);

    // Tag 15 is preferred, but never a bad checksum over a good one.
    const RsdpCandidate* chosen = nullptr;
    if (new_rsdp.valid && new_rsdp.rsdp.checksum_ok)
        chosen = &new_rsdp;
    else if (old_rsdp.valid && old_rsdp.rsdp.checksum_ok)
        chosen = &old_rsdp;
    else if (new_rsdp.valid)
        chosen = &new_rsdp;
    else if (old_rsdp.valid)
        chosen = &old_rsdp;
    if (chosen) {
        out.rsdp = chosen->rsdp;
        out.has_rsdp = true;
    }
    return {};
}

} // namespace boot
