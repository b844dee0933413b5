// DWARF debug information lookups (see debug_info.h): unit headers, abbreviations, DIE attributes, range
// lists and line programs, read straight from the sections through bounds-checked cursors. Every loop
// consumes at least one byte per iteration or has a fixed bound, so hostile input cannot hang a lookup.
#include "dwarf/debug_info.h"

#include "dwarf/byte_cursor.h"

namespace dwarf {

using ktl::ByteReader;
using ktl::Errno;
using ktl::ErrorOr;
using ktl::StringView;

namespace {

// The DWARF 5 constants this file needs (spec section 7), plus the GNU split-DWARF forms.
namespace tag {
constexpr uint64_t class_type = 0x02, structure_type = 0x13, union_type = 0x17, inlined_subroutine = 0x1d,
                   subprogram = 0x2e, interface_type = 0x38, namespace_ = 0x39;
} // namespace tag

namespace attribute {
constexpr uint64_t sibling = 0x01, name = 0x03, stmt_list = 0x10, low_pc = 0x11, high_pc = 0x12,
                   comp_dir = 0x1b, abstract_origin = 0x31, specification = 0x47, ranges = 0x55,
                   call_column = 0x57, call_file = 0x58, call_line = 0x59, str_offsets_base = 0x72,
                   addr_base = 0x73, rnglists_base = 0x74, gnu_addr_base = 0x2133;
} // namespace attribute

namespace form {
constexpr uint64_t addr = 0x01, block2 = 0x03, block4 = 0x04, data2 = 0x05, data4 = 0x06, data8 = 0x07,
                   string = 0x08, block = 0x09, block1 = 0x0a, data1 = 0x0b, flag = 0x0c, sdata = 0x0d,
                   strp = 0x0e, udata = 0x0f, ref_addr = 0x10, ref1 = 0x11, ref2 = 0x12, ref4 = 0x13,
                   ref8 = 0x14, ref_udata = 0x15, indirect = 0x16, sec_offset = 0x17, exprloc = 0x18,
                   flag_present = 0x19, strx = 0x1a, addrx = 0x1b, ref_sup4 = 0x1c, strp_sup = 0x1d,
                   data16 = 0x1e, line_strp = 0x1f, ref_sig8 = 0x20, implicit_const = 0x21, loclistx = 0x22,
                   rnglistx = 0x23, ref_sup8 = 0x24, strx1 = 0x25, strx2 = 0x26, strx3 = 0x27, strx4 = 0x28,
                   addrx1 = 0x29, addrx2 = 0x2a, addrx3 = 0x2b, addrx4 = 0x2c, gnu_addr_index = 0x1f01,
                   gnu_str_index = 0x1f02, gnu_ref_alt = 0x1f20, gnu_strp_alt = 0x1f21;
} // namespace form

namespace unit_type {
constexpr uint8_t compile = 1, partial = 3, skeleton = 4;
} // namespace unit_type

namespace rle {
constexpr uint8_t end_of_list = 0, base_addressx = 1, startx_endx = 2, startx_length = 3, offset_pair = 4,
                  base_address = 5, start_end = 6, start_length = 7;
} // namespace rle

namespace lns {
constexpr uint8_t copy = 1, advance_pc = 2, advance_line = 3, set_file = 4, set_column = 5, negate_stmt = 6,
                  set_basic_block = 7, const_add_pc = 8, fixed_advance_pc = 9;
} // namespace lns

namespace lne {
constexpr uint8_t end_sequence = 1, set_address = 2;
} // namespace lne

namespace lnct {
constexpr uint64_t path = 1, directory_index = 2;
} // namespace lnct

constexpr size_t npos = static_cast<size_t>(-1);

class Cursor : public ByteCursor {
public:
    Cursor(ByteReader bytes, size_t offset) : ByteCursor(bytes, offset) {}

