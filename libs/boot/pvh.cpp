// PVH (hvm_start_info) parser: reads the fixed header, then follows each pointer through
// PhysicalMemory with its own checks (see pvh.h).
#include "boot/pvh.h"

#include "boot/parsing_detail.h"
#include "ktl/format.h"

#include <limits>

namespace boot {

namespace {

// struct hvm_start_info: version 0 is 40 bytes; version 1 adds memmap_paddr, memmap_entries, reserved.
namespace field {
constexpr size_t magic = 0, version = 4, nr_modules = 12, modlist_paddr = 16, cmdline_paddr = 24,
                 rsdp_paddr = 32, memmap_paddr = 40, memmap_entries = 48;
} // namespace field
constexpr size_t start_info_v0_size = 40;
constexpr size_t start_info_v1_size = 56;
constexpr size_t memmap_entry_size = 24;  // {u64 addr, u64 size, u32 type, u32 reserved}
constexpr size_t modlist_entry_size = 32; // {u64 paddr, u64 size, u64 cmdline_paddr, u64 reserved}
constexpr size_t rsdp_v1_size = 20;
constexpr size_t rsdp_v2_size = 36;
constexpr size_t rsdp_max_size = 4096;

constexpr uint64_t u64_max = std::numeric_limits<uint64_t>::max();

// Copies the NUL-terminated string at `address`, at most capacity - 1 characters; always terminates.
void copy_physical_string(const PhysicalMemory& memory, uint64_t address, char* destination, size_t capacity,
                          BootWarnings& warnings) {
    size_t length = 0;
    for (; length < capacity; ++length) {
        if (address > u64_max - length) {
            warnings.add(BootWarning::AddressUnreadable);
            break;
        }
        auto byte = memory.bytes(address + length, 1);
        if (byte.is_error()) {
            warnings.add(BootWarning::AddressUnreadable);
            break;
        }
        uint8_t character = byte.value().data()[0];
        if (character == 0)
            break;
        if (length == capacity - 1) {
            warnings.add(BootWarning::CommandLineTruncated);
            break;
        }
        destination[length] = static_cast<char>(character);
    }
    for (size_t i = length; i < capacity; ++i)
        destination[i] = '\0';
}

void parse_modules(const PhysicalMemory& memory, uint64_t list_address, uint32_t count, BootInfo& out,
                   BootWarnings& warnings) {
    if (count == 0)
        return;
    if (list_address == 0) {
        warnings.add(BootWarning::ModuleInvalid);
        return;
    }
    size_t wanted = count;
    if (wanted > BootInfo::max_modules) {
        wanted = BootInfo::max_modules;
        warnings.add(BootWarning::TooManyModules);
    }
    auto list = memory.bytes(list_address, wanted * modlist_entry_size);
    if (list.is_error()) {
        warnings.add(BootWarning::AddressUnreadable);
        return;
    }
    for (size_t i = 0; i < wanted; ++i) {
        uint64_t start = list.value().read<uint64_t>(i * modlist_entry_size).value_or(0);
        uint64_t size = list.value().read<uint64_t>(i * modlist_entry_size + 8).value_or(0);
        if (start == 0 || size == 0 || size > u64_max - start) {
            warnings.add(BootWarning::ModuleInvalid);
            continue;
        }
        BootModule module{start, start + size, {}};
        ktl::BufferSink name(module.name, sizeof module.name - 1);
        if (out.modules.is_empty())
            name.write("initrd");
        else
            ktl::format_to(name, "module-{}", i);
        module.name[name.length()] = '\0';
        (void)out.modules.try_append(module);
    }
}

void parse_rsdp(const PhysicalMemory& memory, uint64_t address, BootInfo& out, BootWarnings& warnings) {
    if (address == 0)
        return;
    // The ACPI 2.0 structure is 36 bytes, but a 1.0 one at the very end of readable memory has 20.
    auto readable = [&](size_t length) { return memory.bytes(address, length).value_or({}); };
    ktl::ByteReader body = readable(rsdp_v2_size);
    if (body.size() == 0)
        body = readable(rsdp_v1_size);
    if (body.size() == 0) {
        warnings.add(BootWarning::AddressUnreadable);
        return;
    }
    uint8_t revision = body.read<uint8_t>(15).value_or(0);
    uint32_t length = body.read<uint32_t>(20).value_or(0);
    if (revision >= 2 && length > rsdp_v2_size && length <= rsdp_max_size) {
        if (ktl::ByteReader whole = readable(length); whole.size() != 0)
            body = whole;
    }
    AcpiRsdp rsdp;
    if (!detail::parse_rsdp(body, true, rsdp)) {
        warnings.add(BootWarning::RsdpInvalid);
        return;
    }
    if (!rsdp.checksum_ok)
        warnings.add(BootWarning::RsdpChecksum);
    out.rsdp = rsdp;
    out.has_rsdp = true;
}

} // namespace

const char* describe(PvhError error) {
    switch (error) {
    case PvhError::None:
        return "no error";
    case PvhError::Unreadable:
        return "the hvm_start_info structure lies outside readable memory";
    case PvhError::BadMagic:
        return "the structure passed in ebx does not start with the hvm_start_info magic 0x336ec578";
    case PvhError::NoMemoryMap:
        return "the loader gave no memory map (hvm_start_info version 0, or version 1 without entries); "
               "blog_os needs one";
    case PvhError::MemoryMapUnreadable:
        return "the PVH memory map lies outside readable memory";
    }
    return "unknown PVH error";
}

ktl::ErrorOr<void> parse_pvh(const PhysicalMemory& memory, uint64_t start_info_physical, BootInfo& out,
                             BootWarnings& warnings, PvhError& error) {
    auto fail = [&](PvhError why) -> ktl::ErrorOr<void> {
        error = why;
        return ktl::Errno::InvalidArgument;
    };
    error = PvhError::None;
    if (start_info_physical == 0)
        return fail(PvhError::Unreadable);
    auto header_v0 = memory.bytes(start_info_physical, start_info_v0_size);
    if (header_v0.is_error())
        return fail(PvhError::Unreadable);
    if (header_v0.value().read<uint32_t>(field::magic).value_or(0) != pvh_start_magic)
        return fail(PvhError::BadMagic);
    uint32_t version = header_v0.value().read<uint32_t>(field::version).value_or(0);
    if (version < 1)
        return fail(PvhError::NoMemoryMap);
    auto header_result = memory.bytes(start_info_physical, start_info_v1_size);
    if (header_result.is_error())
        return fail(PvhError::Unreadable);
    ktl::ByteReader header = header_result.value();

    uint64_t map_address = header.read<uint64_t>(field::memmap_paddr).value_or(0);
    uint32_t map_entries = header.read<uint32_t>(field::memmap_entries).value_or(0);
    if (map_address == 0 || map_entries == 0)
        return fail(PvhError::NoMemoryMap);
    bool map_truncated = map_entries > detail::max_raw_memory_entries;
    size_t map_count = map_truncated ? detail::max_raw_memory_entries : map_entries;
    auto map = memory.bytes(map_address, map_count * memmap_entry_size);
    if (map.is_error())
        return fail(PvhError::MemoryMapUnreadable);

    // From here on nothing fails, so `out` is only touched once the structure is known to be usable.
    out = BootInfo{};
    if (map_truncated)
        warnings.add(BootWarning::MemoryMapTruncated);
    detail::sanitize_memory_map(map.value(), memmap_entry_size, map_count, out, warnings);

    uint64_t command_line = header.read<uint64_t>(field::cmdline_paddr).value_or(0);
    if (command_line != 0)
        copy_physical_string(memory, command_line, out.command_line, sizeof out.command_line, warnings);

    parse_rsdp(memory, header.read<uint64_t>(field::rsdp_paddr).value_or(0), out, warnings);
    parse_modules(memory, header.read<uint64_t>(field::modlist_paddr).value_or(0),
                  header.read<uint32_t>(field::nr_modules).value_or(0), out, warnings);

    ktl::BufferSink loader(out.loader_name, sizeof out.loader_name - 1);
    ktl::format_to(loader, "PVH (hvm_start_info version {})", version);
    out.loader_name[loader.length()] = '\0';
    out.info_physical_address = start_info_physical;
    out.info_size = start_info_v1_size;
    return {};
}

} // namespace boot
