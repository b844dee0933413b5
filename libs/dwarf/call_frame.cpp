// Formats: DWARF 5 section 6.4 (CIE, FDE, CFA instructions) as specialised for .eh_frame by the LSB
// (Linux Standard Base Core, "Exception Frames": CIE id 0, 4-byte CIE pointer relative to its own
// field even with the 64-bit length, 'z'-augmentations, DW_EH_PE_* pointer encodings, .eh_frame_hdr).
#include "dwarf/call_frame.h"

#include "dwarf/byte_cursor.h"

namespace dwarf {

namespace {

using ktl::Errno;
template <typename T>
using ErrorOr = ktl::ErrorOr<T>;

// DW_EH_PE_* pointer encodings: the low nibble is the format, bits 4-6 the application, bit 7 indirect.
constexpr uint8_t pe_absptr = 0x00, pe_uleb128 = 0x01, pe_udata2 = 0x02, pe_udata4 = 0x03, pe_udata8 = 0x04,
                  pe_signed = 0x08, pe_sleb128 = 0x09, pe_sdata2 = 0x0a, pe_sdata4 = 0x0b, pe_sdata8 = 0x0c;
constexpr uint8_t pe_pcrel = 0x10, pe_textrel = 0x20, pe_datarel = 0x30, pe_funcrel = 0x40, pe_aligned = 0x50;
constexpr uint8_t pe_indirect = 0x80, pe_omit = 0xff;

// Depth of the DW_CFA_remember_state stack; compilers nest one or two levels.
constexpr size_t remember_stack_depth = 8;

// A cursor over one CIE, FDE or header that also knows each byte's load address, for pc-relative
// pointers.
class Cursor : public ByteCursor {
public:
    Cursor(ktl::ByteReader bytes, uint64_t address, size_t offset = 0)
        : ByteCursor(bytes, offset), m_address(address) {}
    uint64_t address() const { return m_address + offset(); }

private:
    uint64_t m_address;
};

bool is_valid_encoding(uint8_t encoding) {
    if (encoding == pe_omit)
        return true;
    switch (encoding & 0x0f) {
    case pe_absptr:
    case pe_uleb128:
    case pe_udata2:
    case pe_udata4:
    case pe_udata8:
    case pe_signed:
    case pe_sleb128:
    case pe_sdata2:
    case pe_sdata4:
    case pe_sdata8:
        break;
    default:
        return false;
    }
    return (encoding & 0x70) <= pe_aligned;
}

// Size of a fixed-size format, 0 for LEB128.
size_t encoded_size(uint8_t encoding) {
    switch (encoding & 0x0f) {
    case pe_udata2:
    case pe_sdata2:
        return 2;
    case pe_udata4:
    case pe_sdata4:
        return 4;
    case pe_absptr:
    case pe_udata8:
    case pe_signed:
    case pe_sdata8:
        return 8;
    default:
        return 0;
    }
}

// The value as stored, by the format nibble only (also how an FDE's pc_range is read).
ErrorOr<uint64_t> read_raw(Cursor& cursor, uint8_t encoding) {
    switch (encoding & 0x0f) {
    case pe_absptr:
    case pe_udata8:
    case pe_signed:
    case pe_sdata8:
        return TRY(cursor.read<uint64_t>());
    case pe_uleb128:
        return TRY(cursor.read_uleb128());
    case pe_udata2:
        return TRY(cursor.read<uint16_t>());
    case pe_udata4:
        return TRY(cursor.read<uint32_t>());
    case pe_sleb128:
        return static_cast<uint64_t>(TRY(cursor.read_sleb128()));
    case pe_sdata2:
        return static_cast<uint64_t>(static_cast<int64_t>(TRY(cursor.read<int16_t>())));
    case pe_sdata4:
        return static_cast<uint64_t>(static_cast<int64_t>(TRY(cursor.read<int32_t>())));
    default:
        return Errno::InvalidArgument;
    }
}

// What datarel and funcrel pointers are relative to, where that is defined.
struct PointerBases {
    bool has_data_base = false;
    uint64_t data_base = 0;
    bool has_function_base = false;
    uint64_t function_base = 0;
};

ErrorOr<void> align_cursor(Cursor& cursor) {
    uint64_t misalignment = cursor.address() & 7;
    if (misalignment != 0)
        TRY(cursor.skip(8 - misalignment));
    return {};
}

// Reads an encoded pointer and applies its base. An indirect pointer would need a memory read the
// unwinder cannot trust, so it is NotSupported (only personality routines use it, and those are skipped).
ErrorOr<uint64_t> read_encoded(Cursor& cursor, uint8_t encoding, const PointerBases& bases) {
    if (encoding == pe_omit || !is_valid_encoding(encoding))
        return Errno::InvalidArgument;
    if ((encoding & 0x70) == pe_aligned)
        TRY(align_cursor(cursor));
    uint64_t field_address = cursor.address();
    uint64_t value = TRY(read_raw(cursor, encoding));
    switch (encoding & 0x70) {
    case pe_pcrel:
        value += field_address;
        break;
    case pe_textrel:
        return Errno::NotSupported; // no text base known on x86-64
    case pe_datarel:
        if (!bases.has_data_base)
            return Errno::NotSupported;
        value += bases.data_base;
        break;
    case pe_funcrel:
        if (!bases.has_function_base)
            return Errno::InvalidArgument;
        value += bases.function_base;
        break;
    default:
        break;
    }
    if (encoding & pe_indirect)
        return Errno::NotSupported;
    return value;
}

// Steps over an encoded pointer whose value is not needed (the personality routine).
ErrorOr<void> skip_encoded(Cursor& cursor, uint8_t encoding) {
    if (encoding == pe_omit)
        return {};
    if (!is_valid_encoding(encoding))
        return Errno::InvalidArgument;
    if ((encoding & 0x70) == pe_aligned)
        TRY(align_cursor(cursor));
    TRY(read_raw(cursor, encoding));
    return {};
}

// The length and id fields that start every CIE and FDE.
struct EntryHeader {
    bool is_terminator = false; // a zero length ends the section
    size_t id_offset = 0;       // the CIE id / CIE pointer field
    uint32_t id = 0;
    size_t body_offset = 0; // just after the id
    size_t end = 0;         // one past the entry
};

ErrorOr<EntryHeader> read_entry_header(ktl::ByteReader section, size_t offset) {
    EntryHeader header;
    uint32_t length32 = TRY(section.read<uint32_t>(offset));
    if (length32 == 0) {
        header.is_terminator = true;
        header.end = offset + 4;
        return header;
    }
    uint64_t length = length32;
    size_t length_end = offset + 4;
    if (length32 == 0xffffffff) {
        length = TRY(section.read<uint64_t>(offset + 4));
        length_end = offset + 12;
    } else if (length32 >= 0xfffffff0) {
        return Errno::InvalidArgument; // reserved
    }
    if (length < 4 || !section.contains(length_end, length))
        return Errno::InvalidArgument;
    header.id_offset = length_end;
    header.id = TRY(section.read<uint32_t>(length_end));
    header.body_offset = length_end + 4;
    header.end = length_end + length;
    return header;
}

struct Cie {
    uint64_t code_alignment = 1;
    int64_t data_alignment = 0;
    uint8_t return_address_register = register_return_address;
    uint8_t fde_encoding = pe_absptr;
    bool has_augmentation_data = false; // 'z'
    bool signal_frame = false;          // 'S'
    ktl::ByteReader instructions;
    uint64_t instructions_address = 0;
};

ErrorOr<Cie> parse_cie(ktl::ByteReader section, uint64_t section_address, size_t offset) {
    EntryHeader header = TRY(read_entry_header(section, offset));
    if (header.is_terminator || header.id != 0)
        return Errno::InvalidArgument; // an FDE's CIE pointer must lead to a CIE
    ktl::ByteReader body = TRY(section.slice(header.body_offset, header.end - header.body_offset));
    Cursor cursor(body, section_address + header.body_offset);
    Cie cie;

    uint8_t version = TRY(cursor.read<uint8_t>());
    if (version != 1 && version != 3)
        return Errno::InvalidArgument;
    size_t augmentation_offset = cursor.offset();
    while (TRY(cursor.read<uint8_t>()) != 0) {
    }
    ktl::ByteReader augmentation =
        TRY(body.slice(augmentation_offset, cursor.offset() - 1 - augmentation_offset));

    cie.code_alignment = TRY(cursor.read_uleb128());
    cie.data_alignment = TRY(cursor.read_sleb128());
    uint64_t return_address_register =
        version == 1 ? TRY(cursor.read<uint8_t>()) : TRY(cursor.read_uleb128());
    if (return_address_register >= register_count)
        return Errno::InvalidArgument;
    cie.return_address_register = static_cast<uint8_t>(return_address_register);

    if (augmentation.size() > 0) {
        if (TRY(augmentation.read<uint8_t>(0)) != 'z')
            return Errno::NotSupported; // without 'z' an unknown augmentation cannot be skipped
        cie.has_augmentation_data = true;
        uint64_t data_length = TRY(cursor.read_uleb128());
        size_t data_start = cursor.offset();
        if (!body.contains(data_start, data_length))
            return Errno::InvalidArgument;
        size_t data_end = data_start + data_length;
        // Interpret the letters we know; an unknown one ends the interpretation, and the length
        // from 'z' skips whatever it would have described (what GCC's unwinder does).
        for (size_t index = 1; index < augmentation.size(); ++index) {
            uint8_t letter = TRY(augmentation.read<uint8_t>(index));
            if (letter == 'R') {
                cie.fde_encoding = TRY(cursor.read<uint8_t>());
                if (cie.fde_encoding == pe_omit || !is_valid_encoding(cie.fde_encoding))
                    return Errno::InvalidArgument;
            } else if (letter == 'P') {
                TRY(skip_encoded(cursor, TRY(cursor.read<uint8_t>())));
            } else if (letter == 'L') {
                if (!is_valid_encoding(TRY(cursor.read<uint8_t>())))
                    return Errno::InvalidArgument;
            } else if (letter == 'S') {
                cie.signal_frame = true;
            } else if (letter == 'B' || letter == 'G') {
                // AArch64 BTI / MTE markers: no data.
            } else {
                break;
            }
        }
        if (cursor.offset() > data_end)
            return Errno::InvalidArgument; // the augmentation data overran its declared length
        TRY(cursor.seek(data_end));
    }
    cie.instructions = TRY(body.slice(cursor.offset(), body.size() - cursor.offset()));
    cie.instructions_address = cursor.address();
    return cie;
}

struct Fde {
    uint64_t pc_begin = 0, pc_end = 0;
    Cie cie;
    ktl::ByteReader instructions;
    uint64_t instructions_address = 0;
};

// The last CIE parsed during a scan: consecutive FDEs usually share one.
struct CieCache {
    bool valid = false;
    size_t offset = 0;
    Cie cie;
};

ErrorOr<Fde> parse_fde(ktl::ByteReader section, uint64_t section_address, size_t offset,
                       CieCache* cache = nullptr) {
    EntryHeader header = TRY(read_entry_header(section, offset));
    if (header.is_terminator || header.id == 0)
        return Errno::InvalidArgument;
    // The CIE pointer counts back from its own field; only a CIE is accepted there, so no chains or loops.
    if (header.id > header.id_offset)
        return Errno::InvalidArgument;
    size_t cie_offset = header.id_offset - header.id;
    Fde fde;
    if (cache && cache->valid && cache->offset == cie_offset) {
        fde.cie = cache->cie;
    } else {
        fde.cie = TRY(parse_cie(section, section_address, cie_offset));
        if (cache)
            *cache = CieCache{true, cie_offset, fde.cie};
    }

    ktl::ByteReader body = TRY(section.slice(header.body_offset, header.end - header.body_offset));
    Cursor cursor(body, section_address + header.body_offset);
    fde.pc_begin = TRY(read_encoded(cursor, fde.cie.fde_encoding, {}));
    uint64_t pc_range = TRY(read_raw(cursor, fde.cie.fde_encoding));
    fde.pc_end = fde.pc_begin + pc_range;
    if (fde.pc_end < fde.pc_begin)
        return Errno::InvalidArgument;
    if (fde.cie.has_augmentation_data)
        TRY(cursor.skip(TRY(cursor.read_uleb128()))); // holds the LSDA pointer, which we do not need
    fde.instructions = TRY(body.slice(cursor.offset(), body.size() - cursor.offset()));
    fde.instructions_address = cursor.address();
    return fde;
}

// The rules of one row, also what DW_CFA_remember_state saves (GCC, LLVM and binutils include the CFA).
// Packed (a rule in 16 bytes, RegisterRule takes 24) to keep the remember stack small on a crash path.
struct PackedRule {
    int64_t offset = 0;
    RuleKind kind = RuleKind::SameValue;
    uint8_t register_number = 0;
};

struct RuleState {
    int64_t cfa_offset = CfaRule().offset;
    uint8_t cfa_register = CfaRule().register_number;
    bool cfa_is_expression = false;
    PackedRule registers[register_count];
};

struct RememberStack {
    RuleState states[remember_stack_depth];
    size_t depth = 0;
};

// Everything one CFA program needs besides its bytes.
struct Program {
    const Cie& cie;
    uint64_t pc_begin;
    uint64_t pc;               // the target: stop before the first advance past it
    bool is_cie;               // the CIE's initial instructions do not stop at advances
    const RuleState& initial;  // for DW_CFA_restore
    RememberStack& remembered; // shared by the CIE's and the FDE's programs
};

int64_t scaled(uint64_t factor_operand, int64_t factor) {
    // Wrapping multiply: hostile operands must not be undefined behaviour.
    return static_cast<int64_t>(factor_operand * static_cast<uint64_t>(factor));
}

void set_rule(RuleState& state, uint64_t reg, RuleKind kind, int64_t offset = 0, uint8_t other = 0) {
    if (reg >= register_count)
        return; // xmm/x87 columns: valid CFI, nothing the unwinder tracks
    state.registers[reg] = PackedRule{offset, kind, other};
}

ErrorOr<void> set_cfa_register(RuleState& state, uint64_t reg) {
    if (reg >= register_count)
        return Errno::InvalidArgument;
    state.cfa_register = static_cast<uint8_t>(reg);
    state.cfa_is_expression = false;
    return {};
}

// Runs the instructions of `cursor` on `state`. Returns true when it stopped at an advance past the
// target pc, false when the instructions ran out. Every instruction consumes at least one byte, so the
// loop is bounded by the data size.
ErrorOr<bool> run_program(Cursor cursor, const Program& program, RuleState& state, uint64_t& location) {
    auto advance_to = [&](uint64_t new_location) {
        if (program.is_cie)
            return false;
        if (new_location > program.pc)
            return true;
        location = new_location;
        return false;
    };
    auto advance_by = [&](uint64_t delta) {
        uint64_t scaled_delta = 0, new_location = 0;
        if (__builtin_mul_overflow(delta, program.cie.code_alignment, &scaled_delta) ||
            __builtin_add_overflow(location, scaled_delta, &new_location))
            return !program.is_cie; // beyond any pc
        return advance_to(new_location);
    };
    int64_t data_alignment = program.cie.data_alignment;

    while (!cursor.at_end()) {
        uint8_t opcode = TRY(cursor.read<uint8_t>());
        uint8_t operand = opcode & 0x3f;
        switch (opcode & 0xc0) {
        case 0x40: // DW_CFA_advance_loc
            if (advance_by(operand))
                return true;
            continue;
        case 0x80: // DW_CFA_offset
            set_rule(state, operand, RuleKind::Offset, scaled(TRY(cursor.read_uleb128()), data_alignment));
            continue;
        case 0xc0: // DW_CFA_restore
            if (operand < register_count)
                state.registers[operand] = program.initial.registers[operand];
            continue;
        default:
            break;
        }
        switch (opcode) {
        case 0x00: // DW_CFA_nop
            break;
        case 0x01: { // DW_CFA_set_loc
            PointerBases bases;
            bases.has_function_base = true;
            bases.function_base = program.pc_begin;
            uint64_t new_location = TRY(read_encoded(cursor, program.cie.fde_encoding, bases));
            if (advance_to(new_location))
                return true;
            break;
        }
        case 0x02: // DW_CFA_advance_loc1
            if (advance_by(TRY(cursor.read<uint8_t>())))
                return true;
            break;
        case 0x03: // DW_CFA_advance_loc2
            if (advance_by(TRY(cursor.read<uint16_t>())))
                return true;
            break;
        case 0x04: // DW_CFA_advance_loc4
            if (advance_by(TRY(cursor.read<uint32_t>())))
                return true;
            break;
        case 0x05: { // DW_CFA_offset_extended
            uint64_t reg = TRY(cursor.read_uleb128());
            set_rule(state, reg, RuleKind::Offset, scaled(TRY(cursor.read_uleb128()), data_alignment));
            break;
        }
        case 0x06: { // DW_CFA_restore_extended
            uint64_t reg = TRY(cursor.read_uleb128());
            if (reg < register_count)
                state.registers[reg] = program.initial.registers[reg];
            break;
        }
        case 0x07: // DW_CFA_undefined
            set_rule(state, TRY(cursor.read_uleb128()), RuleKind::Undefined);
            break;
        case 0x08: // DW_CFA_same_value
            set_rule(state, TRY(cursor.read_uleb128()), RuleKind::SameValue);
            break;
        case 0x09: { // DW_CFA_register
            uint64_t reg = TRY(cursor.read_uleb128());
            uint64_t source = TRY(cursor.read_uleb128());
            if (source < register_count)
                set_rule(state, reg, RuleKind::Register, 0, static_cast<uint8_t>(source));
            else
                set_rule(state, reg, RuleKind::Unsupported);
            break;
        }
        case 0x0a: // DW_CFA_remember_state
            if (program.remembered.depth == remember_stack_depth)
                return Errno::InvalidArgument;
            program.remembered.states[program.remembered.depth++] = state;
            break;
        case 0x0b: // DW_CFA_restore_state
            if (program.remembered.depth == 0)
                return Errno::InvalidArgument;
            state = program.remembered.states[--program.remembered.depth];
            break;
        case 0x0c: { // DW_CFA_def_cfa
            TRY(set_cfa_register(state, TRY(cursor.read_uleb128())));
            state.cfa_offset = static_cast<int64_t>(TRY(cursor.read_uleb128()));
            break;
        }
        case 0x0d: // DW_CFA_def_cfa_register
            TRY(set_cfa_register(state, TRY(cursor.read_uleb128())));
            break;
        case 0x0e: // DW_CFA_def_cfa_offset
            state.cfa_offset = static_cast<int64_t>(TRY(cursor.read_uleb128()));
            break;
        case 0x0f: // DW_CFA_def_cfa_expression
            TRY(cursor.skip(TRY(cursor.read_uleb128())));
            state.cfa_is_expression = true;
            break;
        case 0x10:   // DW_CFA_expression
        case 0x16: { // DW_CFA_val_expression
            uint64_t reg = TRY(cursor.read_uleb128());
            TRY(cursor.skip(TRY(cursor.read_uleb128())));
            set_rule(state, reg, RuleKind::Unsupported);
            break;
        }
        case 0x11: { // DW_CFA_offset_extended_sf
            uint64_t reg = TRY(cursor.read_uleb128());
            int64_t factored = TRY(cursor.read_sleb128());
            set_rule(state, reg, RuleKind::Offset, scaled(static_cast<uint64_t>(factored), data_alignment));
            break;
        }
        case 0x12: { // DW_CFA_def_cfa_sf
            TRY(set_cfa_register(state, TRY(cursor.read_uleb128())));
            int64_t factored = TRY(cursor.read_sleb128());
            state.cfa_offset = scaled(static_cast<uint64_t>(factored), data_alignment);
            break;
        }
        case 0x13: { // DW_CFA_def_cfa_offset_sf
            int64_t factored = TRY(cursor.read_sleb128());
            state.cfa_offset = scaled(static_cast<uint64_t>(factored), data_alignment);
            break;
        }
        case 0x14: { // DW_CFA_val_offset
            uint64_t reg = TRY(cursor.read_uleb128());
            set_rule(state, reg, RuleKind::ValueOffset, scaled(TRY(cursor.read_uleb128()), data_alignment));
            break;
        }
        case 0x15: { // DW_CFA_val_offset_sf
            uint64_t reg = TRY(cursor.read_uleb128());
            int64_t factored = TRY(cursor.read_sleb128());
            set_rule(state, reg, RuleKind::ValueOffset,
                     scaled(static_cast<uint64_t>(factored), data_alignment));
            break;
        }
        case 0x2e: // DW_CFA_GNU_args_size: only matters to exception handling
            TRY(cursor.read_uleb128());
            break;
        case 0x2f: { // DW_CFA_GNU_negative_offset_extended
            uint64_t reg = TRY(cursor.read_uleb128());
            int64_t offset = scaled(TRY(cursor.read_uleb128()), data_alignment);
            set_rule(state, reg, RuleKind::Offset, static_cast<int64_t>(0 - static_cast<uint64_t>(offset)));
            break;
        }
        default:
            return Errno::InvalidArgument;
        }
    }
    return false;
}

ErrorOr<Fde> find_fde_by_scan(ktl::ByteReader section, uint64_t section_address, uint64_t pc) {
    size_t offset = 0;
    CieCache cache;
    while (offset < section.size()) {
        EntryHeader header = TRY(read_entry_header(section, offset));
        if (header.is_terminator)
            break;
        if (header.id != 0) {
            Fde fde = TRY(parse_fde(section, section_address, offset, &cache));
            if (pc >= fde.pc_begin && pc < fde.pc_end)
                return fde;
        }
        offset = header.end; // at least 8 bytes further
    }
    return Errno::NoEntry;
}

} // namespace

ErrorOr<CallFrameInfo> CallFrameInfo::create(ktl::ByteReader eh_frame, uint64_t eh_frame_address,
                                             ktl::ByteReader eh_frame_hdr, uint64_t eh_frame_hdr_address) {
    CallFrameInfo info;
    info.m_eh_frame = eh_frame;
    info.m_eh_frame_address = eh_frame_address;
    if (eh_frame_hdr.size() == 0)
        return info;
    info.m_eh_frame_hdr = eh_frame_hdr;
    info.m_eh_frame_hdr_address = eh_frame_hdr_address;

    // version, eh_frame_ptr_enc, fde_count_enc, table_enc, then eh_frame_ptr, fde_count and the table.
    Cursor cursor(eh_frame_hdr, eh_frame_hdr_address);
    if (TRY(cursor.read<uint8_t>()) != 1)
        return Errno::InvalidArgument;
    uint8_t pointer_encoding = TRY(cursor.read<uint8_t>());
    uint8_t count_encoding = TRY(cursor.read<uint8_t>());
    uint8_t table_encoding = TRY(cursor.read<uint8_t>());
    if (!is_valid_encoding(pointer_encoding) || !is_valid_encoding(count_encoding) ||
        !is_valid_encoding(table_encoding))
        return Errno::InvalidArgument;
    PointerBases bases;
    bases.has_data_base = true;
    bases.data_base = eh_frame_hdr_address;
    if (TRY(read_encoded(cursor, pointer_encoding, bases)) != eh_frame_address)
        return Errno::InvalidArgument; // the header describes another .eh_frame
    if (count_encoding == pe_omit || table_encoding == pe_omit)
        return info;
    uint64_t count = TRY(read_encoded(cursor, count_encoding, bases));

    // Binary search needs fixed-size entries with a base we can apply; otherwise scan (as GCC does).
    size_t entry_size = encoded_size(table_encoding);
    uint8_t application = table_encoding & 0x70;
    if (entry_size == 0 || (table_encoding & pe_indirect) ||
        (application != pe_absptr && application != pe_pcrel && application != pe_datarel))
        return info;
    if (count > (eh_frame_hdr.size() - cursor.offset()) / (2 * entry_size))
        return Errno::InvalidArgument;
    info.m_table_offset = cursor.offset();
    info.m_table_entry_size = entry_size;
    info.m_table_count = count;
    info.m_table_encoding = table_encoding;
    return info;
}

ErrorOr<UnwindRow> CallFrameInfo::row_for(uint64_t pc) const {
    Fde fde;
    if (m_table_entry_size == 0) {
        fde = TRY(find_fde_by_scan(m_eh_frame, m_eh_frame_address, pc));
    } else {
        PointerBases bases;
        bases.has_data_base = true;
        bases.data_base = m_eh_frame_hdr_address;
        auto entry = [&](uint64_t index, int field) -> ErrorOr<uint64_t> {
            Cursor cursor(m_eh_frame_hdr, m_eh_frame_hdr_address,
                          m_table_offset + (index * 2 + field) * m_table_entry_size);
            return read_encoded(cursor, m_table_encoding, bases);
        };
        // The last entry whose initial location is <= pc (the table is sorted by it).
        uint64_t low = 0, high = m_table_count;
        while (low < high) {
            uint64_t middle = low + (high - low) / 2;
            if (TRY(entry(middle, 0)) <= pc)
                low = middle + 1;
            else
                high = middle;
        }
        if (low == 0)
            return Errno::NoEntry;
        uint64_t initial_location = TRY(entry(low - 1, 0));
        uint64_t fde_address = TRY(entry(low - 1, 1));
        uint64_t fde_offset = fde_address - m_eh_frame_address;
        if (fde_address < m_eh_frame_address || fde_offset >= m_eh_frame.size())
            return Errno::InvalidArgument;
        fde = TRY(parse_fde(m_eh_frame, m_eh_frame_address, fde_offset));
        if (fde.pc_begin != initial_location)
            return Errno::InvalidArgument; // the table and the FDE disagree
        if (pc >= fde.pc_end)
            return Errno::NoEntry;
    }

    RuleState initial;
    RememberStack remembered;
    uint64_t location = fde.pc_begin;
    Program cie_program{fde.cie, fde.pc_begin, pc, true, initial, remembered};
    TRY(run_program(Cursor(fde.cie.instructions, fde.cie.instructions_address), cie_program, initial,
                    location));
    RuleState state = initial;
    Program fde_program{fde.cie, fde.pc_begin, pc, false, initial, remembered};
    TRY(run_program(Cursor(fde.instructions, fde.instructions_address), fde_program, state, location));

    UnwindRow row;
    row.function_start = fde.pc_begin;
    row.function_end = fde.pc_end;
    row.cfa = CfaRule{state.cfa_register, state.cfa_offset, state.cfa_is_expression};
    for (int reg = 0; reg < register_count; ++reg) {
        const PackedRule& rule = state.registers[reg];
        row.registers[reg] = RegisterRule{rule.kind, rule.offset, rule.register_number};
    }
    row.return_address_register = fde.cie.return_address_register;
    row.signal_frame = fde.cie.signal_frame;
    return row;
}

ErrorOr<void> step(const UnwindRow& row, RegisterSet& registers, MemoryReader read, void* context) {
    if (row.cfa.is_expression || row.cfa.register_number >= register_count ||
        row.return_address_register >= register_count)
        return Errno::InvalidArgument;
    if (!registers.known[row.cfa.register_number])
        return Errno::InvalidArgument;
    const RegisterRule& return_address_rule = row.registers[row.return_address_register];
    if (return_address_rule.kind == RuleKind::Undefined)
        return Errno::NoEntry; // the outermost frame
    if (return_address_rule.kind == RuleKind::Unsupported)
        return Errno::InvalidArgument;
    uint64_t cfa = registers.values[row.cfa.register_number] + static_cast<uint64_t>(row.cfa.offset);

    RegisterSet caller = registers;
    for (int reg = 0; reg < register_count; ++reg) {
        const RegisterRule& rule = row.registers[reg];
        uint64_t address = cfa + static_cast<uint64_t>(rule.offset);
        switch (rule.kind) {
        case RuleKind::SameValue:
            break;
        case RuleKind::Offset:
            if (read == nullptr)
                return Errno::InvalidArgument;
            if (!read(address, caller.values[reg], context))
                return Errno::BadAddress;
            caller.known[reg] = true;
            break;
        case RuleKind::ValueOffset:
            caller.values[reg] = address;
            caller.known[reg] = true;
            break;
        case RuleKind::Register:
            if (rule.register_number < register_count) {
                caller.values[reg] = registers.values[rule.register_number];
                caller.known[reg] = registers.known[rule.register_number];
                break;
            }
            [[fallthrough]];
        case RuleKind::Undefined:
        case RuleKind::Unsupported:
            caller.values[reg] = 0;
            caller.known[reg] = false;
            break;
        }
    }
    // The psABI defines the CFA as the caller's rsp before the call, unless the CFI says where rsp was
    // saved: interrupt and signal frames do, because the interrupted rsp is not the CFA.
    if (row.registers[register_rsp].kind == RuleKind::SameValue ||
        row.registers[register_rsp].kind == RuleKind::Undefined) {
        caller.values[register_rsp] = cfa;
        caller.known[register_rsp] = true;
    }
    caller.values[register_return_address] = caller.values[row.return_address_register];
    caller.known[register_return_address] = caller.known[row.return_address_register];
    if (!caller.known[register_return_address])
        return Errno::InvalidArgument;
    registers = caller;
    return {};
}

} // namespace dwarf