    // An initial length field: sets `offset_size` to 4 or 8 (64-bit DWARF) and returns the length.
    ErrorOr<uint64_t> read_initial_length(uint8_t& offset_size) {
        uint32_t length = TRY(read<uint32_t>());
        if (length < 0xfffffff0u) {
            offset_size = 4;
            return length;
        }
        if (length != 0xffffffffu) // 0xfffffff0-0xfffffffe are reserved
            return Errno::InvalidArgument;
        offset_size = 8;
        return TRY(read<uint64_t>());
    }

private:
    ByteReader m_bytes;
    size_t m_offset;
};

ErrorOr<StringView> string_at(ByteReader section, uint64_t offset) {
    if (offset >= section.size())
        return Errno::InvalidArgument;
    const char* start = reinterpret_cast<const char*>(section.data()) + offset;
    for (size_t i = offset; i < section.size(); ++i)
        if (section.data()[i] == 0)
            return StringView(start, i - offset);
    return Errno::InvalidArgument;
}

// What a form's encoding depends on.
struct Format {
    uint16_t version = 0;
    uint8_t address_size = 8;
    uint8_t offset_size = 4;
};

// A decoded attribute value: `value` holds the constant's bits, the offset, index, address or flag;
// for DW_FORM_string, where the string starts in the section being read.
struct AttributeValue {
    uint64_t form = 0;
    uint64_t value = 0;
};

bool is_address_form(uint64_t value_form) {
    switch (value_form) {
    case form::addr:
    case form::addrx:
    case form::addrx1:
    case form::addrx2:
    case form::addrx3:
    case form::addrx4:
    case form::gnu_addr_index:
        return true;
    default:
        return false;
    }
}

bool is_constant_form(uint64_t value_form) {
    switch (value_form) {
    case form::data1:
    case form::data2:
    case form::data4:
    case form::data8:
    case form::udata:
    case form::sdata:
    case form::implicit_const:
        return true;
    default:
        return false;
    }
}

// Reads one value of `value_form` (skipping blocks), resolving DW_FORM_indirect.
ErrorOr<AttributeValue> read_form(Cursor& cursor, uint64_t value_form, int64_t implicit_const,
                                  const Format& format) {
    while (value_form == form::indirect) // each round consumes a byte, so this ends
        value_form = TRY(cursor.read_uleb128());
    AttributeValue result{value_form, 0};
    switch (value_form) {
    case form::addr:
        result.value = TRY(cursor.read_sized(format.address_size));
        break;
    case form::data1:
    case form::ref1:
    case form::flag:
    case form::strx1:
    case form::addrx1:
        result.value = TRY(cursor.read_sized(1));
        break;
    case form::data2:
    case form::ref2:
    case form::strx2:
    case form::addrx2:
        result.value = TRY(cursor.read_sized(2));
        break;
    case form::strx3:
    case form::addrx3:
        result.value = TRY(cursor.read_sized(3));
        break;
    case form::data4:
    case form::ref4:
    case form::ref_sup4:
    case form::strx4:
    case form::addrx4:
        result.value = TRY(cursor.read_sized(4));
        break;
    case form::data8:
    case form::ref8:
    case form::ref_sig8:
    case form::ref_sup8:
        result.value = TRY(cursor.read_sized(8));
        break;
    case form::data16:
        TRY(cursor.skip(16));
        break;
    case form::sdata:
        result.value = static_cast<uint64_t>(TRY(cursor.read_sleb128()));
        break;
    case form::udata:
    case form::ref_udata:
    case form::strx:
    case form::addrx:
    case form::loclistx:
    case form::rnglistx:
    case form::gnu_addr_index:
    case form::gnu_str_index:
        result.value = TRY(cursor.read_uleb128());
        break;
    case form::string:
        result.value = cursor.offset();
        TRY(cursor.skip_string());
        break;
    case form::strp:
    case form::line_strp:
    case form::sec_offset:
    case form::strp_sup:
    case form::gnu_strp_alt:
    case form::gnu_ref_alt:
        result.value = TRY(cursor.read_sized(format.offset_size));
        break;
    case form::ref_addr: // DWARF 2 sized it like an address, later versions like an offset
        result.value = TRY(cursor.read_sized(format.version <= 2 ? format.address_size : format.offset_size));
        break;
    case form::block1:
        TRY(cursor.skip(TRY(cursor.read<uint8_t>())));
        break;
    case form::block2:
        TRY(cursor.skip(TRY(cursor.read<uint16_t>())));
        break;
    case form::block4:
        TRY(cursor.skip(TRY(cursor.read<uint32_t>())));
        break;
    case form::block:
    case form::exprloc:
        TRY(cursor.skip(TRY(cursor.read_uleb128())));
        break;
    case form::flag_present:
        result.value = 1;
        break;
    case form::implicit_const:
        result.value = static_cast<uint64_t>(implicit_const);
        break;
    default:
        return Errno::InvalidArgument;
    }
    return result;
}

// Unit headers (spec 7.5.1). Type units and unknown unit types parse but are never searched.
struct UnitHeader {
    size_t offset = 0;    // of the unit in .debug_info
    size_t first_die = 0; // of its root DIE
    size_t end = 0;       // one past its last byte
    uint8_t unit_type = 0;
    Format format;
    uint64_t abbrev_offset = 0;
};

ErrorOr<UnitHeader> read_unit_header(const DebugSections& sections, size_t offset) {
    UnitHeader header;
    header.offset = offset;
    Cursor cursor(sections.info, offset);
    uint64_t length = TRY(cursor.read_initial_length(header.format.offset_size));
    if (!sections.info.contains(cursor.offset(), length))
        return Errno::InvalidArgument;
    if (length > 0xffffffffu) // DIE offsets within a unit are kept in 32 bits
        return Errno::NotSupported;
    header.end = cursor.offset() + length;
    header.format.version = TRY(cursor.read<uint16_t>());
    if (header.format.version < 2 || header.format.version > 5)
        return Errno::NotSupported;
    if (header.format.version >= 5) {
        header.unit_type = TRY(cursor.read<uint8_t>());
        header.format.address_size = TRY(cursor.read<uint8_t>());
        header.abbrev_offset = TRY(cursor.read_sized(header.format.offset_size));
        if (header.unit_type == unit_type::skeleton || header.unit_type == 5) // dwo_id
            TRY(cursor.skip(8));
        else if (header.unit_type == 2 || header.unit_type == 6) // type signature and offset
            TRY(cursor.skip(8 + header.format.offset_size));
    } else {
        header.unit_type = unit_type::compile;
        header.abbrev_offset = TRY(cursor.read_sized(header.format.offset_size));
        header.format.address_size = TRY(cursor.read<uint8_t>());
    }
    if (header.format.address_size != 4 && header.format.address_size != 8)
        return Errno::NotSupported;
    if (header.abbrev_offset >= sections.abbrev.size() || cursor.offset() > header.end)
        return Errno::InvalidArgument;
    header.first_die = cursor.offset();
    return header;
}

struct Abbreviation {
    uint64_t tag = 0;
    bool has_children = false;
    size_t specs = 0; // offset of the (attribute, form) pairs in .debug_abbrev
};

// Reads the entry at the cursor (its code must be nonzero) and leaves the cursor after it.
ErrorOr<Abbreviation> read_abbreviation(Cursor& cursor) {
    Abbreviation result;
    result.tag = TRY(cursor.read_uleb128());
    result.has_children = TRY(cursor.read<uint8_t>()) != 0;
    result.specs = cursor.offset();
    for (;;) {
        uint64_t name = TRY(cursor.read_uleb128());
        uint64_t value_form = TRY(cursor.read_uleb128());
        if (value_form == form::implicit_const)
            (void)TRY(cursor.read_sleb128());
        if (name == 0 && value_form == 0)
            return result;
    }
}

// One unit's abbreviation table with a direct-mapped index of the small codes (compilers number their
// abbreviations from 1 upwards), so a DIE walk does not rescan the table for every DIE. The index lives
// in storage of the caller's choice: large for the unit being searched, small for a scratch unit.
class AbbrevTable {
public:
    AbbrevTable(uint16_t* cache, size_t cache_size) : m_cache(cache), m_cache_size(cache_size) {}

    void init(ByteReader abbrev, size_t base) {
        m_abbrev = abbrev;
        m_base = base;
        for (size_t i = 0; i < m_cache_size; ++i)
            m_cache[i] = 0;
        m_complete = false;
        bool all_cached = true;
        Cursor cursor(abbrev, base);
        for (;;) {
            size_t entry_offset = cursor.offset();
            auto code = cursor.read_uleb128();
            if (code.is_error())
                return;
            if (code.value() == 0)
                break;
            if (read_abbreviation(cursor).is_error())
                return;
            if (code.value() < m_cache_size && m_cache[code.value()] == 0) {
                if (entry_offset - base < 0xffff)
                    m_cache[code.value()] = static_cast<uint16_t>(entry_offset - base + 1);
                else
                    all_cached = false;
            }
        }
        m_complete = all_cached;
    }

