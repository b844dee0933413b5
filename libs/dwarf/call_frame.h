// DWARF call-frame information (.eh_frame and .eh_frame_hdr, per the DWARF 5 spec section 6.4 and the
// LSB's exception-frame format) for the kernel's crash unwinder: find the FDE covering a pc, run the
// CIE's and FDE's CFA programs up to it, and step to the caller's registers. The tables are hostile
// input: anything malformed is an error, never an out-of-bounds read. Everything is read on demand
// (no allocation); each lookup uses a few kilobytes of stack for the remember_state stack.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace dwarf {

// DWARF register numbers for x86-64 (System V psABI): rax 0, rdx 1, rcx 2, rbx 3, rsi 4, rdi 5, rbp 6,
// rsp 7, r8-r15 8-15, return address 16. Rules for higher numbers (xmm, x87) are parsed and ignored.
inline constexpr int register_count = 17;
inline constexpr uint8_t register_rbx = 3, register_rbp = 6, register_rsp = 7, register_return_address = 16;

enum class RuleKind : uint8_t {
    Undefined,   // no value (for the return address: the outermost frame)
    SameValue,   // unchanged from the callee; the default of every register
    Offset,      // saved at CFA+offset
    ValueOffset, // value is CFA+offset
    Register,    // value is in register `register_number` of the callee
    Unsupported, // DWARF expressions (DW_CFA_expression / val_expression), or a register we do not track
};

struct RegisterRule {
    RuleKind kind = RuleKind::SameValue;
    int64_t offset = 0;
    uint8_t register_number = 0;
};

struct CfaRule {
    uint8_t register_number = register_rsp;
    int64_t offset = 8;
    bool is_expression = false; // DW_CFA_def_cfa_expression (PLT stubs): step() cannot compute it
};

struct UnwindRow {
    uint64_t function_start = 0, function_end = 0; // the FDE's range [start, end)
    CfaRule cfa;
    RegisterRule registers[register_count];
    uint8_t return_address_register = register_return_address;
    // CIE augmentation 'S': this is a signal/interrupt frame, so the pc that step() computes from it is
    // the interrupted instruction itself, not a return address (look its caller's row up without -1).
    bool signal_frame = false;
};

class CallFrameInfo {
public:
    CallFrameInfo() = default;

    // `eh_frame` is the .eh_frame section's bytes and load address; `eh_frame_hdr` likewise (may be
    // empty: then FDEs are found by a linear scan). Validates the header (version 1, encodings, the
    // eh_frame pointer matching `eh_frame_address`, the table inside the section); individual CIEs/FDEs
    // are validated when used. A header without a binary-search table (count or table encoding
    // DW_EH_PE_omit, or a variable-size table encoding) falls back to the linear scan.
    static ktl::ErrorOr<CallFrameInfo> create(ktl::ByteReader eh_frame, uint64_t eh_frame_address,
                                              ktl::ByteReader eh_frame_hdr = {},
                                              uint64_t eh_frame_hdr_address = 0);

    // The rules in force at `pc` (for a return address, pass the address minus 1 unless the callee's
    // row had signal_frame). NoEntry if no FDE covers it, InvalidArgument if the CFI is malformed,
    // NotSupported for valid but unsupported encodings (DW_EH_PE_indirect, textrel, datarel outside the
    // header, augmentations without 'z' that we do not know).
    ktl::ErrorOr<UnwindRow> row_for(uint64_t pc) const;

    bool has_search_table() const { return m_table_entry_size != 0; }
    uint64_t search_table_size() const { return m_table_count; }

private:
    ktl::ByteReader m_eh_frame;
    uint64_t m_eh_frame_address = 0;
    ktl::ByteReader m_eh_frame_hdr;
    uint64_t m_eh_frame_hdr_address = 0;
    size_t m_table_offset = 0;     // of the first search-table entry inside the header
    size_t m_table_entry_size = 0; // 0: no usable table, scan linearly
    uint64_t m_table_count = 0;
    uint8_t m_table_encoding = 0;
};

struct RegisterSet {
    uint64_t values[register_count] = {};
    bool known[register_count] = {};
};

// Memory reads during unwinding go through this so the kernel can refuse unmapped addresses.
using MemoryReader = bool (*)(uint64_t address, uint64_t& value, void* context);

// Computes the caller's registers from `registers` (which must hold the pc in [16] and the registers
// the CFA rule needs) using `row`. On success registers[16] is the return address, [7] the caller's
// rsp (= CFA, unless the row has its own rule for rsp, as an interrupt frame's CFI does); other
// registers whose rule is Undefined or Unsupported become unknown. BadAddress when a read
// is refused, InvalidArgument for unsupported rules needed for the result (a CFA expression, an
// unknown CFA register, an Unsupported return-address rule), NoEntry when the return address is
// Undefined (the outermost frame, e.g. _start).
ktl::ErrorOr<void> step(const UnwindRow& row, RegisterSet& registers, MemoryReader read, void* context);

} // namespace dwarf
