#include "module/linker.h"

namespace module {

using namespace elf_constants;
using ktl::Errno;

namespace {

// Relocation types the loader applies (the x86-64 psABI's numbers).
enum : uint32_t {
    r_none = 0,
    r_64 = 1,
    r_pc32 = 2,
    r_plt32 = 4,
    r_gotpcrel = 9,
    r_32 = 10,
    r_32s = 11,
    r_pc64 = 24,
    r_gotpcrelx = 41,
    r_rex_gotpcrelx = 42,
};
constexpr uint32_t sht_note = 7, sht_init_array = 14, sht_fini_array = 15, sht_preinit_array = 16,
                   sht_x86_64_unwind = 0x70000001;
// Far above any driver; keeps every offset sum far from overflowing.
constexpr uint64_t max_area_size = 256ull << 20;

bool uses_got(uint32_t type) {
    return type == r_gotpcrel || type == r_gotpcrelx || type == r_rex_gotpcrelx;
}

uint64_t align_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

// A relocation type's name for messages, the number when it has none.
struct TypeName {
    uint32_t type;
};
void format_value(ktl::FormatSink& sink, const ktl::FormatSpec&, const TypeName& name) {
    if (const char* text = relocation_name(name.type))
        sink.write(text);
    else
        ktl::format_to(sink, "type {}", name.type);
}

} // namespace

ktl::ErrorOr<Layout> Layout::plan(const ObjectFile& object, Diagnostic& diagnostic) {
    Layout layout;
    if (layout.sections.try_resize(object.section_count()).is_error() ||
        layout.got_slots.try_resize(object.symbol_count()).is_error())
        return diagnostic.fail(Errno::NoMemory, "out of memory planning the layout");
    for (size_t index = 1; index < object.section_count(); ++index) {
        const SectionHeader& section = object.section(index);
        if (!section.is_allocated())
            continue;
        switch (section.type) {
        case sht_progbits:
        case sht_nobits:
        case sht_note:
        case sht_init_array:
        case sht_fini_array:
        case sht_preinit_array:
        case sht_x86_64_unwind:
            break;
        default:
            return diagnostic.fail(Errno::ExecFormat,
                                   "section {} ({}): allocated section of type {:#x} is not supported", index,
                                   section.name, section.type);
        }
        bool executable = section.flags & shf_execinstr;
        bool writable = section.flags & shf_write;
        if (executable && writable)
            return diagnostic.fail(Errno::ExecFormat, "section {} ({}) is both writable and executable",
                                   index, section.name);
        Area area = executable ? Area::Text : writable ? Area::Data : Area::ReadOnly;
        uint64_t& size = layout.area_size[size_t(area)];
        uint64_t offset = align_up(size, section.alignment);
        if (section.size > max_area_size || offset + section.size > max_area_size)
            return diagnostic.fail(Errno::ExecFormat, "section {} ({}): the module is larger than {} MiB",
                                   index, section.name, max_area_size >> 20);
        layout.sections[index] = {true, area, offset};
        size = offset + section.size;
    }

    // One GOT slot per symbol some GOTPCREL relocation of loaded code names.
    for (uint32_t& slot : layout.got_slots)
        slot = no_slot;
    uint32_t slots = 0;
    for (size_t index = 1; index < object.section_count(); ++index) {
        const SectionHeader& section = object.section(index);
        if (section.type != sht_rela || !layout.sections[section.info].placed)
            continue;
        for (size_t entry = 0; entry < object.relocation_count(index); ++entry) {
            Relocation relocation = object.relocation(index, entry);
            if (uses_got(relocation.type) && relocation.symbol < object.symbol_count() &&
                layout.got_slots[relocation.symbol] == no_slot)
                layout.got_slots[relocation.symbol] = slots++;
        }
    }
    uint64_t& read_only = layout.area_size[size_t(Area::ReadOnly)];
    layout.got_offset = align_up(read_only, 8);
    read_only = layout.got_offset + uint64_t(slots) * 8;
    if (read_only > max_area_size)
        return diagnostic.fail(Errno::ExecFormat, "the module is larger than {} MiB", max_area_size >> 20);
    return layout;
}

ktl::ErrorOr<void> link(const ObjectFile& object, const Layout& layout, const Areas& areas,
                        SymbolResolver& resolver, Diagnostic& diagnostic) {
    for (size_t area = 0; area < area_count; ++area)
        if (layout.area_size[area] > 0)
            __builtin_memset(areas[area].bytes, 0, layout.area_size[area]);
    for (size_t index = 1; index < object.section_count(); ++index) {
        const Placement& placement = layout.sections[index];
        if (!placement.placed || object.section(index).type == sht_nobits || object.section(index).size == 0)
            continue;
        ktl::ByteReader bytes = object.section_bytes(index);
        __builtin_memcpy(areas[size_t(placement.area)].bytes + placement.offset, bytes.data(), bytes.size());
    }

    // Every symbol's address, once. Symbols in sections that are not loaded (debug information)
    // have none: a relocation of loaded bytes against one is refused.
    ktl::Vector<uint64_t> addresses;
    ktl::Vector<bool> usable;
    if (addresses.try_resize(object.symbol_count()).is_error() ||
        usable.try_resize(object.symbol_count()).is_error())
        return diagnostic.fail(Errno::NoMemory, "out of memory for {} symbols", object.symbol_count());
    usable[0] = true;
    for (size_t index = 1; index < object.symbol_count(); ++index) {
        const Symbol& symbol = object.symbol(index);
        usable[index] = true;
        if (symbol.section == shn_undef) {
            if (!resolver.resolve(symbol.name, addresses[index])) {
                if (symbol.binding != stb_weak)
                    return diagnostic.fail(Errno::NoEntry, "unknown symbol {}", symbol.name);
                addresses[index] = 0; // an undefined weak symbol is null, as in any ELF link
            }
        } else if (symbol.section == shn_abs) {
            addresses[index] = symbol.value;
        } else if (const Placement& placement = layout.sections[symbol.section]; placement.placed) {
            addresses[index] = areas[size_t(placement.area)].address + placement.offset + symbol.value;
        } else {
            usable[index] = false;
        }
    }

    uint8_t* got = areas[size_t(Area::ReadOnly)].bytes + layout.got_offset;
    uint64_t got_address = areas[size_t(Area::ReadOnly)].address + layout.got_offset;
    for (size_t index = 0; index < object.symbol_count(); ++index) {
        uint32_t slot = layout.got_slots[index];
        if (slot == Layout::no_slot)
            continue;
        if (!usable[index])
            return diagnostic.fail(Errno::ExecFormat,
                                   "GOT entry for symbol {}, which is in a section that is not loaded",
                                   object.symbol(index).name);
        __builtin_memcpy(got + uint64_t(slot) * 8, &addresses[index], 8);
    }

    for (size_t index = 1; index < object.section_count(); ++index) {
        const SectionHeader& section = object.section(index);
        if (section.type != sht_rela)
            continue;
        const Placement& target_placement = layout.sections[section.info];
        if (!target_placement.placed)
            continue; // debug information: never loaded, never patched
        const SectionHeader& target = object.section(section.info);
        if (target.type == sht_nobits && object.relocation_count(index) > 0)
            return diagnostic.fail(Errno::ExecFormat, "section {} ({}) relocates {}, which has no bytes",
                                   index, section.name, target.name);
        uint8_t* target_bytes = areas[size_t(target_placement.area)].bytes + target_placement.offset;
        uint64_t target_address = areas[size_t(target_placement.area)].address + target_placement.offset;

        for (size_t entry = 0; entry < object.relocation_count(index); ++entry) {
            Relocation relocation = object.relocation(index, entry);
            if (relocation.symbol >= object.symbol_count())
                return diagnostic.fail(Errno::ExecFormat, "relocation {} of {}: bad symbol index {}", entry,
                                       target.name, relocation.symbol);
            const Symbol& symbol = object.symbol(relocation.symbol);
            size_t width;
            switch (relocation.type) {
            case r_none:
                continue;
            case r_64:
            case r_pc64:
                width = 8;
                break;
            case r_pc32:
            case r_plt32:
            case r_32:
            case r_32s:
            case r_gotpcrel:
            case r_gotpcrelx:
            case r_rex_gotpcrelx:
                width = 4;
                break;
            default:
                return diagnostic.fail(Errno::ExecFormat, "unsupported relocation {} in {} against {}",
                                       TypeName{relocation.type}, target.name, symbol.name);
            }
            if (relocation.offset > target.size || width > target.size - relocation.offset)
                return diagnostic.fail(Errno::ExecFormat, "{} at offset {:#x} is outside {} ({} bytes)",
                                       TypeName{relocation.type}, relocation.offset, target.name,
                                       target.size);
            if (!usable[relocation.symbol])
                return diagnostic.fail(Errno::ExecFormat,
                                       "{} in {} against {}, which is in a section that is not loaded",
                                       TypeName{relocation.type}, target.name, symbol.name);

            uint64_t s = addresses[relocation.symbol];
            uint64_t a = uint64_t(relocation.addend);
            uint64_t p = target_address + relocation.offset;
            uint64_t value;
            switch (relocation.type) {
            case r_64:
            case r_32:
            case r_32s:
                value = s + a;
                break;
            case r_gotpcrel:
            case r_gotpcrelx:
            case r_rex_gotpcrelx:
                value = got_address + uint64_t(layout.got_slots[relocation.symbol]) * 8 + a - p;
                break;
            default: // PC32, PLT32 (a direct call: the kernel is within reach, no PLT), PC64
                value = s + a - p;
                break;
            }
            bool fits = true;
            if (relocation.type == r_32)
                fits = value <= 0xffffffffull;
            else if (width == 4)
                fits = int64_t(value) >= INT32_MIN && int64_t(value) <= INT32_MAX;
            if (!fits)
                return diagnostic.fail(
                    Errno::ExecFormat, "{} at {}+{:#x} against {}: {:#x} does not fit in 32 bits",
                    TypeName{relocation.type}, target.name, relocation.offset, symbol.name, value);
            __builtin_memcpy(target_bytes + relocation.offset, &value, width);
        }
    }
    return {};
}

namespace {

// The written bytes of [address, address + length) when it lies in one area among `allowed`.
const uint8_t* find_bytes(const Layout& layout, const Areas& areas, uint64_t address, uint64_t length,
                          bool text, bool read_only, bool data) {
    bool allowed[area_count] = {text, read_only, data};
    for (size_t area = 0; area < area_count; ++area) {
        uint64_t start = areas[area].address, size = layout.area_size[area];
        if (allowed[area] && address >= start && address - start <= size &&
            length <= size - (address - start))
            return areas[area].bytes + (address - start);
    }
    return nullptr;
}

// A NUL-terminated string that lies wholly in the module's read-only or data area.
bool find_string(const Layout& layout, const Areas& areas, uint64_t address, ktl::StringView& text) {
    for (size_t area = size_t(Area::ReadOnly); area < area_count; ++area) {
        uint64_t start = areas[area].address, size = layout.area_size[area];
        if (address < start || address - start >= size)
            continue;
        const char* characters = reinterpret_cast<const char*>(areas[area].bytes + (address - start));
        size_t limit = size - (address - start);
        for (size_t length = 0; length < limit; ++length) {
            if (characters[length] == '\0') {
                text = ktl::StringView(characters, length);
                return true;
            }
        }
        return false;
    }
    return false;
}

bool valid_name(ktl::StringView name) {
    if (name.is_empty() || name.length() > max_name_length)
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-'))
            return false;
    return true;
}

bool valid_parameter_name(ktl::StringView name) {
    if (name.is_empty() || name.length() > max_parameter_name_length)
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

ktl::ErrorOr<void> read_parameters(const ObjectFile& object, const Layout& layout, const Areas& areas,
                                   ModuleInfo& info, Diagnostic& diagnostic) {
    long index = object.find_section(parameter_section_name);
    if (index < 0 || !layout.sections[index].placed)
        return {};
    const Placement& table = layout.sections[index];
    uint64_t size = object.section(index).size;
    if (size % sizeof(ParameterRecord) != 0 || size / sizeof(ParameterRecord) > max_parameters)
        return diagnostic.fail(Errno::ExecFormat, "{} holds {} bytes: not 0 to {} records of {}",
                               parameter_section_name, size, max_parameters, sizeof(ParameterRecord));
    if (info.parameters.try_resize(size / sizeof(ParameterRecord)).is_error())
        return diagnostic.fail(Errno::NoMemory, "out of memory for the parameter list");
    for (size_t entry = 0; entry < info.parameters.size(); ++entry) {
        ParameterRecord record;
        __builtin_memcpy(&record, areas[size_t(table.area)].bytes + table.offset + entry * sizeof record,
                         sizeof record);
        ModuleInfo::Parameter& parameter = info.parameters[entry];
        if (!find_string(layout, areas, record.name, parameter.name) || !valid_parameter_name(parameter.name))
            return diagnostic.fail(Errno::ExecFormat, "parameter {} has no valid name ([a-z0-9_], 1 to {})",
                                   entry, max_parameter_name_length);
        for (size_t earlier = 0; earlier < entry; ++earlier)
            if (info.parameters[earlier].name == parameter.name)
                return diagnostic.fail(Errno::ExecFormat, "parameter {} is declared twice", parameter.name);
        parameter.kind = ParameterKind(record.kind);
        bool size_fits = (parameter.kind == ParameterKind::Integer && record.size == 8) ||
                         (parameter.kind == ParameterKind::Boolean && record.size == 1) ||
                         (parameter.kind == ParameterKind::String && record.size >= 2 && record.size <= 4096);
        if (!size_fits)
            return diagnostic.fail(Errno::ExecFormat, "parameter {}: kind {} with {} bytes", parameter.name,
                                   record.kind, record.size);
        parameter.size = record.size;
        parameter.variable =
            const_cast<uint8_t*>(find_bytes(layout, areas, record.address, record.size, false, false, true));
        if (!parameter.variable)
            return diagnostic.fail(Errno::ExecFormat,
                                   "parameter {}: its variable {:#x} is not in the module's data",
                                   parameter.name, record.address);
        if (parameter.kind == ParameterKind::String)
            parameter.variable[record.size - 1] = 0; // whatever the module wrote, it ends inside
    }
    return {};
}

} // namespace

ktl::ErrorOr<ModuleInfo> read_descriptor(const ObjectFile& object, const Layout& layout, const Areas& areas,
                                         Diagnostic& diagnostic) {
    long index = object.find_section(descriptor_section_name);
    if (index < 0 || !layout.sections[index].placed)
        return diagnostic.fail(Errno::ExecFormat,
                               "no module descriptor (section {}): not built with module_api.h",
                               descriptor_section_name);
    const Placement& placement = layout.sections[index];
    if (placement.area != Area::Data)
        return diagnostic.fail(Errno::ExecFormat, "the module descriptor is not in writable data");
    if (object.section(index).size != sizeof(DescriptorRecord))
        return diagnostic.fail(Errno::ExecFormat,
                               "the module descriptor section holds {} bytes, one descriptor is {}",
                               object.section(index).size, sizeof(DescriptorRecord));
    DescriptorRecord record;
    __builtin_memcpy(&record, areas[size_t(Area::Data)].bytes + placement.offset, sizeof record);
    if (record.magic != descriptor_magic || record.size != sizeof(DescriptorRecord))
        return diagnostic.fail(Errno::ExecFormat, "bad module descriptor (magic {:#x}, size {})",
                               record.magic, record.size);
    if (record.api_version != kernel_api_version)
        return diagnostic.fail(Errno::ExecFormat,
                               "built for kernel API version {}, this kernel has version {}",
                               record.api_version, kernel_api_version);

    ModuleInfo info;
    struct Field {
        uint64_t address;
        ktl::StringView* text;
        const char* what;
    } fields[] = {{record.name, &info.name, "name"},
                  {record.version, &info.version, "version"},
                  {record.description, &info.description, "description"},
                  {record.author, &info.author, "author"},
                  {record.license, &info.license, "license"}};
    for (const Field& field : fields) {
        if (field.address == 0)
            continue;
        if (!find_string(layout, areas, field.address, *field.text))
            return diagnostic.fail(Errno::ExecFormat, "the descriptor's {} is not a string inside the module",
                                   field.what);
    }
    if (!valid_name(info.name))
        return diagnostic.fail(Errno::ExecFormat, "bad module name \"{}\": 1 to {} of [A-Za-z0-9_-]",
                               info.name, max_name_length);
    if (!find_bytes(layout, areas, record.init, 1, true, false, false))
        return diagnostic.fail(Errno::ExecFormat, "the init function {:#x} is not in the module's text",
                               record.init);
    if (record.exit != 0 && !find_bytes(layout, areas, record.exit, 1, true, false, false))
        return diagnostic.fail(Errno::ExecFormat, "the exit function {:#x} is not in the module's text",
                               record.exit);
    info.init = record.init;
    info.exit = record.exit;
    auto* self = const_cast<uint8_t*>(find_bytes(layout, areas, record.self, 8, false, false, true));
    if (!self || record.self % 8 != 0)
        return diagnostic.fail(Errno::ExecFormat,
                               "the descriptor's handle slot {:#x} is not in the module's data", record.self);
    info.self = reinterpret_cast<uint64_t*>(self);

    long constructors = object.find_section(".init_array");
    if (constructors >= 0 && layout.sections[constructors].placed) {
        const Placement& table = layout.sections[constructors];
        uint64_t size = object.section(constructors).size;
        if (size % 8 != 0)
            return diagnostic.fail(Errno::ExecFormat, ".init_array's size {} is not a multiple of 8", size);
        if (info.constructors.try_resize(size / 8).is_error())
            return diagnostic.fail(Errno::NoMemory, "out of memory for the constructor list");
        for (uint64_t entry = 0; entry < size / 8; ++entry) {
            uint64_t function;
            __builtin_memcpy(&function, areas[size_t(table.area)].bytes + table.offset + entry * 8, 8);
            if (!find_bytes(layout, areas, function, 1, true, false, false))
                return diagnostic.fail(Errno::ExecFormat,
                                       "constructor {} ({:#x}) is not in the module's text", entry, function);
            info.constructors[entry] = function;
        }
    }
    TRY(read_parameters(object, layout, areas, info, diagnostic));
    return info;
}

ktl::ErrorOr<void> for_each_modinfo(const ObjectFile& object,
                                    ktl::FunctionRef<void(ktl::StringView key, ktl::StringView value)> visit,
                                    Diagnostic& diagnostic) {
    long index = object.find_section(modinfo_section_name);
    if (index < 0)
        return {};
    ktl::ByteReader bytes = object.section_bytes(index);
    const char* text = reinterpret_cast<const char*>(bytes.data());
    size_t position = 0;
    while (position < bytes.size()) {
        if (text[position] == '\0') { // padding between strings
            ++position;
            continue;
        }
        size_t end = position;
        while (end < bytes.size() && text[end] != '\0')
            ++end;
        if (end == bytes.size())
            return diagnostic.fail(Errno::ExecFormat, "{}: the last string is not terminated",
                                   modinfo_section_name);
        ktl::StringView entry(text + position, end - position);
        size_t equals = 0;
        while (equals < entry.length() && entry[equals] != '=')
            ++equals;
        visit(entry.substring(0, equals),
              equals < entry.length() ? entry.substring(equals + 1) : ktl::StringView());
        position = end + 1;
    }
    return {};
}

} // namespace module