    ErrorOr<Abbreviation> find(uint64_t code) const {
        if (code < m_cache_size && m_cache[code] != 0) {
            Cursor cursor(m_abbrev, m_base + m_cache[code] - 1);
            (void)TRY(cursor.read_uleb128());
            return read_abbreviation(cursor);
        }
        if (code < m_cache_size && m_complete)
            return Errno::InvalidArgument;
        Cursor cursor(m_abbrev, m_base);
        for (;;) {
            uint64_t candidate = TRY(cursor.read_uleb128());
            if (candidate == 0)
                return Errno::InvalidArgument;
            Abbreviation entry = TRY(read_abbreviation(cursor));
            if (candidate == code)
                return entry;
        }
    }

private:
    uint16_t* m_cache; // per code: the entry's offset from m_base, plus one; 0 = none
    size_t m_cache_size;
    ByteReader m_abbrev;
    size_t m_base = 0;
    bool m_complete = false; // the table ended well and every small code is in the cache
};

// The attributes lookups use; a DIE's others are skipped.
enum Wanted : uint8_t {
    Sibling,
    Name,
    LowPc,
    HighPc,
    Ranges,
    Specification,
    AbstractOrigin,
    CallFile,
    CallLine,
    CallColumn,
    StmtList,
    CompDir,
    StrOffsetsBase,
    AddrBase,
    RnglistsBase,
    WantedCount
};

int wanted_index(uint64_t name) {
    switch (name) {
    case attribute::sibling:
        return Sibling;
    case attribute::name:
        return Name;
    case attribute::low_pc:
        return LowPc;
    case attribute::high_pc:
        return HighPc;
    case attribute::ranges:
        return Ranges;
    case attribute::specification:
        return Specification;
    case attribute::abstract_origin:
        return AbstractOrigin;
    case attribute::call_file:
        return CallFile;
    case attribute::call_line:
        return CallLine;
    case attribute::call_column:
        return CallColumn;
    case attribute::stmt_list:
        return StmtList;
    case attribute::comp_dir:
        return CompDir;
    case attribute::str_offsets_base:
        return StrOffsetsBase;
    case attribute::addr_base:
    case attribute::gnu_addr_base:
        return AddrBase;
    case attribute::rnglists_base:
        return RnglistsBase;
    default:
        return -1;
    }
}

struct Die {
    size_t offset = 0;
    size_t next = 0; // offset of the following DIE (its first child if it has children)
    uint64_t tag = 0;
    bool is_null = false; // the entry ending a list of siblings
    bool has_children = false;
    uint32_t present = 0;
    uint16_t forms[WantedCount] = {}; // apart from the values: a Die is on the stack in many frames
    uint64_t values[WantedCount] = {};

    bool has(Wanted which) const { return present & (1u << which); }
    AttributeValue operator[](Wanted which) const { return {forms[which], values[which]}; }
};

// A compilation unit ready for lookups: header, abbreviations and the bases from its root DIE.
struct Unit {
    Unit(uint16_t* abbrev_cache, size_t abbrev_cache_size) : abbrevs(abbrev_cache, abbrev_cache_size) {}
    Unit(const Unit&) = delete;

    UnitHeader header;
    ByteReader info; // .debug_info cut at the unit's end, so no DIE can be read past it
    AbbrevTable abbrevs;
    uint64_t base_address = 0; // the root's DW_AT_low_pc: base of v4 range lists and offset pairs
    uint64_t str_offsets_base = 0, addr_base = 0, rnglists_base = 0;
    bool has_str_offsets_base = false, has_addr_base = false, has_rnglists_base = false;
    bool has_stmt_list = false;
    uint64_t stmt_list = 0;
    StringView comp_dir;

