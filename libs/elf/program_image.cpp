// Program headers (56 bytes), dynamic entries (16) and Elf64_Rela (24) per the gABI and the System V
// x86-64 psABI. Every field read comes from the hostile file through ktl::ByteReader; every sum of two
// untrusted numbers is checked for wrap-around before it is compared.
#include "elf/program_image.h"

namespace elf {

namespace {

constexpr size_t file_header_size = 64, phdr_entry_size = 56, dynamic_entry_size = 16, rela_size = 24;
constexpr uint16_t type_exec = 2, type_dyn = 3, machine_x86_64 = 62;
constexpr uint32_t pt_load = 1, pt_dynamic = 2, pt_interp = 3, pt_phdr = 6, pt_tls = 7;
constexpr uint32_t pt_gnu_stack = 0x6474e551;
constexpr uint32_t pf_x = 1, pf_w = 2, pf_r = 4;
constexpr uint64_t dt_null = 0, dt_needed = 1, dt_pltrelsz = 2, dt_rela = 7, dt_relasz = 8, dt_relaent = 9,
                   dt_rel = 17, dt_relsz = 18, dt_pltrel = 20, dt_jmprel = 23, dt_relr = 36;
constexpr uint32_t r_none = 0, r_relative = 8, r_irelative = 37;
constexpr uint64_t page_mask = program_page_size - 1;

struct ProgramHeader {
    uint32_t type = 0, flags = 0;
    uint64_t offset = 0, vaddr = 0, file_size = 0, memory_size = 0, align = 0;
    int index = -1;
};

// A PT_LOAD after validation, in biased addresses.
struct LoadSegment {
    uint64_t start = 0, file_end = 0, memory_end = 0; // start + filesz, start + memsz
    uint64_t offset = 0;
    uint32_t flags = 0;
    int index = -1;
};

// A page range being built; copy_* is the part that comes from the file at (address - delta).
struct Piece {
    uint64_t start = 0, end = 0, copy_start = 0, copy_end = 0, delta = 0, memory_end = 0;
    uint32_t flags = 0;
    int index = -1;
    bool has_copy() const { return copy_end > copy_start; }
};

ktl::Error refuse(ProgramDiagnostic* diagnostic, ktl::Errno code, const char* reason, int index = -1) {
    if (diagnostic)
        *diagnostic = ProgramDiagnostic{reason, index};
    return ktl::Error::from_errno(code);
}

bool adds_without_wrap(uint64_t a, uint64_t b) {
    return a + b >= a;
}
bool is_power_of_two(uint64_t value) {
    return value != 0 && (value & (value - 1)) == 0;
}
bool is_write_and_execute(uint32_t flags) {
    return (flags & pf_w) && (flags & pf_x);
}

// [address, address + size) inside [start, end); callers made sure address + size does not wrap.
bool range_inside(uint64_t address, uint64_t size, uint64_t start, uint64_t end) {
    return address >= start && address <= end && size <= end - address;
}

ktl::ErrorOr<ProgramHeader> read_program_header(ktl::ByteReader table, size_t index) {
    ktl::ByteReader bytes = TRY(table.slice(index * phdr_entry_size, phdr_entry_size));
    ProgramHeader header;
    header.type = TRY(bytes.read<uint32_t>(0));
    header.flags = TRY(bytes.read<uint32_t>(4));
    header.offset = TRY(bytes.read<uint64_t>(8));
    header.vaddr = TRY(bytes.read<uint64_t>(16));
    header.file_size = TRY(bytes.read<uint64_t>(32));
    header.memory_size = TRY(bytes.read<uint64_t>(40));
    header.align = TRY(bytes.read<uint64_t>(48));
    header.index = static_cast<int>(index);
    return header;
}

Piece restrict_to(Piece piece, uint64_t start, uint64_t end) {
    piece.start = start;
    piece.end = end;
    piece.copy_start = piece.copy_start > start ? piece.copy_start : start;
    piece.copy_end = piece.copy_end < end ? piece.copy_end : end;
    if (piece.copy_start >= piece.copy_end)
        piece.copy_start = piece.copy_end = start; // no file bytes in this range
    piece.memory_end = piece.memory_end < end ? piece.memory_end : end;
    return piece;
}

// One page claimed by `earlier` (ending in it) and `later` (starting in it): see the page rule in the header.
ktl::ErrorOr<Piece> share_page(Piece earlier, Piece later, ProgramDiagnostic* diagnostic) {
    Piece shared = earlier;
    shared.flags |= later.flags;
    shared.index = later.index;
    shared.memory_end = later.memory_end;
    if (is_write_and_execute(shared.flags))
        return refuse(diagnostic, ktl::Errno::AccessDenied, "a page shared by two segments would be W+X",
                      later.index);
    if (earlier.has_copy() && later.has_copy()) {
        // One copy must produce both: same file delta, and no zero-filled bytes between the two.
        if (earlier.delta != later.delta || earlier.memory_end != earlier.copy_end)
            return refuse(diagnostic, ktl::Errno::ExecFormat,
                          "segments share a page but not one file mapping", later.index);
        shared.copy_end = later.copy_end;
    } else if (later.has_copy()) {
        shared.copy_start = later.copy_start;
        shared.copy_end = later.copy_end;
        shared.delta = later.delta;
    }
    return shared;
}

// The file offset of the `size` bytes at unbiased `address`, when a PT_LOAD backs them with file bytes.
ktl::ErrorOr<uint64_t>
file_offset_of(const ktl::FixedVector<LoadSegment, ProgramImage::max_load_segments>& loads, uint64_t bias,
               uint64_t address, uint64_t size) {
    if (!adds_without_wrap(address, bias) || !adds_without_wrap(address + bias, size))
        return ktl::Errno::ExecFormat;
    for (const LoadSegment& load : loads) {
        if (range_inside(address + bias, size, load.start, load.file_end))
            return load.offset + (address + bias - load.start);
    }
    return ktl::Errno::ExecFormat;
}

} // namespace

ktl::ErrorOr<ProgramImage> ProgramImage::parse(ktl::ByteReader file, const LoadOptions& options,
                                               ProgramDiagnostic* diagnostic) {
    ProgramDiagnostic ignored;
    if (!diagnostic)
        diagnostic = &ignored;
    auto not_a_program = [&](const char* reason, int index = -1) {
        return refuse(diagnostic, ktl::Errno::ExecFormat, reason, index);
    };

    // The file header.
    if (file.size() < file_header_size || TRY(file.read<uint32_t>(0)) != 0x464c457f) // "\x7fELF"
        return not_a_program("not an ELF file");
    if (TRY(file.read<uint8_t>(4)) != 2 || TRY(file.read<uint8_t>(5)) != 1 || TRY(file.read<uint8_t>(6)) != 1)
        return not_a_program("not ELF64 little-endian version 1");
    uint16_t elf_type = TRY(file.read<uint16_t>(16));
    if (TRY(file.read<uint16_t>(18)) != machine_x86_64)
        return not_a_program("not an x86-64 program");
    if (elf_type != type_exec && elf_type != type_dyn)
        return not_a_program("neither ET_EXEC nor ET_DYN");
    uint64_t raw_entry = TRY(file.read<uint64_t>(24));
    uint64_t header_table_offset = TRY(file.read<uint64_t>(32));
    uint16_t header_size = TRY(file.read<uint16_t>(54));
    uint16_t header_count = TRY(file.read<uint16_t>(56));
    if (header_size != phdr_entry_size)
        return not_a_program("e_phentsize is not 56");
    if (header_count == 0 || header_count > max_program_headers)
        return not_a_program("no program headers, or too many");
    auto table = file.slice(header_table_offset, header_count * phdr_entry_size);
    if (table.is_error())
        return not_a_program("program header table outside the file");

    if (options.user_min >= options.user_max || (options.user_min & page_mask) ||
        (options.user_max & page_mask))
        return refuse(diagnostic, ktl::Errno::InvalidArgument, "bad user address range");
    ProgramImage image;
    image.m_file = file;
    image.m_type = elf_type == type_exec ? Type::Executable : Type::StaticPie;
    image.m_bias = elf_type == type_exec ? 0 : options.pie_bias;
    image.m_phdr_count = header_count;
    if (image.m_bias & page_mask)
        return refuse(diagnostic, ktl::Errno::InvalidArgument, "load bias not page aligned");
    const uint64_t bias = image.m_bias;

    // Program headers: PT_LOADs validated one by one, the others remembered.
    ktl::FixedVector<LoadSegment, max_load_segments> loads;
    ProgramHeader phdr, tls, dynamic;
    for (size_t index = 0; index < header_count; ++index) {
        ProgramHeader header = TRY(read_program_header(table.value(), index));
        int at = header.index;
        switch (header.type) {
        case pt_interp:
            return not_a_program("dynamically linked: needs an interpreter (PT_INTERP)", at);
        case pt_phdr:
            phdr = header;
            break;
        case pt_tls:
            if (tls.index >= 0)
                return not_a_program("two PT_TLS", at);
            tls = header;
            break;
        case pt_dynamic:
            dynamic = header;
            break;
        case pt_gnu_stack:
            image.m_executable_stack = (header.flags & pf_x) != 0;
            break;
        }
        if (header.type != pt_load || header.memory_size == 0)
            continue;
        if (header.file_size > header.memory_size)
            return not_a_program("PT_LOAD p_filesz > p_memsz", at);
        if ((header.offset & page_mask) != (header.vaddr & page_mask))
            return not_a_program("PT_LOAD offset and address not congruent modulo the page size", at);
        if (!file.contains(header.offset, header.file_size))
            return not_a_program("PT_LOAD file bytes outside the file", at);
        if (!adds_without_wrap(header.vaddr, header.memory_size) || !adds_without_wrap(header.vaddr, bias) ||
            !adds_without_wrap(header.vaddr + bias, header.memory_size))
            return not_a_program("PT_LOAD address range wraps around", at);
        LoadSegment load{header.vaddr + bias,
                         header.vaddr + bias + header.file_size,
                         header.vaddr + bias + header.memory_size,
                         header.offset,
                         header.flags,
                         at};
        if (load.start < options.user_min || load.memory_end > options.user_max)
            return not_a_program("PT_LOAD outside user space", at);
        if (is_write_and_execute(header.flags))
            return refuse(diagnostic, ktl::Errno::AccessDenied, "PT_LOAD is writable and executable", at);
        if (header.align > 1 && !is_power_of_two(header.align))
            return not_a_program("PT_LOAD p_align not a power of two", at);
        if (header.align > image.m_load_alignment)
            image.m_load_alignment = header.align;
        if (loads.try_append(load).is_error())
            return not_a_program("too many PT_LOAD segments", at);
    }
    if (loads.is_empty())
        return not_a_program("no PT_LOAD segment");

    // Sort by address (insertion sort: at most max_load_segments), then no byte may be claimed twice.
    for (size_t i = 1; i < loads.size(); ++i)
        for (size_t j = i; j > 0 && loads[j].start < loads[j - 1].start; --j) {
            LoadSegment swapped = loads[j];
            loads[j] = loads[j - 1];
            loads[j - 1] = swapped;
        }
    for (size_t i = 1; i < loads.size(); ++i)
        if (loads[i - 1].memory_end > loads[i].start)
            return not_a_program("PT_LOAD segments overlap", loads[i].index);

    // Mappings; the last piece always ends highest, so a shared page can only be with it.
    ktl::FixedVector<Piece, max_mappings> pieces;
    for (const LoadSegment& load : loads) {
        Piece piece{load.start & ~page_mask,
                    (load.memory_end + page_mask) & ~page_mask,
                    load.start,
                    load.file_end,
                    load.start - load.offset,
                    load.memory_end,
                    load.flags,
                    load.index};
        piece = restrict_to(piece, piece.start, piece.end);
        if (pieces.is_empty() || pieces[pieces.size() - 1].end <= piece.start) {
            TRY(pieces.try_append(piece));
            continue;
        }
        uint64_t page = piece.start;
        Piece last = pieces[pieces.size() - 1];
        pieces.remove(pieces.size() - 1);
        if (last.start < page)
            TRY(pieces.try_append(restrict_to(last, last.start, page)));
        TRY(pieces.try_append(
            TRY(share_page(restrict_to(last, page, page + program_page_size),
                           restrict_to(piece, page, page + program_page_size), diagnostic))));
        if (piece.end > page + program_page_size)
            TRY(pieces.try_append(restrict_to(piece, page + program_page_size, piece.end)));
    }
    for (const Piece& piece : pieces) {
        Mapping mapping;
        mapping.virtual_start = piece.start;
        mapping.virtual_end = piece.end;
        mapping.copy_start = piece.copy_start;
        mapping.file_offset = piece.has_copy() ? piece.copy_start - piece.delta : 0;
        mapping.file_bytes = piece.copy_end - piece.copy_start;
        mapping.readable = (piece.flags & pf_r) != 0;
        mapping.writable = (piece.flags & pf_w) != 0;
        mapping.executable = (piece.flags & pf_x) != 0;
        TRY(image.m_mappings.try_append(mapping));
    }
    image.m_image_end = pieces[pieces.size() - 1].end;

    // The entry point must be code.
    if (!adds_without_wrap(raw_entry, bias))
        return not_a_program("entry point wraps around");
    image.m_entry = raw_entry + bias;
    bool entry_ok = false;
    for (const LoadSegment& load : loads)
        entry_ok |= (load.flags & pf_x) && image.m_entry >= load.start && image.m_entry < load.memory_end;
    if (!entry_ok)
        return not_a_program("entry point not inside an executable PT_LOAD");

    // AT_PHDR: the libc walks the program headers through it (musl finds PT_TLS so), so they must be mapped.
    uint64_t table_size = header_count * phdr_entry_size;
    if (phdr.index >= 0) {
        if (!adds_without_wrap(phdr.vaddr, bias) || !adds_without_wrap(phdr.vaddr + bias, table_size))
            return not_a_program("PT_PHDR wraps around", phdr.index);
        image.m_phdr_address = phdr.vaddr + bias;
        bool mapped = false;
        for (const LoadSegment& load : loads)
            mapped |= range_inside(image.m_phdr_address, table_size, load.start, load.memory_end);
        if (!mapped)
            return not_a_program("PT_PHDR not inside a PT_LOAD", phdr.index);
    } else {
        bool mapped = false;
        for (const LoadSegment& load : loads) {
            if (header_table_offset >= load.offset &&
                range_inside(header_table_offset - load.offset, table_size, 0, load.file_end - load.start)) {
                image.m_phdr_address = load.start + (header_table_offset - load.offset);
                mapped = true;
                break;
            }
        }
        if (!mapped)
            return not_a_program("program headers not inside any PT_LOAD");
    }

    // PT_TLS: the initialisation image must be file bytes of a PT_LOAD.
    if (tls.index >= 0) {
        if (tls.align > 1 && !is_power_of_two(tls.align))
            return not_a_program("PT_TLS p_align not a power of two", tls.index);
        if (tls.file_size > tls.memory_size)
            return not_a_program("PT_TLS p_filesz > p_memsz", tls.index);
        if (!adds_without_wrap(tls.vaddr, bias) || !adds_without_wrap(tls.vaddr + bias, tls.memory_size))
            return not_a_program("PT_TLS wraps around", tls.index);
        bool inside = false;
        for (const LoadSegment& load : loads)
            inside |= range_inside(tls.vaddr + bias, tls.file_size, load.start, load.file_end);
        if (!inside)
            return not_a_program("PT_TLS image not inside a PT_LOAD's file bytes", tls.index);
        image.m_has_tls = true;
        image.m_tls = ThreadLocalTemplate{tls.vaddr + bias, tls.file_size, tls.memory_size,
                                          tls.align > 1 ? tls.align : 1};
    }

    // Static-PIE relocations, from PT_DYNAMIC (read through its file bytes).
    if (image.m_type != Type::StaticPie || dynamic.index < 0)
        return image;
    auto dynamic_bytes = file.slice(dynamic.offset, dynamic.file_size);
    if (dynamic_bytes.is_error())
        return not_a_program("PT_DYNAMIC outside the file", dynamic.index);
    uint64_t rela = 0, rela_bytes = 0, rela_entry = rela_size, plt = 0, plt_bytes = 0, plt_type = dt_rela;
    bool has_rela = false, has_plt = false;
    for (size_t offset = 0; offset + dynamic_entry_size <= dynamic.file_size; offset += dynamic_entry_size) {
        uint64_t tag = TRY(dynamic_bytes.value().read<uint64_t>(offset));
        uint64_t value = TRY(dynamic_bytes.value().read<uint64_t>(offset + 8));
        if (tag == dt_null)
            break;
        switch (tag) {
        case dt_needed:
            return not_a_program("dynamically linked: needs shared libraries (DT_NEEDED)", dynamic.index);
        case dt_rel:
        case dt_relsz:
            return refuse(diagnostic, ktl::Errno::NotSupported, "DT_REL relocations (x86-64 uses RELA)",
                          dynamic.index);
        case dt_relr:
            return refuse(diagnostic, ktl::Errno::NotSupported, "DT_RELR packed relocations", dynamic.index);
        case dt_rela:
            rela = value, has_rela = true;
            break;
        case dt_relasz:
            rela_bytes = value;
            break;
        case dt_relaent:
            rela_entry = value;
            break;
        case dt_jmprel:
            plt = value, has_plt = true;
            break;
        case dt_pltrelsz:
            plt_bytes = value;
            break;
        case dt_pltrel:
            plt_type = value;
            break;
        }
    }
    if (rela_entry != rela_size || (has_plt && plt_bytes > 0 && plt_type != dt_rela))
        return refuse(diagnostic, ktl::Errno::NotSupported, "relocation entries are not Elf64_Rela",
                      dynamic.index);
    const uint64_t table_addresses[2] = {has_rela ? rela : 0, has_plt ? plt : 0};
    const uint64_t table_bytes[2] = {has_rela ? rela_bytes : 0, has_plt ? plt_bytes : 0};
    for (size_t which = 0; which < 2; ++which) {
        if (table_bytes[which] == 0)
            continue;
        if (table_bytes[which] % rela_size != 0)
            return not_a_program("relocation table size not a multiple of 24", dynamic.index);
        auto offset = file_offset_of(loads, bias, table_addresses[which], table_bytes[which]);
        if (offset.is_error())
            return not_a_program("relocation table not inside a PT_LOAD's file bytes", dynamic.index);
        image.m_relocation_tables[which] = RelocationTable{offset.value(), table_bytes[which]};
        ktl::ByteReader entries = TRY(file.slice(offset.value(), table_bytes[which]));
        for (uint64_t at = 0; at < table_bytes[which]; at += rela_size) {
            uint64_t target = TRY(entries.read<uint64_t>(at));
            uint32_t type = static_cast<uint32_t>(TRY(entries.read<uint64_t>(at + 8)));
            if (type == r_none)
                continue;
            if (type != r_relative && type != r_irelative)
                return refuse(diagnostic, ktl::Errno::NotSupported,
                              "relocation type other than RELATIVE/IRELATIVE in a static-PIE", dynamic.index);
            bool inside = false;
            if (adds_without_wrap(target, bias) && adds_without_wrap(target + bias, 8))
                for (const LoadSegment& load : loads)
                    inside |= range_inside(target + bias, 8, load.start, load.memory_end);
            if (!inside)
                return not_a_program("relocation target outside the image", dynamic.index);
            ++(type == r_relative ? image.m_relative_count : image.m_irelative_count);
        }
    }
    return image;
}

ktl::ErrorOr<void> ProgramImage::for_each_relative(void (*write)(void*, uint64_t, uint64_t),
                                                   void* context) const {
    if (m_irelative_count > 0)
        return ktl::Errno::NotSupported; // IRELATIVE calls a resolver in user space: only the libc can
    for (const RelocationTable& table : m_relocation_tables) {
        ktl::ByteReader entries = TRY(m_file.slice(table.file_offset, table.size));
        for (uint64_t at = 0; at + rela_size <= table.size; at += rela_size) {
            uint64_t info = TRY(entries.read<uint64_t>(at + 8));
            if (static_cast<uint32_t>(info) != r_relative)
                continue;
            uint64_t target = TRY(entries.read<uint64_t>(at));
            uint64_t addend = TRY(entries.read<uint64_t>(at + 16));
            write(context, m_bias + target, m_bias + addend);
        }
    }
    return {};
}

} // namespace elf
