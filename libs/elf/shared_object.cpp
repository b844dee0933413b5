// Layouts per the gABI (ELF64): file header 64 bytes, program header 56, dynamic entry 16, symbol 24,
// SysV hash table (nbucket, nchain, buckets, chains; 32-bit words), GNU symbol versioning (versym
// 16-bit indices, Elf64_Verdef 20 bytes, Elf64_Verdaux 8).
#include "elf/shared_object.h"

namespace elf {

namespace {

constexpr size_t file_header_size = 64, program_header_size = 56, dynamic_entry_size = 16, symbol_size = 24;
constexpr uint16_t type_shared_object = 3, machine_x86_64 = 62;
constexpr uint32_t segment_load = 1, segment_dynamic = 2;
constexpr uint32_t flag_execute = 1, flag_write = 2, flag_read = 4;
constexpr size_t max_program_headers = 64, max_dynamic_entries = 256, max_version_definitions = 256;

enum : uint64_t {
    dt_null = 0,
    dt_needed = 1,
    dt_pltrelsz = 2,
    dt_hash = 4,
    dt_strtab = 5,
    dt_symtab = 6,
    dt_rela = 7,
    dt_relasz = 8,
    dt_strsz = 10,
    dt_syment = 11,
    dt_init = 12,
    dt_fini = 13,
    dt_rel = 17,
    dt_relsz = 18,
    dt_textrel = 22,
    dt_jmprel = 23,
    dt_init_array = 25,
    dt_fini_array = 26,
    dt_preinit_array = 32,
    dt_relrsz = 35,
    dt_relr = 36,
    dt_versym = 0x6ffffff0,
    dt_verdef = 0x6ffffffc,
    dt_verdefnum = 0x6ffffffd,
};

constexpr uint8_t symbol_types_ok = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 5; // NOTYPE, OBJECT, FUNC, COMMON
constexpr uint16_t version_flag_base = 1;

ktl::Error refuse(SharedObjectDiagnostic* diagnostic, const char* reason, ktl::Errno error) {
    if (diagnostic)
        diagnostic->reason = reason;
    return ktl::Error::from_errno(error);
}

bool binding_ok(uint8_t binding) {
    return binding == 1 || binding == 2 || binding == 10; // GLOBAL, WEAK, GNU_UNIQUE
}

} // namespace

ktl::ErrorOr<SharedObject> SharedObject::parse(ktl::ByteReader file, SharedObjectDiagnostic* diagnostic) {
    if (file.size() < file_header_size || TRY(file.read<uint32_t>(0)) != 0x464c457f)
        return refuse(diagnostic, "not an ELF file", ktl::Errno::ExecFormat);
    if (TRY(file.read<uint8_t>(4)) != 2 || TRY(file.read<uint8_t>(5)) != 1)
        return refuse(diagnostic, "not ELF64 little-endian", ktl::Errno::ExecFormat);
    if (TRY(file.read<uint16_t>(16)) != type_shared_object || TRY(file.read<uint16_t>(18)) != machine_x86_64)
        return refuse(diagnostic, "not an x86-64 shared object", ktl::Errno::ExecFormat);
    uint64_t headers_offset = TRY(file.read<uint64_t>(32));
    uint16_t header_size = TRY(file.read<uint16_t>(54));
    uint16_t header_count = TRY(file.read<uint16_t>(56));
    if (header_size != program_header_size || header_count == 0 || header_count > max_program_headers ||
        !file.contains(headers_offset, header_count * program_header_size))
        return refuse(diagnostic, "bad program header table", ktl::Errno::ExecFormat);

    bool have_load = false, have_dynamic = false;
    uint64_t dynamic_address = 0, dynamic_size = 0;
    SharedObject object;
    for (size_t index = 0; index < header_count; ++index) {
        ktl::ByteReader header =
            TRY(file.slice(headers_offset + index * program_header_size, program_header_size));
        uint32_t type = TRY(header.read<uint32_t>(0));
        uint32_t flags = TRY(header.read<uint32_t>(4));
        uint64_t offset = TRY(header.read<uint64_t>(8));
        uint64_t address = TRY(header.read<uint64_t>(16));
        uint64_t file_size = TRY(header.read<uint64_t>(32));
        uint64_t memory_size = TRY(header.read<uint64_t>(40));
        if (type == segment_load) {
            if (have_load)
                return refuse(diagnostic, "more than one PT_LOAD", ktl::Errno::ExecFormat);
            if (offset != 0 || address != 0)
                return refuse(diagnostic, "PT_LOAD not at file offset and address 0", ktl::Errno::ExecFormat);
            if (file_size != memory_size || file_size == 0 || !file.contains(0, file_size))
                return refuse(diagnostic, "PT_LOAD with bss or past the file", ktl::Errno::ExecFormat);
            if (flags != (flag_read | flag_execute))
                return refuse(diagnostic, "PT_LOAD not read+execute only", ktl::Errno::ExecFormat);
            if (file_size < file_header_size ||
                headers_offset + header_count * program_header_size > file_size)
                return refuse(diagnostic, "headers outside the PT_LOAD", ktl::Errno::ExecFormat);
            object.m_image = TRY(file.slice(0, file_size));
            object.m_image_size = file_size;
            have_load = true;
        } else if (type == segment_dynamic) {
            if (have_dynamic)
                return refuse(diagnostic, "more than one PT_DYNAMIC", ktl::Errno::ExecFormat);
            if (offset != address || (flags & flag_write))
                return refuse(diagnostic, "PT_DYNAMIC not in the read-only image", ktl::Errno::ExecFormat);
            dynamic_address = address;
            dynamic_size = file_size;
            have_dynamic = true;
        }
    }
    if (!have_load || !have_dynamic)
        return refuse(diagnostic, "no PT_LOAD or no PT_DYNAMIC", ktl::Errno::ExecFormat);
    if (!object.m_image.contains(dynamic_address, dynamic_size))
        return refuse(diagnostic, "PT_DYNAMIC outside the PT_LOAD", ktl::Errno::ExecFormat);

    ktl::ByteReader dynamic = TRY(object.m_image.slice(dynamic_address, dynamic_size));
    uint64_t hash = 0, symbol_entry_size = symbol_size;
    bool terminated = false;
    for (size_t index = 0; index < max_dynamic_entries && !terminated; ++index) {
        if (!dynamic.contains(index * dynamic_entry_size, dynamic_entry_size))
            break;
        uint64_t tag = TRY(dynamic.read<uint64_t>(index * dynamic_entry_size));
        uint64_t value = TRY(dynamic.read<uint64_t>(index * dynamic_entry_size + 8));
        switch (tag) {
        case dt_null:
            terminated = true;
            break;
        case dt_hash:
            hash = value;
            break;
        case dt_strtab:
            object.m_strings = value;
            break;
        case dt_symtab:
            object.m_symbols = value;
            break;
        case dt_strsz:
            object.m_strings_size = value;
            break;
        case dt_syment:
            symbol_entry_size = value;
            break;
        case dt_versym:
            object.m_versym = value;
            break;
        case dt_verdef:
            object.m_verdef = value;
            break;
        case dt_verdefnum:
            object.m_verdef_count = value;
            break;
        case dt_needed:
            return refuse(diagnostic, "needs other libraries", ktl::Errno::NotSupported);
        case dt_rela:
        case dt_relasz:
        case dt_rel:
        case dt_relsz:
        case dt_relr:
        case dt_relrsz:
        case dt_jmprel:
        case dt_pltrelsz:
        case dt_textrel:
            return refuse(diagnostic, "has relocations: it would need a dynamic linker",
                          ktl::Errno::NotSupported);
        case dt_init:
        case dt_fini:
        case dt_init_array:
        case dt_fini_array:
        case dt_preinit_array:
            return refuse(diagnostic, "has initialisers: it would need a dynamic linker",
                          ktl::Errno::NotSupported);
        default:
            break; // flags, soname, GNU hash, counts: nothing to act on
        }
    }
    if (!terminated)
        return refuse(diagnostic, "dynamic section without DT_NULL", ktl::Errno::ExecFormat);
    if (hash == 0 || object.m_symbols == 0 || object.m_strings == 0)
        return refuse(diagnostic, "no DT_HASH, DT_SYMTAB or DT_STRTAB", ktl::Errno::ExecFormat);
    if (symbol_entry_size != symbol_size)
        return refuse(diagnostic, "unexpected DT_SYMENT", ktl::Errno::ExecFormat);
    if (!object.m_image.contains(object.m_strings, object.m_strings_size) || object.m_strings_size == 0)
        return refuse(diagnostic, "string table outside the image", ktl::Errno::ExecFormat);

    // The SysV hash table's nchain is the symbol count: what musl (which ignores DT_GNU_HASH) iterates.
    uint32_t bucket_count = TRY(object.m_image.read<uint32_t>(hash));
    uint32_t chain_count = TRY(object.m_image.read<uint32_t>(hash + 4));
    if (!object.m_image.contains(hash, (2 + uint64_t(bucket_count) + chain_count) * 4))
        return refuse(diagnostic, "hash table outside the image", ktl::Errno::ExecFormat);
    if (!object.m_image.contains(object.m_symbols, uint64_t(chain_count) * symbol_size))
        return refuse(diagnostic, "symbol table outside the image", ktl::Errno::ExecFormat);
    object.m_symbol_count = chain_count;
    if (object.m_verdef == 0) {
        object.m_versym = 0; // as libcs do: version indices mean nothing without definitions
    } else {
        if (object.m_versym == 0 || !object.m_image.contains(object.m_versym, uint64_t(chain_count) * 2))
            return refuse(diagnostic, "version indices outside the image", ktl::Errno::ExecFormat);
        if (object.m_verdef_count == 0 || object.m_verdef_count > max_version_definitions)
            return refuse(diagnostic, "bad DT_VERDEFNUM", ktl::Errno::ExecFormat);
    }
    return object;
}

ktl::ErrorOr<ktl::StringView> SharedObject::string_at(uint64_t offset) const {
    if (offset >= m_strings_size)
        return ktl::Errno::InvalidArgument;
    const char* start = reinterpret_cast<const char*>(m_image.data() + m_strings + offset);
    size_t length = 0;
    while (offset + length < m_strings_size && start[length] != '\0')
        ++length;
    if (offset + length == m_strings_size)
        return ktl::Errno::InvalidArgument; // not terminated inside the table
    return ktl::StringView(start, length);
}

// Walks the version definitions (at most DT_VERDEFNUM, each inside the image) for the one whose index is
// `version_index`, as musl's checkver does, and compares its first name.
ktl::ErrorOr<bool> SharedObject::has_version(uint16_t version_index, ktl::StringView version) const {
    version_index &= 0x7fff; // the top bit marks a hidden symbol, not another version
    uint64_t definition = m_verdef;
    for (uint64_t seen = 0; seen < m_verdef_count; ++seen) {
        ktl::ByteReader entry = TRY(m_image.slice(definition, 20));
        uint16_t flags = TRY(entry.read<uint16_t>(2));
        uint16_t index = TRY(entry.read<uint16_t>(4));
        uint32_t auxiliary = TRY(entry.read<uint32_t>(12));
        uint32_t next = TRY(entry.read<uint32_t>(16));
        if (!(flags & version_flag_base) && (index & 0x7fff) == version_index) {
            uint32_t name = TRY(m_image.read<uint32_t>(definition + auxiliary));
            return TRY(string_at(name)) == version;
        }
        if (next == 0)
            return false;
        definition += next;
    }
    return false;
}

ktl::ErrorOr<uint64_t> SharedObject::find_symbol(ktl::StringView name, ktl::StringView version) const {
    for (size_t index = 0; index < m_symbol_count; ++index) {
        ktl::ByteReader symbol = TRY(m_image.slice(m_symbols + index * symbol_size, symbol_size));
        uint8_t info = TRY(symbol.read<uint8_t>(4));
        uint16_t section = TRY(symbol.read<uint16_t>(6));
        if (!((1u << (info & 0xf)) & symbol_types_ok) || !binding_ok(info >> 4) || section == 0)
            continue;
        auto symbol_name = string_at(TRY(symbol.read<uint32_t>(0)));
        if (symbol_name.is_error() || symbol_name.value() != name)
            continue;
        if (m_versym != 0 && !TRY(has_version(TRY(m_image.read<uint16_t>(m_versym + index * 2)), version)))
            continue;
        uint64_t value = TRY(symbol.read<uint64_t>(8));
        uint64_t size = TRY(symbol.read<uint64_t>(16));
        if (!m_image.contains(value, size))
            return ktl::Errno::ExecFormat; // a symbol pointing outside the image would jump anywhere
        return value;
    }
    return ktl::Errno::NoEntry;
}

} // namespace elf