    bool contains_die(size_t offset) const { return offset >= header.first_die && offset < header.end; }
};

// A unit with its abbreviation index: kernel stacks are small, so only the searched unit gets a big one.
template <size_t CacheSize>
struct CachedUnit : Unit {
    CachedUnit() : Unit(m_cache, CacheSize) {}
    uint16_t m_cache[CacheSize];
};
using SearchUnit = CachedUnit<256>; // gcc and clang number a unit's abbreviations from 1 up, rarely past 256
using ScratchUnit = CachedUnit<32>; // for DIEs other units refer to (DW_FORM_ref_addr, rare)

ErrorOr<Die> read_die(const DebugSections& sections, const Unit& unit, size_t offset) {
    Die die;
    die.offset = offset;
    Cursor cursor(unit.info, offset);
    uint64_t code = TRY(cursor.read_uleb128());
    if (code == 0) {
        die.is_null = true;
        die.next = cursor.offset();
        return die;
    }
    Abbreviation abbreviation = TRY(unit.abbrevs.find(code));
    die.tag = abbreviation.tag;
    die.has_children = abbreviation.has_children;
    Cursor specs(sections.abbrev, abbreviation.specs);
    for (;;) {
        uint64_t name = TRY(specs.read_uleb128());
        uint64_t value_form = TRY(specs.read_uleb128());
        int64_t implicit_const = value_form == form::implicit_const ? TRY(specs.read_sleb128()) : 0;
        if (name == 0 && value_form == 0)
            break;
        AttributeValue value = TRY(read_form(cursor, value_form, implicit_const, unit.header.format));
        int index = wanted_index(name);
        if (index >= 0 && !(die.present & (1u << index))) {
            die.forms[index] = static_cast<uint16_t>(value.form);
            die.values[index] = value.value;
            die.present |= 1u << index;
        }
    }
    die.next = cursor.offset();
    return die;
}

ErrorOr<uint64_t> resolve_constant(const AttributeValue& value) {
    if (!is_constant_form(value.form))
        return Errno::InvalidArgument;
    return value.value;
}

ErrorOr<uint64_t> address_at_index(const DebugSections& sections, const Unit& unit, uint64_t index) {
    if (!unit.has_addr_base)
        return Errno::InvalidArgument;
    uint8_t size = unit.header.format.address_size;
    if (index > sections.addr.size() / size)
        return Errno::InvalidArgument;
    Cursor cursor(sections.addr, 0);
    TRY(cursor.skip(unit.addr_base));
    TRY(cursor.skip(index * size));
    return cursor.read_sized(size);
}

ErrorOr<uint64_t> resolve_address(const DebugSections& sections, const Unit& unit,
                                  const AttributeValue& value) {
    if (value.form == form::addr)
        return value.value;
    if (!is_address_form(value.form))
        return Errno::InvalidArgument;
    return address_at_index(sections, unit, value.value);
}

ErrorOr<StringView> string_at_index(const DebugSections& sections, const Unit& unit, uint64_t index) {
    if (!unit.has_str_offsets_base)
        return Errno::InvalidArgument;
    uint8_t size = unit.header.format.offset_size;
    if (index > sections.str_offsets.size() / size)
        return Errno::InvalidArgument;
    Cursor cursor(sections.str_offsets, 0);
    TRY(cursor.skip(unit.str_offsets_base));
    TRY(cursor.skip(index * size));
    return string_at(sections.str, TRY(cursor.read_sized(size)));
}

// `inline_section` holds DW_FORM_string values: .debug_info for DIEs, .debug_line for line tables.
ErrorOr<StringView> resolve_string(const DebugSections& sections, const Unit& unit, ByteReader inline_section,
                                   const AttributeValue& value) {
    switch (value.form) {
    case form::string:
        return string_at(inline_section, value.value);
    case form::strp:
        return string_at(sections.str, value.value);
    case form::line_strp:
        return string_at(sections.line_str, value.value);
    case form::strx:
    case form::strx1:
    case form::strx2:
    case form::strx3:
    case form::strx4:
    case form::gnu_str_index:
        return string_at_index(sections, unit, value.value);
    case form::strp_sup:
    case form::gnu_strp_alt:
        return Errno::NotSupported; // in a supplementary object file
    default:
        return Errno::InvalidArgument;
    }
}

// The .debug_info offset a reference points to; it must be a DIE of this unit unless it is a ref_addr.
ErrorOr<size_t> resolve_reference(const DebugSections& sections, const Unit& unit,
                                  const AttributeValue& value) {
    switch (value.form) {
    case form::ref1:
    case form::ref2:
    case form::ref4:
    case form::ref8:
    case form::ref_udata:
        if (value.value >= unit.header.end - unit.header.offset)
            return Errno::InvalidArgument;
        if (!unit.contains_die(unit.header.offset + value.value))
            return Errno::InvalidArgument;
        return unit.header.offset + value.value;
    case form::ref_addr:
        if (value.value >= sections.info.size())
            return Errno::InvalidArgument;
        return value.value;
    case form::ref_sig8:
    case form::ref_sup4:
    case form::ref_sup8:
    case form::gnu_ref_alt:
        return Errno::NotSupported; // type units and supplementary files
    default:
        return Errno::InvalidArgument;
    }
}

ErrorOr<void> load_unit(const DebugSections& sections, size_t offset, Unit& unit) {
    unit.header = TRY(read_unit_header(sections, offset));
    unit.info = TRY(sections.info.slice(0, unit.header.end));
    unit.abbrevs.init(sections.abbrev, unit.header.abbrev_offset);
    unit.base_address = unit.str_offsets_base = unit.addr_base = unit.rnglists_base = unit.stmt_list = 0;
    unit.has_str_offsets_base = unit.has_addr_base = unit.has_rnglists_base = unit.has_stmt_list = false;
    unit.comp_dir = {};
    // The root's bases come first: its own x-forms (clang's DW_AT_ranges of rnglistx) depend on them.
    Die root = TRY(read_die(sections, unit, unit.header.first_die));
    if (root.is_null)
        return Errno::InvalidArgument;
    if (root.has(StrOffsetsBase)) {
        unit.str_offsets_base = root[StrOffsetsBase].value;
        unit.has_str_offsets_base = true;
    }
    if (root.has(AddrBase)) {
        unit.addr_base = root[AddrBase].value;
        unit.has_addr_base = true;
    }
    if (root.has(RnglistsBase)) {
        unit.rnglists_base = root[RnglistsBase].value;
        unit.has_rnglists_base = true;
    }
    if (root.has(StmtList)) {
        unit.stmt_list = root[StmtList].value;
        unit.has_stmt_list = true;
    }
    if (root.has(LowPc))
        unit.base_address = TRY(resolve_address(sections, unit, root[LowPc]));
    if (root.has(CompDir))
        unit.comp_dir = TRY(resolve_string(sections, unit, unit.info, root[CompDir]));
    return {};
}

ErrorOr<void> load_unit_containing(const DebugSections& sections, size_t die_offset, Unit& unit) {
    size_t offset = 0;
    while (offset < sections.info.size()) {
        UnitHeader header = TRY(read_unit_header(sections, offset));
        if (die_offset >= header.first_die && die_offset < header.end)
            return load_unit(sections, offset, unit);
        offset = header.end;
    }
    return Errno::InvalidArgument;
}

// Whether `address` lies in one of a DIE's ranges; `start` gets its low_pc, or its first range's start.
struct Coverage {
    bool contains = false;
    bool has_pc = false; // the DIE has any address range at all
    uint64_t start = 0;
};

ErrorOr<void> check_rnglist(const DebugSections& sections, const Unit& unit, uint64_t offset,
                            uint64_t address, Coverage& coverage) {
    Cursor cursor(sections.rnglists, 0);
    TRY(cursor.skip(offset));
    uint8_t size = unit.header.format.address_size;
    uint64_t base = unit.base_address;
    for (;;) {
        uint8_t kind = TRY(cursor.read<uint8_t>());
        uint64_t begin = 0, end = 0;
        switch (kind) {
        case rle::end_of_list:
            return {};
        case rle::base_addressx:
            base = TRY(address_at_index(sections, unit, TRY(cursor.read_uleb128())));
            continue;
        case rle::base_address:
            base = TRY(cursor.read_sized(size));
            continue;
        case rle::startx_endx:
            begin = TRY(address_at_index(sections, unit, TRY(cursor.read_uleb128())));
            end = TRY(address_at_index(sections, unit, TRY(cursor.read_uleb128())));
            break;
        case rle::startx_length:
            begin = TRY(address_at_index(sections, unit, TRY(cursor.read_uleb128())));
            end = begin + TRY(cursor.read_uleb128());
            break;
        case rle::offset_pair:
            begin = base + TRY(cursor.read_uleb128());
            end = base + TRY(cursor.read_uleb128());
            break;
        case rle::start_end:
            begin = TRY(cursor.read_sized(size));
            end = TRY(cursor.read_sized(size));
            break;
        case rle::start_length:
            begin = TRY(cursor.read_sized(size));
            end = begin + TRY(cursor.read_uleb128());
            break;
        default:
            return Errno::InvalidArgument;
        }
        if (begin >= end)
            continue;
        if (!coverage.has_pc) {
            coverage.has_pc = true;
            coverage.start = begin;
        }
        if (address >= begin && address < end) {
            coverage.contains = true;
            return {};
        }
    }
}

ErrorOr<void> check_ranges_v4(const DebugSections& sections, const Unit& unit, uint64_t offset,
                              uint64_t address, Coverage& coverage) {
    Cursor cursor(sections.ranges, 0);
    TRY(cursor.skip(offset));
    uint8_t size = unit.header.format.address_size;
    uint64_t largest = size == 8 ? ~uint64_t(0) : 0xffffffffu;
    uint64_t base = unit.base_address;
    for (;;) {
        uint64_t begin = TRY(cursor.read_sized(size));
        uint64_t end = TRY(cursor.read_sized(size));
        if (begin == 0 && end == 0)
            return {};
        if (begin == largest) { // a base address selection entry
            base = end;
            continue;
        }
        begin += base;
        end += base;
        if (begin >= end)
            continue;
        if (!coverage.has_pc) {
            coverage.has_pc = true;
            coverage.start = begin;
        }
        if (address >= begin && address < end) {
            coverage.contains = true;
            return {};
        }
    }
}

ErrorOr<Coverage> coverage_of(const DebugSections& sections, const Unit& unit, const Die& die,
                              uint64_t address) {
    Coverage coverage;
    if (die.has(Ranges)) {
        AttributeValue ranges = die[Ranges];
        uint64_t offset = ranges.value;
        if (ranges.form == form::rnglistx) {
            // The index selects an entry of the offset table at rnglists_base, relative to that base.
            if (!unit.has_rnglists_base)
                return Errno::InvalidArgument;
            uint8_t size = unit.header.format.offset_size;
            if (offset > sections.rnglists.size() / size)
                return Errno::InvalidArgument;
            Cursor cursor(sections.rnglists, 0);
            TRY(cursor.skip(unit.rnglists_base));
            TRY(cursor.skip(offset * size));
            offset = unit.rnglists_base + TRY(cursor.read_sized(size));
        } else if (ranges.form != form::sec_offset && !is_constant_form(ranges.form)) {
            return Errno::InvalidArgument;
        }
        if (unit.header.format.version >= 5)
            TRY(check_rnglist(sections, unit, offset, address, coverage));
        else
            TRY(check_ranges_v4(sections, unit, offset, address, coverage));
        if (die.has(LowPc)) // the entry point, when a producer gives both
            coverage.start = TRY(resolve_address(sections, unit, die[LowPc]));
        return coverage;
    }
    if (!die.has(LowPc) || !die.has(HighPc))
        return coverage;
    uint64_t low = TRY(resolve_address(sections, unit, die[LowPc]));
    uint64_t high = 0;
    if (is_address_form(die[HighPc].form))
        high = TRY(resolve_address(sections, unit, die[HighPc]));
    else
        high = low + TRY(resolve_constant(die[HighPc])); // DWARF 4+: an offset from low_pc
    coverage.has_pc = true;
    coverage.start = low;
    coverage.contains = address >= low && address < high;
    return coverage;
}

// A line-number program header (spec 6.2.4) and where its tables lie.
struct LineTable {
    ByteReader bytes; // .debug_line cut at the table's end
    Format format;
    size_t program = 0; // first opcode
    uint8_t minimum_instruction_length = 1, maximum_operations = 1, line_range = 1, opcode_base = 1;
    int8_t line_base = 0;
    bool default_is_stmt = true;
    size_t standard_lengths = 0;
    // DWARF 5: entry formats and entries; earlier versions: include_directories and file_names.
    uint8_t directory_format_count = 0, file_format_count = 0;
    size_t directory_formats = 0, directories = 0, file_formats = 0, files = 0;
    uint64_t directory_count = 0, file_count = 0;
};

// The forms a DWARF 5 entry format may use here; each takes at least one byte, so counting entries
// through a hostile count cannot spin without consuming input.
bool is_line_entry_form(uint64_t value_form) {
    switch (value_form) {
    case form::string:
    case form::line_strp:
    case form::strp:
    case form::strx:
    case form::strx1:
    case form::strx2:
    case form::strx3:
    case form::strx4:
    case form::udata:
    case form::data1:
    case form::data2:
    case form::data4:
    case form::data8:
    case form::data16:
    case form::block:
        return true;
    default:
        return false;
    }
}

struct LineEntry {
    StringView path;
    uint64_t directory = 0;
};

// Reads one directory or file entry described by `count` (content type, form) pairs at `formats`.
ErrorOr<LineEntry> read_line_entry(const DebugSections& sections, const Unit& unit, const LineTable& table,
                                   size_t formats, uint8_t count, Cursor& cursor) {
    LineEntry entry;
    Cursor format_cursor(table.bytes, formats);
    for (uint8_t i = 0; i < count; ++i) {
        uint64_t content = TRY(format_cursor.read_uleb128());
        uint64_t value_form = TRY(format_cursor.read_uleb128());
        if (!is_line_entry_form(value_form))
            return Errno::InvalidArgument;
        AttributeValue value = TRY(read_form(cursor, value_form, 0, table.format));
        if (content == lnct::path)
            entry.path = TRY(resolve_string(sections, unit, table.bytes, value));
        else if (content == lnct::directory_index)
            entry.directory = TRY(resolve_constant(value));
    }
    return entry;
}

ErrorOr<void> skip_entry_formats(Cursor& cursor, uint8_t count) {
    for (uint8_t i = 0; i < count; ++i) {
        (void)TRY(cursor.read_uleb128());
        if (!is_line_entry_form(TRY(cursor.read_uleb128())))
            return Errno::InvalidArgument;
    }
    return {};
}

ErrorOr<LineTable> read_line_table(const DebugSections& sections, const Unit& unit) {
    LineTable table;
    Cursor header_cursor(sections.line, 0);
    TRY(header_cursor.skip(unit.stmt_list));
    uint64_t length = TRY(header_cursor.read_initial_length(table.format.offset_size));
    if (!sections.line.contains(header_cursor.offset(), length))
        return Errno::InvalidArgument;
    table.bytes = TRY(sections.line.slice(0, header_cursor.offset() + length));
    Cursor cursor(table.bytes, header_cursor.offset());
    table.format.version = TRY(cursor.read<uint16_t>());
    table.format.address_size = unit.header.format.address_size;
    if (table.format.version < 2 || table.format.version > 5)
        return Errno::NotSupported;
    if (table.format.version >= 5) {
        table.format.address_size = TRY(cursor.read<uint8_t>());
        (void)TRY(cursor.read<uint8_t>()); // segment selector size
    }
    uint64_t header_length = TRY(cursor.read_sized(table.format.offset_size));
    if (!table.bytes.contains(cursor.offset(), header_length))
        return Errno::InvalidArgument;
    table.program = cursor.offset() + header_length;
    table.minimum_instruction_length = TRY(cursor.read<uint8_t>());
    if (table.format.version >= 4)
        table.maximum_operations = TRY(cursor.read<uint8_t>());
    if (table.maximum_operations == 0)
        table.maximum_operations = 1;
    table.default_is_stmt = TRY(cursor.read<uint8_t>()) != 0;
    table.line_base = TRY(cursor.read<int8_t>());
    table.line_range = TRY(cursor.read<uint8_t>());
    table.opcode_base = TRY(cursor.read<uint8_t>());
    if (table.line_range == 0 ||
        table.opcode_base == 0) // a division by zero, an opcode 0 that is not extended
        return Errno::InvalidArgument;
    table.standard_lengths = cursor.offset();
    TRY(cursor.skip(table.opcode_base - 1u));
    if (table.format.version >= 5) {
        table.directory_format_count = TRY(cursor.read<uint8_t>());
        table.directory_formats = cursor.offset();
        TRY(skip_entry_formats(cursor, table.directory_format_count));
        table.directory_count = TRY(cursor.read_uleb128());
        table.directories = cursor.offset();
        if (table.directory_count > 0 && table.directory_format_count == 0)
            return Errno::InvalidArgument;
        for (uint64_t i = 0; i < table.directory_count; ++i)
            (void)TRY(read_line_entry(sections, unit, table, table.directory_formats,
                                      table.directory_format_count, cursor));
        table.file_format_count = TRY(cursor.read<uint8_t>());
        table.file_formats = cursor.offset();
        TRY(skip_entry_formats(cursor, table.file_format_count));
        table.file_count = TRY(cursor.read_uleb128());
        table.files = cursor.offset();
        if (table.file_count > 0 && table.file_format_count == 0)
            return Errno::InvalidArgument;
    } else {
        table.directories = cursor.offset();
        for (;;) { // include_directories: strings up to an empty one
            uint8_t first = TRY(cursor.read<uint8_t>());
            if (first == 0)
                break;
            TRY(cursor.skip_string());
        }
        table.files = cursor.offset();
    }
    if (table.program < cursor.offset())
        return Errno::InvalidArgument;
    return table;
}

ErrorOr<StringView> line_directory(const DebugSections& sections, const Unit& unit, const LineTable& table,
                                   uint64_t index) {
    Cursor cursor(table.bytes, table.directories);
    if (table.format.version >= 5) {
        if (index >= table.directory_count)
            return Errno::NoEntry;
        for (uint64_t i = 0;; ++i) {
            LineEntry entry = TRY(read_line_entry(sections, unit, table, table.directory_formats,
                                                  table.directory_format_count, cursor));
            if (i == index)
                return entry.path;
        }
    }
    if (index == 0) // before DWARF 5, directory 0 is the compilation directory
        return unit.comp_dir;
    for (uint64_t i = 1;; ++i) {
        StringView path = TRY(string_at(table.bytes, cursor.offset()));
        if (path.is_empty())
            return Errno::NoEntry;
        if (i == index)
            return path;
        TRY(cursor.skip_string());
    }
}

// The file `index` names (0-based in DWARF 5, 1-based before); NoEntry if there is no such file.
ErrorOr<void> line_file(const DebugSections& sections, const Unit& unit, const LineTable& table,
                        uint64_t index, SourceLocation& location) {
    Cursor cursor(table.bytes, table.files);
    LineEntry found;
    if (table.format.version >= 5) {
        if (index >= table.file_count)
            return Errno::NoEntry;
        for (uint64_t i = 0; i <= index; ++i)
            found = TRY(
                read_line_entry(sections, unit, table, table.file_formats, table.file_format_count, cursor));
    } else {
        if (index == 0)
            return Errno::NoEntry;
        for (uint64_t i = 1;; ++i) {
            found.path = TRY(string_at(table.bytes, cursor.offset()));
            if (found.path.is_empty())
                return Errno::NoEntry;
            TRY(cursor.skip_string());
            found.directory = TRY(cursor.read_uleb128());
            (void)TRY(cursor.read_uleb128()); // modification time
            (void)TRY(cursor.read_uleb128()); // length
            if (i == index)
                break;
        }
    }
    location.file = found.path;
    auto directory = line_directory(sections, unit, table, found.directory);
    if (directory.is_error() && directory.error().code() != Errno::NoEntry)
        return directory.release_error();
    location.directory = directory.value_or({});
    return {};
}

// A file reference that may name no file: only malformed tables are errors.
ErrorOr<void> resolve_file(const DebugSections& sections, const Unit& unit, const LineTable* table,
                           uint64_t index, SourceLocation& location) {
    if (!table)
        return {};
    auto result = line_file(sections, unit, *table, index, location);
    if (result.is_error() && result.error().code() != Errno::NoEntry)
        return result.release_error();
    return {};
}

struct LineRow {
    uint64_t address = 0;
    uint64_t file = 1;
    uint64_t line = 1;
    uint64_t column = 0;
};

// Runs the line program; NoEntry if no row covers `address`. The row that does is the last one at or
// below it in a sequence, before a row with a higher address or the end of the sequence. Register
// arithmetic wraps: huge advances give odd rows, never undefined behaviour.
ErrorOr<LineRow> find_line_row(const LineTable& table, uint64_t address) {
    Cursor cursor(table.bytes, table.program);
    LineRow state;
    uint64_t op_index = 0;
    LineRow previous;
    bool has_previous = false;
    auto advance = [&](uint64_t operation_advance) {
        if (table.maximum_operations == 1) {
            state.address += table.minimum_instruction_length * operation_advance;
        } else {
            uint64_t total = op_index + operation_advance;
            state.address += table.minimum_instruction_length * (total / table.maximum_operations);
            op_index = total % table.maximum_operations;
        }
    };
    // Emits the current state as a row; true when the previous row is the answer.
    auto emit = [&](bool end_sequence) {
        if (has_previous && previous.address <= address && address < state.address)
            return true;
        if (end_sequence) {
            has_previous = false;
            state = LineRow{};
            op_index = 0;
        } else {
            previous = state;
            has_previous = true;
        }
        return false;
    };
    while (!cursor.at_end()) {
        uint8_t opcode = TRY(cursor.read<uint8_t>());
        if (opcode >= table.opcode_base) {
            uint8_t adjusted = opcode - table.opcode_base;
            advance(adjusted / table.line_range);
            state.line +=
                static_cast<uint64_t>(static_cast<int64_t>(table.line_base) + adjusted % table.line_range);
            if (emit(false))
                return previous;
            continue;
        }
        switch (opcode) {
        case 0: {
            uint64_t length = TRY(cursor.read_uleb128());
            Cursor operands = cursor;
            TRY(cursor.skip(length)); // always resume after the declared length
            if (length == 0)
                break;
            uint8_t sub_opcode = TRY(operands.read<uint8_t>());
            if (sub_opcode == lne::end_sequence) {
                if (emit(true))
                    return previous;
            } else if (sub_opcode == lne::set_address && length - 1 >= 1 && length - 1 <= 8) {
                state.address = TRY(operands.read_sized(length - 1));
                op_index = 0;
            }
            break;
        }
        case lns::copy:
            if (emit(false))
                return previous;
            break;
        case lns::advance_pc:
            advance(TRY(cursor.read_uleb128()));
            break;
        case lns::advance_line:
            state.line += static_cast<uint64_t>(TRY(cursor.read_sleb128()));
            break;
        case lns::set_file:
            state.file = TRY(cursor.read_uleb128());
            break;
        case lns::set_column:
            state.column = TRY(cursor.read_uleb128());
            break;
        case lns::negate_stmt:
        case lns::set_basic_block:
            break;
        case lns::const_add_pc:
            advance((255u - table.opcode_base) / table.line_range);
            break;
        case lns::fixed_advance_pc:
            state.address += TRY(cursor.read<uint16_t>());
            op_index = 0;
            break;
        default: { // set_prologue_end, set_epilogue_begin, set_isa and unknown ones: skip their operands
            uint8_t operand_count = TRY(table.bytes.read<uint8_t>(table.standard_lengths + opcode - 1));
            for (uint8_t i = 0; i < operand_count; ++i)
                (void)TRY(cursor.read_uleb128());
            break;
        }
        }
    }
    return Errno::NoEntry;
}

// The name a DIE goes by and the DIE that places it: DW_AT_specification and DW_AT_abstract_origin lead
// from a definition or concrete instance to the declaration, whose parents are the function's scopes.
struct Origin {
    StringView name;
    bool has_name = false;
    size_t offset = 0;          // the last DIE of the chain
    const Unit* unit = nullptr; // the unit holding it: the caller's or `scratch`
    uint64_t tag = 0;
};

ErrorOr<Origin> follow_origin(const DebugSections& sections, const Unit& start_unit, size_t offset,
                              Unit& scratch) {
    Origin origin;
    origin.unit = &start_unit;
    origin.offset = offset;
    for (int hop = 0;; ++hop) {
        if (hop == 16) // a reference cycle
            return Errno::InvalidArgument;
        Die die = TRY(read_die(sections, *origin.unit, origin.offset));
        if (die.is_null)
            return Errno::InvalidArgument;
        if (hop == 0)
            origin.tag = die.tag;
        if (!origin.has_name && die.has(Name)) {
            origin.name = TRY(resolve_string(sections, *origin.unit, origin.unit->info, die[Name]));
            origin.has_name = true;
        }
        if (!die.has(Specification) && !die.has(AbstractOrigin))
            return origin;
        AttributeValue next = die.has(Specification) ? die[Specification] : die[AbstractOrigin];
        size_t target = TRY(resolve_reference(sections, *origin.unit, next));
        if (!origin.unit->contains_die(target)) {
            if (start_unit.contains_die(target)) {
                origin.unit = &start_unit;
            } else {
                if (origin.unit != &scratch || !scratch.contains_die(target))
                    TRY(load_unit_containing(sections, target, scratch));
                origin.unit = &scratch;
            }
        }
        origin.offset = target;
    }
}

bool is_scope(uint64_t die_tag) {
    switch (die_tag) {
    case tag::namespace_:
    case tag::class_type:
    case tag::structure_type:
    case tag::union_type:
    case tag::interface_type:
    case tag::subprogram:
        return true;
    default:
        return false;
    }
}

// Where DW_AT_sibling says the DIE's next sibling is, if that is a usable forward jump not past `limit`.
size_t sibling_of(const DebugSections& sections, const Unit& unit, const Die& die, size_t limit) {
    if (!die.has_children || !die.has(Sibling))
        return npos;
    auto sibling = resolve_reference(sections, unit, die[Sibling]);
    if (sibling.is_error() || sibling.value() <= die.offset || sibling.value() > limit)
        return npos;
    return sibling.value();
}

// The DIEs enclosing one DIE, found by walking its unit from the root with a stack of open DIEs (jumping
// over subtrees by DW_AT_sibling where gcc provides it). The last walk's stack is kept: a name's scopes
// are usually each other's parents, so one walk serves them all.
class ScopeFinder {
public:
    // The nearest namespace, type or function enclosing `target`; npos when only the unit does.
    ErrorOr<size_t> enclosing_scope(const DebugSections& sections, const Unit& unit, size_t target) {
        size_t level = 0;
        if (!cached_level_of(unit, target, level)) {
            TRY(walk_to(sections, unit, target));
            level = m_depth;
        }
        while (level-- > 1) { // level 0 is the unit's root
            size_t offset = unit.header.offset + m_open[level];
            Die scope = TRY(read_die(sections, unit, offset));
            if (is_scope(scope.tag))
                return offset;
        }
        return npos;
    }

private:
    static constexpr size_t max_depth = 64;

    bool cached_level_of(const Unit& unit, size_t target, size_t& level) const {
        if (!m_valid || m_unit_offset != unit.header.offset)
            return false;
        for (level = m_depth; level-- > 0;)
            if (unit.header.offset + m_open[level] == target)
                return true;
        return false;
    }

    ErrorOr<void> walk_to(const DebugSections& sections, const Unit& unit, size_t target) {
        m_valid = false;
        m_depth = 0;
        size_t beyond = 0; // levels deeper than the stack holds
        size_t offset = unit.header.first_die;
        while (offset < unit.header.end) {
            if (offset == target) {
                if (beyond > 0)
                    return Errno::NotSupported;
                m_valid = true;
                m_unit_offset = unit.header.offset;
                return {};
            }
            if (offset > target)
                return Errno::InvalidArgument; // the reference is not to the start of a DIE
            Die die = TRY(read_die(sections, unit, offset));
            offset = die.next;
            if (die.is_null) {
                if (beyond > 0)
                    --beyond;
                else if (m_depth > 0)
                    --m_depth;
                continue;
            }
            size_t sibling = sibling_of(sections, unit, die, target);
            if (sibling != npos) {
                offset = sibling;
            } else if (die.has_children) {
                if (m_depth < max_depth)
                    m_open[m_depth++] = static_cast<uint32_t>(die.offset - unit.header.offset);
                else
                    ++beyond;
            }
        }
        return Errno::InvalidArgument;
    }

    uint32_t m_open[max_depth]; // offsets from the unit's start of the DIEs whose children are being read
    size_t m_depth = 0;
    size_t m_unit_offset = 0;
    bool m_valid = false;
};

// Writes "outer::inner::name" for the function DIE at `offset`, innermost component found first.
ErrorOr<void> qualified_name(const DebugSections& sections, const Unit& unit, size_t offset, Unit& scratch,
                             char* buffer, size_t capacity) {
    constexpr size_t max_components = 16;
    StringView components[max_components];
    size_t count = 0;
    ScopeFinder scopes;
    const Unit* current = &unit;
    size_t current_offset = offset;
    for (;;) {
        if (count == max_components)
            return Errno::InvalidArgument;
        Origin origin = TRY(follow_origin(sections, *current, current_offset, scratch));
        StringView name = origin.name;
        if (!origin.has_name || name.is_empty()) {
            if (origin.tag == tag::namespace_)
                name = "(anonymous namespace)";
            else if (origin.tag == tag::subprogram || origin.tag == tag::inlined_subroutine)
                name = "??";
            else if (count > 0 && (components[count - 1] == StringView("operator()") ||
                                   components[count - 1] == StringView("_FUN"))) // g++'s static invoker
                name = "{lambda}";
            else
                name = "{unnamed type}";
        }
        components[count++] = name;
        size_t scope = TRY(scopes.enclosing_scope(sections, *origin.unit, origin.offset));
        if (scope == npos)
            break;
        // The scope is in the origin's unit; when that is `scratch`, the next round reads it from there.
        current = origin.unit;
        current_offset = scope;
    }
    size_t length = 0;
    auto append = [&](StringView text) {
        for (size_t i = 0; i < text.length() && length + 1 < capacity; ++i)
            buffer[length++] = text[i];
    };
    for (size_t i = count; i-- > 0;) {
        append(components[i]);
        if (i > 0)
            append("::");
    }
    buffer[length] = '\0';
    return {};
}

ErrorOr<void> symbolize_in_unit(const DebugSections& sections, const Unit& unit, uint64_t address,
                                Symbolized& out) {
    // One pass over the DIEs: the first subprogram covering the address, then the inlined subroutines
    // covering it inside that subprogram's subtree, outermost first. No subtree can be skipped: g++ -O0
    // puts a lambda's code in its closure type, inside the enclosing function's DIE.
    size_t subprogram = npos;
    size_t subprogram_depth = 0;
    size_t chain[max_inline_depth]; // the innermost levels when the chain is deeper
    size_t chain_depth[max_inline_depth];
    size_t chain_count = 0;
    size_t depth = 0;
    size_t offset = unit.header.first_die;
    while (offset < unit.header.end) {
        Die die = TRY(read_die(sections, unit, offset));
        offset = die.next;
        if (die.is_null) {
            if (depth > 0)
                --depth;
            if (subprogram != npos && depth <= subprogram_depth)
                break;
            continue;
        }
        if (subprogram == npos && die.tag == tag::subprogram) {
            Coverage coverage = TRY(coverage_of(sections, unit, die, address));
            if (coverage.contains) {
                subprogram = die.offset;
                subprogram_depth = depth;
                out.function_start = coverage.start;
                if (!die.has_children)
                    break;
            }
        } else if (subprogram != npos && die.tag == tag::inlined_subroutine &&
                   (chain_count == 0 || depth > chain_depth[chain_count - 1])) {
            Coverage coverage = TRY(coverage_of(sections, unit, die, address));
            if (coverage.contains) {
                if (chain_count == max_inline_depth) {
                    for (size_t i = 1; i < chain_count; ++i) {
                        chain[i - 1] = chain[i];
                        chain_depth[i - 1] = chain_depth[i];
                    }
                    --chain_count;
                }
                chain[chain_count] = die.offset;
                chain_depth[chain_count++] = depth;
            }
        }
        if (die.has_children)
            ++depth;
    }
    if (subprogram == npos)
        return Errno::NoEntry;

    ScratchUnit scratch;
    TRY(qualified_name(sections, unit, subprogram, scratch, out.function, sizeof out.function));

    LineTable table;
    bool has_table = false;
    if (unit.has_stmt_list) {
        table = TRY(read_line_table(sections, unit));
        has_table = true;
        auto row = find_line_row(table, address);
        if (row.is_error() && row.error().code() != Errno::NoEntry)
            return row.release_error();
        if (!row.is_error()) {
            out.location.line = static_cast<uint32_t>(row.value().line);
            out.location.column = static_cast<uint32_t>(row.value().column);
            TRY(resolve_file(sections, unit, &table, row.value().file, out.location));
        }
    }

    for (size_t i = chain_count; i-- > 0;) {
        Die die = TRY(read_die(sections, unit, chain[i]));
        InlinedCall call;
        Origin origin = TRY(follow_origin(sections, unit, chain[i], scratch));
        call.function = origin.name;
        if (die.has(CallLine))
            call.call_site.line = static_cast<uint32_t>(TRY(resolve_constant(die[CallLine])));
        if (die.has(CallColumn))
            call.call_site.column = static_cast<uint32_t>(TRY(resolve_constant(die[CallColumn])));
        if (die.has(CallFile))
            TRY(resolve_file(sections, unit, has_table ? &table : nullptr,
                             TRY(resolve_constant(die[CallFile])), call.call_site));
        (void)out.inlined.try_append(call);
    }
    return {};
}

// The unit .debug_aranges assigns the address to; NoEntry when it names none (or cannot be read: the
// scan over the units' own ranges is the fallback).
ErrorOr<size_t> unit_from_aranges(const DebugSections& sections, uint64_t address) {
    size_t offset = 0;
    while (offset < sections.aranges.size()) {
        Cursor cursor(sections.aranges, offset);
        uint8_t offset_size = 4;
        uint64_t length = TRY(cursor.read_initial_length(offset_size));
        if (!sections.aranges.contains(cursor.offset(), length))
            return Errno::InvalidArgument;
        size_t end = cursor.offset() + length;
        uint16_t version = TRY(cursor.read<uint16_t>());
        uint64_t info_offset = TRY(cursor.read_sized(offset_size));
        uint8_t address_size = TRY(cursor.read<uint8_t>());
        uint8_t segment_size = TRY(cursor.read<uint8_t>());
        if (version == 2 && segment_size == 0 && (address_size == 4 || address_size == 8)) {
            // Tuples are aligned to their own size from the start of the set.
            size_t tuple = 2 * address_size;
            size_t skip = (tuple - (cursor.offset() - offset) % tuple) % tuple;
            TRY(cursor.skip(skip));
            while (cursor.offset() + tuple <= end) {
                uint64_t start = TRY(cursor.read_sized(address_size));
                uint64_t size = TRY(cursor.read_sized(address_size));
                if (start == 0 && size == 0)
                    break;
                if (address >= start && address - start < size)
                    return static_cast<size_t>(info_offset);
            }
        }
        offset = end;
    }
    return Errno::NoEntry;
}

bool is_searchable(const UnitHeader& header) {
    return header.unit_type == unit_type::compile || header.unit_type == unit_type::partial ||
           header.unit_type == unit_type::skeleton;
}

} // namespace

ErrorOr<DebugSections> debug_sections_of(const elf::ElfFile& file) {
    DebugSections sections;
    struct SectionName {
        const char* name;
        ByteReader DebugSections::*member;
    };
    static constexpr SectionName wanted[] = {
        {".debug_info", &DebugSections::info},         {".debug_abbrev", &DebugSections::abbrev},
        {".debug_line", &DebugSections::line},         {".debug_str", &DebugSections::str},
        {".debug_line_str", &DebugSections::line_str}, {".debug_str_offsets", &DebugSections::str_offsets},
        {".debug_addr", &DebugSections::addr},         {".debug_rnglists", &DebugSections::rnglists},
        {".debug_ranges", &DebugSections::ranges},     {".debug_aranges", &DebugSections::aranges},
    };
    constexpr uint64_t section_flag_compressed = 0x800; // SHF_COMPRESSED
    for (const auto& entry : wanted) {
        auto section = file.section_by_name(entry.name);
        if (section.is_error()) {
            if (section.error().code() != Errno::NoEntry)
                return section.release_error();
            continue;
        }
        if (section.value().flags & section_flag_compressed)
            return Errno::NotSupported;
        sections.*entry.member = section.value().bytes;
    }
    if (sections.info.size() == 0)
        return Errno::NoEntry;
    return sections;
}

ErrorOr<DebugInfo> DebugInfo::create(const DebugSections& sections) {
    if (sections.info.size() == 0 || sections.abbrev.size() == 0)
        return Errno::NoEntry;
    size_t offset = 0;
    while (offset < sections.info.size())
        offset = TRY(read_unit_header(sections, offset)).end;
    return DebugInfo(sections);
}

ErrorOr<void> DebugInfo::symbolize(uint64_t address, Symbolized& out) const {
    out.function[0] = '\0';
    out.function_start = 0;
    out.location = {};
    out.inlined.clear();
    SearchUnit unit;
    size_t tried = npos;
    auto from_aranges = unit_from_aranges(m_sections, address);
    if (!from_aranges.is_error()) {
        tried = from_aranges.value();
        TRY(load_unit(m_sections, tried, unit));
        auto result = symbolize_in_unit(m_sections, unit, address, out);
        if (!result.is_error() || result.error().code() != Errno::NoEntry)
            return result;
    }
    // Not in .debug_aranges (clang does not emit it): the units whose root DIE covers the address.
    size_t offset = 0;
    while (offset < m_sections.info.size()) {
        UnitHeader header = TRY(read_unit_header(m_sections, offset));
        if (offset != tried && is_searchable(header)) {
            TRY(load_unit(m_sections, offset, unit));
            Die root = TRY(read_die(m_sections, unit, header.first_die));
            Coverage coverage = TRY(coverage_of(m_sections, unit, root, address));
            if (coverage.contains) {
                auto result = symbolize_in_unit(m_sections, unit, address, out);
                if (!result.is_error() || result.error().code() != Errno::NoEntry)
                    return result;
            }
        }
        offset = header.end;
    }
    out.function_start = 0;
    return Errno::NoEntry;
}

} // namespace dwarf
