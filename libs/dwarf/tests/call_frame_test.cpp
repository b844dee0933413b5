// Tests for dwarf::CallFrameInfo and dwarf::step: rows compared with readelf's on fixture binaries from
// several compilers, a live unwind of this test's own stack, every CFA instruction and pointer
// encoding on hand-built tables, and hostile input (truncations, random corruption, loops, overflows).
#include "dwarf/call_frame.h"
#include "elf/elf_file.h"

#include <algorithm>
#include <alloca.h>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <link.h>
#include <map>
#include <memory>
#include <pthread.h>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using dwarf::CallFrameInfo;
using dwarf::RegisterRule;
using dwarf::RegisterSet;
using dwarf::RuleKind;
using dwarf::UnwindRow;
using ktl::Errno;

// --- The live-unwind chain: outermost -> alloca -> saves_registers -> innermost, which captures its
// registers and calls back into the test while all four frames are still on the stack. Some are
// optimised without a frame pointer (GCC only: clang ignores the attribute) so the CFA rules differ.
namespace {
struct CapturedRegisters {
    uint64_t pc, rsp, rbp, rbx, r12, r13, r14, r15;
};
volatile int live_sink = 0;
void (*live_callback)(const CapturedRegisters&) = nullptr;
uint64_t live_alloca_frame = 0, live_outermost_frame = 0;
} // namespace

#if defined(__clang__)
#define LIVE_NOIPA __attribute__((noinline))
#define LIVE_OPTIMIZED
#define LIVE_FRAME_POINTER
#else
#define LIVE_NOIPA __attribute__((noinline, noipa))
#define LIVE_OPTIMIZED __attribute__((optimize("O2", "omit-frame-pointer")))
#define LIVE_FRAME_POINTER __attribute__((optimize("no-omit-frame-pointer")))
#endif

extern "C" LIVE_NOIPA LIVE_OPTIMIZED int cfi_live_innermost(int value) {
    CapturedRegisters registers;
    asm volatile("lea 1f(%%rip), %%rax\n\t"
                 "mov %%rax, 0(%0)\n\t"
                 "mov %%rsp, 8(%0)\n\t"
                 "mov %%rbp, 16(%0)\n\t"
                 "mov %%rbx, 24(%0)\n\t"
                 "mov %%r12, 32(%0)\n\t"
                 "mov %%r13, 40(%0)\n\t"
                 "mov %%r14, 48(%0)\n\t"
                 "mov %%r15, 56(%0)\n\t"
                 "1:\n\t"
                 :
                 : "r"(&registers)
                 : "rax", "memory");
    live_callback(registers);
    return live_sink + value;
}

// Keeps values live across the call, so optimised code saves callee-saved registers.
extern "C" LIVE_NOIPA LIVE_OPTIMIZED int cfi_live_saves_registers(int a, int b) {
    int x = live_sink * a, y = live_sink + b, z = live_sink ^ a, w = live_sink - b;
    int result = cfi_live_innermost(x + 1);
    return result + x * y + z * w + live_sink;
}

// A variable-size frame: its CFA is based on rbp.
extern "C" LIVE_NOIPA LIVE_FRAME_POINTER int cfi_live_alloca(int size) {
    char* buffer = static_cast<char*>(alloca(static_cast<size_t>(size)));
    memset(buffer, 1, static_cast<size_t>(size));
    live_alloca_frame = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
    int result = cfi_live_saves_registers(buffer[0], size);
    asm volatile("" ::: "memory");
    return result + buffer[size - 1];
}

extern "C" LIVE_NOIPA LIVE_FRAME_POINTER int cfi_live_outermost() {
    live_outermost_frame = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
    int result = cfi_live_alloca(64 + live_sink);
    asm volatile("" ::: "memory");
    return result + 1;
}

namespace {

// DW_CFA_* opcodes for the hand-built tables.
enum : uint8_t {
    cfa_nop = 0x00,
    cfa_set_loc = 0x01,
    cfa_advance_loc1 = 0x02,
    cfa_advance_loc2 = 0x03,
    cfa_advance_loc4 = 0x04,
    cfa_offset_extended = 0x05,
    cfa_restore_extended = 0x06,
    cfa_undefined = 0x07,
    cfa_same_value = 0x08,
    cfa_register = 0x09,
    cfa_remember_state = 0x0a,
    cfa_restore_state = 0x0b,
    cfa_def_cfa = 0x0c,
    cfa_def_cfa_register = 0x0d,
    cfa_def_cfa_offset = 0x0e,
    cfa_def_cfa_expression = 0x0f,
    cfa_expression = 0x10,
    cfa_offset_extended_sf = 0x11,
    cfa_def_cfa_sf = 0x12,
    cfa_def_cfa_offset_sf = 0x13,
    cfa_val_offset = 0x14,
    cfa_val_offset_sf = 0x15,
    cfa_val_expression = 0x16,
    cfa_gnu_args_size = 0x2e,
    cfa_gnu_negative_offset_extended = 0x2f,
    cfa_advance_loc = 0x40,
    cfa_offset = 0x80,
    cfa_restore = 0xc0,
};

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream stream(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(stream), {});
}

// Bytes in an allocation of exactly their size, so the address sanitizer catches a read one past them.
class ExactBuffer {
public:
    ExactBuffer(const uint8_t* bytes, size_t size) : m_data(new uint8_t[size]), m_size(size) {
        if (size > 0)
            memcpy(m_data.get(), bytes, size);
    }
    uint8_t* data() { return m_data.get(); }
    size_t size() const { return m_size; }
    ktl::ByteReader reader() const { return ktl::ByteReader(m_data.get(), m_size); }

private:
    std::unique_ptr<uint8_t[]> m_data;
    size_t m_size;
};

struct Binary {
    std::vector<uint8_t> bytes;
    elf::Section text, eh_frame, eh_frame_hdr;
};

std::unique_ptr<Binary> load_binary(const std::string& path) {
    auto binary = std::make_unique<Binary>();
    binary->bytes = read_file(path);
    auto elf = elf::ElfFile::parse(ktl::ByteReader(binary->bytes.data(), binary->bytes.size()));
    if (elf.is_error())
        return nullptr;
    auto text = elf.value().section_by_name(".text");
    auto eh_frame = elf.value().section_by_name(".eh_frame");
    auto eh_frame_hdr = elf.value().section_by_name(".eh_frame_hdr");
    if (text.is_error() || eh_frame.is_error() || eh_frame_hdr.is_error())
        return nullptr;
    binary->text = text.value();
    binary->eh_frame = eh_frame.value();
    binary->eh_frame_hdr = eh_frame_hdr.value();
    return binary;
}

CallFrameInfo must_create(ktl::ByteReader eh_frame, uint64_t address, ktl::ByteReader hdr = {},
                          uint64_t hdr_address = 0) {
    auto info = CallFrameInfo::create(eh_frame, address, hdr, hdr_address);
    EXPECT_FALSE(info.is_error()) << info.error().name();
    return info.is_error() ? CallFrameInfo() : info.value();
}

bool same_row(const UnwindRow& a, const UnwindRow& b) {
    if (a.function_start != b.function_start || a.function_end != b.function_end ||
        a.cfa.register_number != b.cfa.register_number || a.cfa.offset != b.cfa.offset ||
        a.cfa.is_expression != b.cfa.is_expression ||
        a.return_address_register != b.return_address_register || a.signal_frame != b.signal_frame)
        return false;
    for (int reg = 0; reg < dwarf::register_count; ++reg)
        if (a.registers[reg].kind != b.registers[reg].kind ||
            a.registers[reg].offset != b.registers[reg].offset ||
            a.registers[reg].register_number != b.registers[reg].register_number)
            return false;
    return true;
}

// ---------------------------------------------------------------------------------------------------
// The readelf oracle: `readelf --debug-dump=frames-interp` prints, per FDE, a table with one line per
// row start: the CFA ("rsp+8", "exp") and a column per register ("u" default/undefined, "s" same
// value, "c-16" saved at CFA-16, "v+8" value CFA+8, "r2 (rcx)" in a register, "exp" an expression).

struct OracleRow {
    uint64_t address = 0;
    std::string cfa;
    std::map<int, std::string> rules; // DWARF register number -> readelf's text
};

struct OracleFde {
    uint64_t start = 0, end = 0, cie = 0;
    std::vector<OracleRow> rows;
};

int register_by_name(const std::string& name) {
    static const char* const names[] = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
                                        "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "ra"};
    for (int i = 0; i < dwarf::register_count; ++i)
        if (name == names[i])
            return i;
    return name == "rip" ? 16 : -1;
}

std::vector<std::string> split_fields(const std::string& line) {
    std::istringstream stream(line);
    std::vector<std::string> fields;
    for (std::string field; stream >> field;) {
        if (field[0] == '(' && !fields.empty())
            fields.back() += " " + field; // "r2 (rcx)" is one column
        else
            fields.push_back(field);
    }
    return fields;
}

bool is_hex_address(const std::string& text) {
    return text.size() == 16 && std::all_of(text.begin(), text.end(), [](char c) { return isxdigit(c); });
}

std::vector<OracleFde> parse_readelf(const std::string& text, size_t& fdes_without_rows) {
    std::vector<OracleFde> fdes;
    std::map<uint64_t, OracleRow> cie_rows;
    std::vector<int> columns;
    enum { None, InCie, InFde } state = None;
    uint64_t cie_offset = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        auto fields = split_fields(line);
        if (fields.empty())
            continue;
        if (fields.size() >= 4 && fields[3] == "CIE") {
            state = InCie;
            cie_offset = std::stoull(fields[0], nullptr, 16);
            columns.clear();
        } else if (fields.size() >= 6 && fields[3] == "FDE") {
            OracleFde fde;
            fde.cie = std::stoull(fields[4].substr(4), nullptr, 16);
            auto range = fields[5].substr(3);
            fde.start = std::stoull(range.substr(0, range.find("..")), nullptr, 16);
            fde.end = std::stoull(range.substr(range.find("..") + 2), nullptr, 16);
            fdes.push_back(fde);
            state = InFde;
            columns.clear();
        } else if (fields[0] == "LOC") {
            columns.clear();
            for (size_t i = 2; i < fields.size(); ++i)
                columns.push_back(register_by_name(fields[i]));
        } else if (is_hex_address(fields[0]) && state != None && fields.size() == columns.size() + 2) {
            OracleRow row;
            row.address = std::stoull(fields[0], nullptr, 16);
            row.cfa = fields[1];
            for (size_t i = 0; i < columns.size(); ++i)
                if (columns[i] >= 0)
                    row.rules[columns[i]] = fields[i + 2];
            if (state == InCie)
                cie_rows.emplace(cie_offset, row);
            else
                fdes.back().rows.push_back(row);
        } else {
            state = fields.size() > 1 && fields[1] == "ZERO" ? None : state;
        }
    }
    // An FDE without instructions gets no table: its only row is the CIE's.
    fdes_without_rows = 0;
    for (auto& fde : fdes) {
        if (!fde.rows.empty())
            continue;
        auto cie_row = cie_rows.find(fde.cie);
        if (cie_row == cie_rows.end()) {
            ++fdes_without_rows;
            continue;
        }
        fde.rows.push_back(cie_row->second);
        fde.rows.back().address = fde.start;
    }
    return fdes;
}

bool parse_signed(const std::string& text, int64_t& value) {
    if (text.empty() || (text[0] != '+' && text[0] != '-'))
        return false;
    char* end = nullptr;
    value = std::strtoll(text.c_str(), &end, 10);
    return *end == '\0';
}

std::string describe(const RegisterRule& rule) {
    static const char* const kinds[] = {"Undefined",   "SameValue", "Offset",
                                        "ValueOffset", "Register",  "Unsupported"};
    return std::string(kinds[static_cast<int>(rule.kind)]) + "(" + std::to_string(rule.offset) + ", r" +
           std::to_string(rule.register_number) + ")";
}

bool rule_matches(const std::string& text, const RegisterRule& rule) {
    int64_t value = 0;
    if (text == "u")
        return rule.kind == RuleKind::Undefined || rule.kind == RuleKind::SameValue; // default or undefined
    if (text == "s")
        return rule.kind == RuleKind::SameValue;
    if (text == "exp" || text == "vexp")
        return rule.kind == RuleKind::Unsupported;
    if (text[0] == 'c' && parse_signed(text.substr(1), value))
        return rule.kind == RuleKind::Offset && rule.offset == value;
    if (text[0] == 'v' && parse_signed(text.substr(1), value))
        return rule.kind == RuleKind::ValueOffset && rule.offset == value;
    if (text[0] == 'r') {
        int reg = std::atoi(text.c_str() + 1);
        if (reg >= dwarf::register_count)
            return rule.kind == RuleKind::Unsupported;
        return rule.kind == RuleKind::Register && rule.register_number == reg;
    }
    return false;
}

bool cfa_matches(const std::string& text, const dwarf::CfaRule& cfa) {
    if (text == "exp")
        return cfa.is_expression;
    size_t sign = text.find_first_of("+-");
    int64_t offset = 0;
    if (sign == std::string::npos || !parse_signed(text.substr(sign), offset))
        return false;
    return !cfa.is_expression && cfa.register_number == register_by_name(text.substr(0, sign)) &&
           cfa.offset == offset;
}

struct OracleCounts {
    size_t fdes = 0, rows = 0, addresses = 0, no_entry = 0, scanned = 0;
};

// Our row at `address` must be readelf's `expected` (all 17 columns: an unlisted one is the default).
void check_row(const CallFrameInfo& info, const OracleFde& fde, const OracleRow& expected, uint64_t address,
               const std::string& where) {
    auto row = info.row_for(address);
    ASSERT_FALSE(row.is_error()) << where << " at " << std::hex << address << ": " << row.error().name();
    EXPECT_EQ(row.value().function_start, fde.start) << where;
    EXPECT_EQ(row.value().function_end, fde.end) << where;
    EXPECT_TRUE(cfa_matches(expected.cfa, row.value().cfa))
        << where << " at " << std::hex << address << ": CFA " << expected.cfa << " vs r" << std::dec
        << int(row.value().cfa.register_number) << "+" << row.value().cfa.offset
        << (row.value().cfa.is_expression ? " (expression)" : "");
    for (int reg = 0; reg < dwarf::register_count; ++reg) {
        auto rule = expected.rules.find(reg);
        const RegisterRule& ours = row.value().registers[reg];
        if (rule == expected.rules.end()) {
            EXPECT_EQ(ours.kind, RuleKind::SameValue)
                << where << " at " << std::hex << address << " r" << std::dec << reg;
            continue;
        }
        EXPECT_TRUE(rule_matches(rule->second, ours))
            << where << " at " << std::hex << address << " r" << std::dec << reg << ": " << rule->second
            << " vs " << describe(ours);
    }
}

void check_against_readelf(const std::string& name, size_t scan_stride) {
    std::string base = std::string(BLOG_OS_CALL_FRAME_FIXTURES) + "/" + name;
    auto binary = load_binary(base);
    std::ifstream frames_file(base + ".frames.txt");
    if (!binary || !frames_file)
        GTEST_SKIP() << "fixture " << base << " was not built (compiler or readelf missing)";
    std::string text((std::istreambuf_iterator<char>(frames_file)), {});
    size_t fdes_without_rows = 0;
    auto fdes = parse_readelf(text, fdes_without_rows);
    ASSERT_GT(fdes.size(), 10u);
    EXPECT_EQ(fdes_without_rows, 0u);

    auto info = must_create(binary->eh_frame.bytes, binary->eh_frame.address, binary->eh_frame_hdr.bytes,
                            binary->eh_frame_hdr.address);
    ASSERT_TRUE(info.has_search_table());
    EXPECT_EQ(info.search_table_size(), fdes.size());
    auto scan = must_create(binary->eh_frame.bytes, binary->eh_frame.address);
    ASSERT_FALSE(scan.has_search_table());

    OracleCounts counts;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& fde : fdes) {
        ++counts.fdes;
        ranges.emplace_back(fde.start, fde.end);
        for (size_t i = 0; i < fde.rows.size(); ++i) {
            uint64_t start = fde.rows[i].address;
            uint64_t next = i + 1 < fde.rows.size() ? fde.rows[i + 1].address : fde.end;
            if (next <= start || start >= fde.end)
                continue; // replaced by a row at the same address
            ++counts.rows;
            // The row start, its middle and its last byte.
            std::vector<uint64_t> addresses = {start};
            if (next - start > 2)
                addresses.push_back(start + (next - start) / 2);
            if (next - start > 1)
                addresses.push_back(next - 1);
            for (uint64_t address : addresses) {
                check_row(info, fde, fde.rows[i], address, name);
                if (::testing::Test::HasFatalFailure())
                    return;
                ++counts.addresses;
                if (counts.addresses % scan_stride == 0) {
                    auto by_table = info.row_for(address), by_scan = scan.row_for(address);
                    ASSERT_FALSE(by_scan.is_error()) << name << " scan at " << std::hex << address;
                    EXPECT_TRUE(same_row(by_table.value(), by_scan.value())) << name << std::hex << address;
                    ++counts.scanned;
                }
            }
        }
    }

    // Just outside every FDE, where no other FDE covers the address: NoEntry.
    std::sort(ranges.begin(), ranges.end());
    auto covered = [&](uint64_t address) {
        auto after = std::upper_bound(ranges.begin(), ranges.end(), std::make_pair(address, UINT64_MAX));
        return after != ranges.begin() && address < std::prev(after)->second;
    };
    std::vector<uint64_t> outside = {0, 1, UINT64_MAX};
    for (const auto& range : ranges) {
        outside.push_back(range.second);
        outside.push_back(range.first - 1);
    }
    for (uint64_t address : outside) {
        if (covered(address))
            continue;
        auto row = info.row_for(address);
        ASSERT_TRUE(row.is_error()) << name << " " << std::hex << address;
        EXPECT_EQ(row.error().code(), Errno::NoEntry) << name << " " << std::hex << address;
        if (counts.no_entry % scan_stride == 0) {
            auto scanned = scan.row_for(address);
            ASSERT_TRUE(scanned.is_error());
            EXPECT_EQ(scanned.error().code(), Errno::NoEntry);
        }
        ++counts.no_entry;
    }
    printf("[ oracle   ] %s: %zu FDEs, %zu rows, %zu addresses compared with readelf, %zu NoEntry, %zu also "
           "by linear scan\n",
           name.c_str(), counts.fdes, counts.rows, counts.addresses, counts.no_entry, counts.scanned);
    EXPECT_GT(counts.addresses, 100u);
}

TEST(CallFrameOracle, GccO0) {
    check_against_readelf("gcc_O0", 1);
}
TEST(CallFrameOracle, GccO2OmitFramePointer) {
    check_against_readelf("gcc_O2", 1);
}
TEST(CallFrameOracle, ClangO0) {
    check_against_readelf("clang_O0", 1);
}
TEST(CallFrameOracle, ClangO2) {
    check_against_readelf("clang_O2", 1);
}
// Static glibc: hand-written assembly with signal frames, register rules, expressions, remember_state.
TEST(CallFrameOracle, GccStaticGlibc) {
    check_against_readelf("gcc_static", 97);
}

TEST(CallFrameOracle, StaticGlibcHasASignalFrame) {
    auto binary = load_binary(std::string(BLOG_OS_CALL_FRAME_FIXTURES) + "/gcc_static");
    if (!binary)
        GTEST_SKIP() << "no static fixture";
    std::ifstream frames_file(std::string(BLOG_OS_CALL_FRAME_FIXTURES) + "/gcc_static.frames.txt");
    std::string text((std::istreambuf_iterator<char>(frames_file)), {});
    // The FDE right after the "zRS" CIE is __restore_rt's.
    size_t cie = text.find("CIE \"zRS\"");
    ASSERT_NE(cie, std::string::npos);
    size_t pc = text.find("pc=", cie);
    uint64_t start = std::stoull(text.substr(pc + 3, 16), nullptr, 16);
    auto info = must_create(binary->eh_frame.bytes, binary->eh_frame.address, binary->eh_frame_hdr.bytes,
                            binary->eh_frame_hdr.address);
    auto row = info.row_for(start);
    ASSERT_FALSE(row.is_error());
    EXPECT_TRUE(row.value().signal_frame);
    EXPECT_TRUE(row.value().cfa.is_expression);
}

// ---------------------------------------------------------------------------------------------------
// Live unwind of this test's own stack.

struct StackBounds {
    uint64_t low = 0, high = 0;
    int reads = 0;
};

bool read_stack(uint64_t address, uint64_t& value, void* context) {
    auto* bounds = static_cast<StackBounds*>(context);
    if (address < bounds->low || address > bounds->high - 8 || (address & 7) != 0)
        return false;
    memcpy(&value, reinterpret_cast<const void*>(address), sizeof value);
    ++bounds->reads;
    return true;
}

uint64_t load_bias() {
    uint64_t bias = 0;
    // The first object reported is the executable itself.
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
            *static_cast<uint64_t*>(data) = info->dlpi_addr;
            return 1;
        },
        &bias);
    return bias;
}

struct LiveUnwind {
    const CallFrameInfo* info = nullptr;
    uint64_t bias = 0;
    bool ran = false;
};
LiveUnwind live;

void unwind_live_stack(const CapturedRegisters& captured) {
    live.ran = true;
    pthread_attr_t attributes;
    void* stack_base = nullptr;
    size_t stack_size = 0;
    ASSERT_EQ(pthread_getattr_np(pthread_self(), &attributes), 0);
    ASSERT_EQ(pthread_attr_getstack(&attributes, &stack_base, &stack_size), 0);
    pthread_attr_destroy(&attributes);
    StackBounds bounds{captured.rsp, reinterpret_cast<uint64_t>(stack_base) + stack_size};
    ASSERT_LT(bounds.low, bounds.high);

    RegisterSet registers;
    auto set = [&](int reg, uint64_t value) {
        registers.values[reg] = value;
        registers.known[reg] = true;
    };
    set(16, captured.pc);
    set(7, captured.rsp);
    set(6, captured.rbp);
    set(3, captured.rbx);
    set(12, captured.r12);
    set(13, captured.r13);
    set(14, captured.r14);
    set(15, captured.r15);

    const uint64_t functions[] = {reinterpret_cast<uint64_t>(&cfi_live_innermost),
                                  reinterpret_cast<uint64_t>(&cfi_live_saves_registers),
                                  reinterpret_cast<uint64_t>(&cfi_live_alloca),
                                  reinterpret_cast<uint64_t>(&cfi_live_outermost)};
    bool exact_pc = true; // the captured pc is a label, not a return address
    for (int level = 0; level < 3; ++level) {
        uint64_t lookup = registers.values[16] - (exact_pc ? 0 : 1) - live.bias;
        auto row = live.info->row_for(lookup);
        ASSERT_FALSE(row.is_error()) << "level " << level << ": " << row.error().name();
        EXPECT_EQ(row.value().function_start + live.bias, functions[level]) << "level " << level;
        uint64_t callee_rsp = registers.values[7];
        auto stepped = dwarf::step(row.value(), registers, read_stack, &bounds);
        ASSERT_FALSE(stepped.is_error()) << "level " << level << ": " << stepped.error().name();
        EXPECT_GT(registers.values[7], callee_rsp) << "level " << level;
        // The return address lies inside the caller, after its start.
        uint64_t return_address = registers.values[16];
        auto caller = live.info->row_for(return_address - 1 - live.bias);
        ASSERT_FALSE(caller.is_error()) << "level " << level;
        EXPECT_EQ(caller.value().function_start + live.bias, functions[level + 1]) << "level " << level;
        EXPECT_GT(return_address, functions[level + 1]);
        EXPECT_LE(return_address, caller.value().function_end + live.bias);
        exact_pc = row.value().signal_frame;
#if !defined(__clang__)
        // The frame pointers of the frames that keep one come back through the saved slots.
        if (level == 1) {
            EXPECT_EQ(registers.values[6], live_alloca_frame);
        }
        if (level == 2) {
            EXPECT_EQ(registers.values[6], live_outermost_frame);
        }
#endif
    }
    EXPECT_GE(bounds.reads, 3);
}

TEST(CallFrameLive, UnwindsItsOwnStackThroughFourFunctions) {
    auto binary = load_binary("/proc/self/exe");
    ASSERT_TRUE(binary);
    auto info = must_create(binary->eh_frame.bytes, binary->eh_frame.address, binary->eh_frame_hdr.bytes,
                            binary->eh_frame_hdr.address);
    live.info = &info;
    live.bias = load_bias();
    live.ran = false;
    live_callback = unwind_live_stack;
    EXPECT_NE(cfi_live_outermost(), 0x7fffffff);
    EXPECT_TRUE(live.ran);
}

// ---------------------------------------------------------------------------------------------------
// Hand-built tables.

void put_uleb(std::vector<uint8_t>& out, uint64_t value) {
    do {
        uint8_t byte = value & 0x7f;
        value >>= 7;
        out.push_back(static_cast<uint8_t>(byte | (value ? 0x80 : 0)));
    } while (value);
}

void put_sleb(std::vector<uint8_t>& out, int64_t value) {
    for (;;) {
        uint8_t byte = value & 0x7f;
        value >>= 7;
        bool done = (value == 0 && !(byte & 0x40)) || (value == -1 && (byte & 0x40));
        out.push_back(static_cast<uint8_t>(byte | (done ? 0 : 0x80)));
        if (done)
            return;
    }
}

template <typename T>
void put(std::vector<uint8_t>& out, T value) {
    for (size_t i = 0; i < sizeof(T); ++i)
        out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i)));
}

// Instructions built from pieces: bytes, ULEB128 and SLEB128 operands.
struct Ops {
    std::vector<uint8_t> bytes;
    Ops& op(uint8_t value) {
        bytes.push_back(value);
        return *this;
    }
    Ops& u(uint64_t value) {
        put_uleb(bytes, value);
        return *this;
    }
    Ops& s(int64_t value) {
        put_sleb(bytes, value);
        return *this;
    }
    template <typename T>
    Ops& raw(T value) {
        put(bytes, value);
        return *this;
    }
};

// The usual x86-64 CIE program: CFA = rsp+8, return address at CFA-8.
std::vector<uint8_t> standard_cie_program() {
    return Ops().op(cfa_def_cfa).u(7).u(8).op(cfa_offset | 16).u(1).bytes;
}

struct CieSpec {
    uint8_t version = 1;
    std::string augmentation = "zR";
    std::vector<uint8_t> augmentation_data = {0x1b}; // pcrel | sdata4
    uint64_t code_alignment = 1;
    int64_t data_alignment = -8;
    uint64_t return_address_register = 16;
    std::vector<uint8_t> instructions = standard_cie_program();
    bool dwarf64 = false;
};

struct FdeSpec {
    uint64_t pc_begin = 0x1000;
    uint64_t pc_range = 0x100;
    std::vector<uint8_t> instructions;
    uint8_t encoding = 0x1b; // must match the CIE's 'R'
    bool has_augmentation = true;
    std::vector<uint8_t> augmentation_data;
    bool dwarf64 = false;
    bool override_cie_pointer = false;
    uint32_t cie_pointer = 0;
};

class EhFrameBuilder {
public:
    explicit EhFrameBuilder(uint64_t address = 0x200000) : m_address(address) {}

    size_t cie(const CieSpec& spec = {}) {
        std::vector<uint8_t> body;
        put<uint8_t>(body, spec.version);
        body.insert(body.end(), spec.augmentation.begin(), spec.augmentation.end());
        body.push_back(0);
        put_uleb(body, spec.code_alignment);
        put_sleb(body, spec.data_alignment);
        if (spec.version == 1)
            body.push_back(static_cast<uint8_t>(spec.return_address_register));
        else
            put_uleb(body, spec.return_address_register);
        if (!spec.augmentation.empty() && spec.augmentation[0] == 'z') {
            put_uleb(body, spec.augmentation_data.size());
            body.insert(body.end(), spec.augmentation_data.begin(), spec.augmentation_data.end());
        }
        body.insert(body.end(), spec.instructions.begin(), spec.instructions.end());
        return entry(0, body, spec.dwarf64, false);
    }

    size_t fde(size_t cie_offset, const FdeSpec& spec = {}) {
        size_t offset = bytes.size();
        size_t id_offset = offset + (spec.dwarf64 ? 12 : 4);
        uint64_t body_address = m_address + id_offset + 4;
        std::vector<uint8_t> body;
        encode(body, spec.encoding, spec.pc_begin, body_address);
        encode(body, spec.encoding & 0x0f, spec.pc_range, 0);
        if (spec.has_augmentation) {
            put_uleb(body, spec.augmentation_data.size());
            body.insert(body.end(), spec.augmentation_data.begin(), spec.augmentation_data.end());
        }
        body.insert(body.end(), spec.instructions.begin(), spec.instructions.end());
        uint32_t pointer =
            spec.override_cie_pointer ? spec.cie_pointer : static_cast<uint32_t>(id_offset - cie_offset);
        return entry(pointer, body, spec.dwarf64, true);
    }

    void terminator() { put<uint32_t>(bytes, 0); }
    uint64_t address() const { return m_address; }
    ktl::ByteReader reader() const { return ktl::ByteReader(bytes.data(), bytes.size()); }
    CallFrameInfo info() const { return must_create(reader(), m_address); }

    std::vector<uint8_t> bytes;

private:
    // Writes a pointer in `encoding` as if it were at `address` (for pcrel and aligned).
    void encode(std::vector<uint8_t>& out, uint8_t encoding, uint64_t value, uint64_t address) {
        if ((encoding & 0x70) == 0x10)
            value -= address;
        if ((encoding & 0x70) == 0x50)
            while ((address & 7) != 0) {
                out.push_back(0);
                ++address;
            }
        switch (encoding & 0x0f) {
        case 0x00:
        case 0x04:
        case 0x08:
        case 0x0c:
            put<uint64_t>(out, value);
            break;
        case 0x01:
            put_uleb(out, value);
            break;
        case 0x02:
        case 0x0a:
            put<uint16_t>(out, static_cast<uint16_t>(value));
            break;
        case 0x03:
        case 0x0b:
            put<uint32_t>(out, static_cast<uint32_t>(value));
            break;
        case 0x09:
            put_sleb(out, static_cast<int64_t>(value));
            break;
        }
    }

    size_t entry(uint32_t id, const std::vector<uint8_t>& body, bool dwarf64, bool) {
        size_t offset = bytes.size();
        if (dwarf64) {
            put<uint32_t>(bytes, 0xffffffff);
            put<uint64_t>(bytes, body.size() + 4);
        } else {
            put<uint32_t>(bytes, static_cast<uint32_t>(body.size() + 4));
        }
        put<uint32_t>(bytes, id);
        bytes.insert(bytes.end(), body.begin(), body.end());
        return offset;
    }

    uint64_t m_address;
};

// A one-CIE, one-FDE table covering [0x1000, 0x1100) with `program` as the FDE's instructions.
struct Simple {
    EhFrameBuilder builder;
    CallFrameInfo info;
    explicit Simple(const std::vector<uint8_t>& program, CieSpec cie_spec = {}) {
        size_t cie = builder.cie(cie_spec);
        FdeSpec fde;
        fde.instructions = program;
        builder.fde(cie, fde);
        builder.terminator();
        info = builder.info();
    }
    UnwindRow row(uint64_t pc) const {
        auto row = info.row_for(pc);
        EXPECT_FALSE(row.is_error()) << std::hex << pc << ": " << row.error().name();
        return row.is_error() ? UnwindRow{} : row.value();
    }
    Errno error(uint64_t pc) const {
        auto row = info.row_for(pc);
        EXPECT_TRUE(row.is_error()) << std::hex << pc;
        return row.is_error() ? row.error().code() : Errno::NotPermitted;
    }
};

void expect_rule(const RegisterRule& rule, RuleKind kind, int64_t offset = 0, uint8_t reg = 0) {
    EXPECT_EQ(rule.kind, kind) << describe(rule);
    if (kind == RuleKind::Offset || kind == RuleKind::ValueOffset) {
        EXPECT_EQ(rule.offset, offset) << describe(rule);
    }
    if (kind == RuleKind::Register) {
        EXPECT_EQ(rule.register_number, reg) << describe(rule);
    }
}

TEST(CallFrameInstructions, TypicalPrologueAndEpilogue) {
    // push rbp; mov rbp, rsp; ...; pop rbp; ret
    Simple table(Ops()
                     .op(cfa_advance_loc | 1)
                     .op(cfa_def_cfa_offset)
                     .u(16)
                     .op(cfa_offset | 6)
                     .u(2)
                     .op(cfa_advance_loc | 3)
                     .op(cfa_def_cfa_register)
                     .u(6)
                     .op(cfa_advance_loc1)
                     .raw<uint8_t>(0x40)
                     .op(cfa_def_cfa)
                     .u(7)
                     .u(8)
                     .bytes);
    auto entry = table.row(0x1000);
    EXPECT_EQ(entry.function_start, 0x1000u);
    EXPECT_EQ(entry.function_end, 0x1100u);
    EXPECT_EQ(entry.cfa.register_number, 7);
    EXPECT_EQ(entry.cfa.offset, 8);
    expect_rule(entry.registers[16], RuleKind::Offset, -8);
    expect_rule(entry.registers[6], RuleKind::SameValue);
    EXPECT_FALSE(entry.signal_frame);

    auto pushed = table.row(0x1001);
    EXPECT_EQ(pushed.cfa.offset, 16);
    expect_rule(pushed.registers[6], RuleKind::Offset, -16);
    EXPECT_EQ(table.row(0x1003).cfa.register_number, 7);
    auto framed = table.row(0x1004);
    EXPECT_EQ(framed.cfa.register_number, 6);
    EXPECT_EQ(framed.cfa.offset, 16);
    EXPECT_EQ(table.row(0x1043).cfa.register_number, 6);
    auto after = table.row(0x1044);
    EXPECT_EQ(after.cfa.register_number, 7);
    EXPECT_EQ(after.cfa.offset, 8);
    EXPECT_EQ(table.row(0x10ff).cfa.offset, 8);

    EXPECT_EQ(table.error(0xfff), Errno::NoEntry);
    EXPECT_EQ(table.error(0x1100), Errno::NoEntry);
    EXPECT_EQ(table.error(0), Errno::NoEntry);
}

TEST(CallFrameInstructions, ExtendedAndSignedForms) {
    Simple table(Ops()
                     .op(cfa_offset_extended)
                     .u(3)
                     .u(2) // rbx at CFA-16
                     .op(cfa_offset_extended_sf)
                     .u(12)
                     .s(3) // r12 at CFA-24
                     .op(cfa_offset_extended_sf)
                     .u(13)
                     .s(-1) // r13 at CFA+8
                     .op(cfa_val_offset)
                     .u(14)
                     .u(4) // r14 = CFA-32
                     .op(cfa_val_offset_sf)
                     .u(15)
                     .s(-2) // r15 = CFA+16
                     .op(cfa_register)
                     .u(6)
                     .u(2) // rbp in rcx
                     .op(cfa_gnu_negative_offset_extended)
                     .u(5)
                     .u(1) // rdi at CFA+8
                     .op(cfa_undefined)
                     .u(0)
                     .op(cfa_same_value)
                     .u(1)
                     .op(cfa_expression)
                     .u(4)
                     .u(2)
                     .op(0x77)
                     .op(0x00) // rsi: DW_OP_breg7 0
                     .op(cfa_val_expression)
                     .u(8)
                     .u(1)
                     .op(0x30) // r8: DW_OP_lit0
                     .op(cfa_gnu_args_size)
                     .u(32)
                     .op(cfa_nop)
                     .op(cfa_offset_extended)
                     .u(33)
                     .u(5) // xmm16: parsed, not tracked
                     .op(cfa_register)
                     .u(9)
                     .u(20) // r9 in xmm3: not trackable
                     .op(cfa_def_cfa_sf)
                     .u(6)
                     .s(-4) // CFA = rbp+32
                     .op(cfa_advance_loc | 8)
                     .op(cfa_def_cfa_offset_sf)
                     .s(-6) // CFA = rbp+48
                     .op(cfa_advance_loc | 8)
                     .op(cfa_restore_extended)
                     .u(3)
                     .op(cfa_restore | 12)
                     .op(cfa_restore | 16)
                     .bytes);
    auto row = table.row(0x1000);
    expect_rule(row.registers[3], RuleKind::Offset, -16);
    expect_rule(row.registers[12], RuleKind::Offset, -24);
    expect_rule(row.registers[13], RuleKind::Offset, 8);
    expect_rule(row.registers[14], RuleKind::ValueOffset, -32);
    expect_rule(row.registers[15], RuleKind::ValueOffset, 16);
    expect_rule(row.registers[6], RuleKind::Register, 0, 2);
    expect_rule(row.registers[5], RuleKind::Offset, 8);
    expect_rule(row.registers[0], RuleKind::Undefined);
    expect_rule(row.registers[1], RuleKind::SameValue);
    expect_rule(row.registers[4], RuleKind::Unsupported);
    expect_rule(row.registers[8], RuleKind::Unsupported);
    expect_rule(row.registers[9], RuleKind::Unsupported);
    EXPECT_EQ(row.cfa.register_number, 6);
    EXPECT_EQ(row.cfa.offset, 32);
    EXPECT_EQ(table.row(0x1008).cfa.offset, 48);
    auto restored = table.row(0x1010);
    expect_rule(restored.registers[3], RuleKind::SameValue); // the CIE left it alone
    expect_rule(restored.registers[12], RuleKind::SameValue);
    expect_rule(restored.registers[16], RuleKind::Offset, -8); // the CIE's rule
    expect_rule(restored.registers[13], RuleKind::Offset, 8);
}

TEST(CallFrameInstructions, AdvanceFormsScaleByTheCodeAlignment) {
    CieSpec cie;
    cie.code_alignment = 4;
    Simple table(Ops()
                     .op(cfa_advance_loc | 1) // 0x1004
                     .op(cfa_def_cfa_offset)
                     .u(16)
                     .op(cfa_advance_loc1)
                     .raw<uint8_t>(2) // 0x100c
                     .op(cfa_def_cfa_offset)
                     .u(24)
                     .op(cfa_advance_loc2)
                     .raw<uint16_t>(4) // 0x101c
                     .op(cfa_def_cfa_offset)
                     .u(32)
                     .op(cfa_advance_loc4)
                     .raw<uint32_t>(8) // 0x103c
                     .op(cfa_def_cfa_offset)
                     .u(40)
                     .bytes,
                 cie);
    EXPECT_EQ(table.row(0x1003).cfa.offset, 8);
    EXPECT_EQ(table.row(0x1004).cfa.offset, 16);
    EXPECT_EQ(table.row(0x100b).cfa.offset, 16);
    EXPECT_EQ(table.row(0x100c).cfa.offset, 24);
    EXPECT_EQ(table.row(0x101c).cfa.offset, 32);
    EXPECT_EQ(table.row(0x103b).cfa.offset, 32);
    EXPECT_EQ(table.row(0x103c).cfa.offset, 40);
    EXPECT_EQ(table.row(0x10ff).cfa.offset, 40);
}

TEST(CallFrameInstructions, SetLocUsesThePointerEncoding) {
    // With pcrel|sdata4 the operand is relative to its own address.
    EhFrameBuilder builder;
    size_t cie = builder.cie();
    FdeSpec fde;
    std::vector<uint8_t> program = {cfa_set_loc};
    size_t operand_offset = builder.bytes.size() + 4 + 4 + 4 + 4 + 1 + program.size();
    put<int32_t>(program, static_cast<int32_t>(0x1020 - (builder.address() + operand_offset)));
    auto tail = Ops().op(cfa_def_cfa_offset).u(64).bytes;
    program.insert(program.end(), tail.begin(), tail.end());
    fde.instructions = program;
    builder.fde(cie, fde);
    auto info = builder.info();
    EXPECT_EQ(info.row_for(0x101f).value().cfa.offset, 8);
    EXPECT_EQ(info.row_for(0x1020).value().cfa.offset, 64);
}

TEST(CallFrameInstructions, RememberAndRestoreStateIncludeTheCfa) {
    Simple table(Ops()
                     .op(cfa_advance_loc | 1)
                     .op(cfa_def_cfa_offset)
                     .u(16)
                     .op(cfa_offset | 3)
                     .u(2)
                     .op(cfa_advance_loc | 1)
                     .op(cfa_remember_state)
                     .op(cfa_def_cfa_offset)
                     .u(8)
                     .op(cfa_restore | 3)
                     .op(cfa_advance_loc | 1)
                     .op(cfa_restore_state)
                     .bytes);
    auto inner = table.row(0x1002);
    EXPECT_EQ(inner.cfa.offset, 8);
    expect_rule(inner.registers[3], RuleKind::SameValue);
    auto restored = table.row(0x1003);
    EXPECT_EQ(restored.cfa.offset, 16);
    expect_rule(restored.registers[3], RuleKind::Offset, -16);
}

TEST(CallFrameInstructions, RememberStateDepthIsBounded) {
    auto nested = [](int depth) {
        Ops ops;
        for (int i = 0; i < depth; ++i)
            ops.op(cfa_remember_state);
        for (int i = 0; i < depth; ++i)
            ops.op(cfa_restore_state);
        return ops.bytes;
    };
    EXPECT_EQ(Simple(nested(8)).row(0x1000).cfa.offset, 8);
    EXPECT_EQ(Simple(nested(9)).error(0x1000), Errno::InvalidArgument);
    EXPECT_EQ(Simple(nested(1000)).error(0x1000), Errno::InvalidArgument);
    EXPECT_EQ(Simple(Ops().op(cfa_restore_state).bytes).error(0x1000), Errno::InvalidArgument);
    // Instructions after the target row are not run, so their errors do not matter.
    Simple late(Ops().op(cfa_advance_loc | 4).op(cfa_restore_state).bytes);
    EXPECT_EQ(late.row(0x1003).cfa.offset, 8);
    EXPECT_EQ(late.error(0x1004), Errno::InvalidArgument);
}

TEST(CallFrameInstructions, CfaExpressionIsMarked) {
    // What ld emits for .plt: DW_CFA_def_cfa_expression.
    Simple table(Ops()
                     .op(cfa_advance_loc | 6)
                     .op(cfa_def_cfa_expression)
                     .u(3)
                     .op(0x77)
                     .op(0x08)
                     .op(0x06)
                     .op(cfa_advance_loc | 6)
                     .op(cfa_def_cfa_register) // back to a register rule
                     .u(7)
                     .bytes);
    EXPECT_FALSE(table.row(0x1005).cfa.is_expression);
    EXPECT_TRUE(table.row(0x1006).cfa.is_expression);
    EXPECT_FALSE(table.row(0x100c).cfa.is_expression);
}

TEST(CallFrameInstructions, UnknownOpcodesAndBadRegistersAreErrors) {
    EXPECT_EQ(Simple(Ops().op(0x1d).bytes).error(0x1000), Errno::InvalidArgument);
    EXPECT_EQ(Simple(Ops().op(0x2d).bytes).error(0x1000), Errno::InvalidArgument);
    EXPECT_EQ(Simple(Ops().op(cfa_def_cfa).u(99).u(8).bytes).error(0x1000), Errno::InvalidArgument);
    EXPECT_EQ(Simple(Ops().op(cfa_def_cfa_register).u(17).bytes).error(0x1000), Errno::InvalidArgument);
    // Operands cut off by the end of the FDE.
    EXPECT_EQ(Simple(Ops().op(cfa_def_cfa).u(7).bytes).error(0x1000), Errno::InvalidArgument);
    EXPECT_EQ(Simple(Ops().op(cfa_advance_loc4).op(1).bytes).error(0x1000), Errno::InvalidArgument);
    EXPECT_EQ(Simple(Ops().op(cfa_expression).u(3).u(100).bytes).error(0x1000), Errno::InvalidArgument);
    EXPECT_EQ(Simple(Ops().op(cfa_offset | 3).op(0x80).bytes).error(0x1000), Errno::InvalidArgument);
    CieSpec bad_return_register;
    bad_return_register.return_address_register = 200;
    EXPECT_EQ(Simple({}, bad_return_register).error(0x1000), Errno::InvalidArgument);
}

TEST(CallFrameInstructions, HugeAdvancesDoNotWrap) {
    CieSpec cie;
    cie.code_alignment = uint64_t(1) << 62;
    Simple table(Ops()
                     .op(cfa_def_cfa_offset)
                     .u(16)
                     .op(cfa_advance_loc4)
                     .raw<uint32_t>(0xffffffff)
                     .op(cfa_def_cfa_offset)
                     .u(99)
                     .bytes,
                 cie);
    EXPECT_EQ(table.row(0x10ff).cfa.offset, 16);
    Simple unscaled(Ops()
                        .op(cfa_advance_loc4)
                        .raw<uint32_t>(0xffffffff)
                        .op(cfa_advance_loc4)
                        .raw<uint32_t>(0xffffffff)
                        .op(cfa_def_cfa_offset)
                        .u(99)
                        .bytes);
    EXPECT_EQ(unscaled.row(0x10ff).cfa.offset, 8);
    // A set_loc backwards or far away is just a location.
    EhFrameBuilder builder;
    CieSpec absolute;
    absolute.augmentation_data = {0x00};
    size_t cie_offset = builder.cie(absolute);
    FdeSpec fde;
    fde.encoding = 0x00;
    fde.instructions = Ops().op(cfa_set_loc).raw<uint64_t>(UINT64_MAX).op(cfa_def_cfa_offset).u(99).bytes;
    builder.fde(cie_offset, fde);
    EXPECT_EQ(builder.info().row_for(0x1080).value().cfa.offset, 8);
}

// ---------------------------------------------------------------------------------------------------
// Entries, augmentations and pointer encodings.

TEST(CallFrameEntries, SixtyFourBitLengths) {
    EhFrameBuilder builder;
    CieSpec cie;
    cie.dwarf64 = true;
    size_t cie_offset = builder.cie(cie);
    FdeSpec fde;
    fde.dwarf64 = true;
    fde.instructions = Ops().op(cfa_advance_loc | 2).op(cfa_def_cfa_offset).u(24).bytes;
    builder.fde(cie_offset, fde);
    FdeSpec second;
    second.pc_begin = 0x2000;
    second.pc_range = 0x10;
    builder.fde(cie_offset, second);
    builder.terminator();
    auto info = builder.info();
    EXPECT_EQ(info.row_for(0x1002).value().cfa.offset, 24);
    EXPECT_EQ(info.row_for(0x2004).value().function_start, 0x2000u);
    EXPECT_EQ(info.row_for(0x2010).error().code(), Errno::NoEntry);
}

TEST(CallFrameEntries, VersionThreeReadsTheReturnRegisterAsUleb) {
    CieSpec cie;
    cie.version = 3;
    cie.return_address_register = 16;
    Simple table({}, cie);
    expect_rule(table.row(0x1000).registers[16], RuleKind::Offset, -8);
    cie.version = 2;
    EXPECT_EQ(Simple({}, cie).error(0x1000), Errno::InvalidArgument);
}

TEST(CallFrameEntries, PersonalityLsdaAndSignalAugmentations) {
    // "zPLR": personality pcrel|sdata4|indirect, LSDA pcrel|sdata4, FDE pcrel|sdata4; the FDE has 4 bytes
    // of LSDA pointer in its augmentation data.
    EhFrameBuilder builder;
    CieSpec cie;
    cie.augmentation = "zPLR";
    cie.augmentation_data = {0x9b, 0x11, 0x22, 0x33, 0x44, 0x1b, 0x1b};
    size_t cie_offset = builder.cie(cie);
    FdeSpec fde;
    fde.augmentation_data = {1, 2, 3, 4};
    fde.instructions = Ops().op(cfa_advance_loc | 1).op(cfa_def_cfa_offset).u(16).bytes;
    builder.fde(cie_offset, fde);

    CieSpec signal;
    signal.augmentation = "zRS";
    size_t signal_offset = builder.cie(signal);
    FdeSpec handler;
    handler.pc_begin = 0x3000;
    builder.fde(signal_offset, handler);

    // Personality with the aligned encoding: padding before an 8-byte pointer.
    CieSpec aligned;
    aligned.augmentation = "zPR";
    aligned.augmentation_data = {0x50};
    while ((builder.address() + builder.bytes.size() + 4 + 4 + 1 + 4 + 1 + 1 + 1 + 1 +
            aligned.augmentation_data.size()) %
               8 !=
           0)
        aligned.augmentation_data.push_back(0);
    for (int i = 0; i < 8; ++i)
        aligned.augmentation_data.push_back(0xaa);
    aligned.augmentation_data.push_back(0x1b);
    size_t aligned_offset = builder.cie(aligned);
    FdeSpec aligned_fde;
    aligned_fde.pc_begin = 0x5000;
    builder.fde(aligned_offset, aligned_fde);

    // Unknown letters after 'z' end the interpretation; the 'z' length skips their data.
    CieSpec unknown;
    unknown.augmentation = "zRX";
    unknown.augmentation_data = {0x1b, 0xde, 0xad};
    size_t unknown_offset = builder.cie(unknown);
    FdeSpec unknown_fde;
    unknown_fde.pc_begin = 0x4000;
    builder.fde(unknown_offset, unknown_fde);
    builder.terminator();

    auto info = builder.info();
    auto row = info.row_for(0x1001);
    ASSERT_FALSE(row.is_error()) << row.error().name();
    EXPECT_EQ(row.value().cfa.offset, 16);
    EXPECT_FALSE(row.value().signal_frame);
    auto handler_row = info.row_for(0x3000);
    ASSERT_FALSE(handler_row.is_error());
    EXPECT_TRUE(handler_row.value().signal_frame);
    auto aligned_row = info.row_for(0x5000);
    ASSERT_FALSE(aligned_row.is_error()) << aligned_row.error().name();
    EXPECT_EQ(aligned_row.value().function_start, 0x5000u);
    auto unknown_row = info.row_for(0x4000);
    ASSERT_FALSE(unknown_row.is_error()) << unknown_row.error().name();
    EXPECT_EQ(unknown_row.value().function_start, 0x4000u);
}

TEST(CallFrameEntries, AugmentationsWithoutZAreNotSupported) {
    CieSpec cie;
    cie.augmentation = "eh";
    EXPECT_EQ(Simple({}, cie).error(0x1000), Errno::NotSupported);
    // And no augmentation at all is plain DWARF: absolute pointers, no augmentation data in the FDE.
    EhFrameBuilder builder;
    CieSpec plain;
    plain.augmentation = "";
    size_t cie_offset = builder.cie(plain);
    FdeSpec fde;
    fde.encoding = 0x00;
    fde.has_augmentation = false;
    fde.instructions = Ops().op(cfa_def_cfa_offset).u(40).bytes;
    builder.fde(cie_offset, fde);
    EXPECT_EQ(builder.info().row_for(0x1000).value().cfa.offset, 40);
}

TEST(CallFrameEntries, AugmentationDataMustFitItsLength) {
    CieSpec cie;
    cie.augmentation = "zPR";
    cie.augmentation_data = {0x04, 1, 2, 3}; // udata8 personality, but only 3 bytes declared
    EXPECT_EQ(Simple({}, cie).error(0x1000), Errno::InvalidArgument);
    cie.augmentation_data = {0x0d, 0x1b}; // not an encoding
    EXPECT_EQ(Simple({}, cie).error(0x1000), Errno::InvalidArgument);
}

struct EncodingCase {
    uint8_t encoding;
    uint64_t pc_begin;
};

TEST(CallFrameEntries, EveryPointerFormat) {
    const EncodingCase cases[] = {
        {0x00, 0x1000},
        {0x01, 0x1000},
        {0x02, 0x1000},
        {0x03, 0x1000},
        {0x04, 0x1000},
        {0x09, 0x1000},
        {0x0a, 0x1000},
        {0x0b, 0x1000},
        {0x0c, 0x1000},
        {0x08, 0x1000},
        {0x10, 0x1000},
        {0x1b, 0x1000},
        {0x19, 0x1000},
        {0x1c, 0x1000},
        {0x1a, 0x200010},
        {0x12, 0x200100},
        {0x0c, 0xffffffff80001000},
        {0x1b, 0x200000 - 0x1000},
        {0x50, 0x1000},
    };
    for (const auto& test : cases) {
        EhFrameBuilder builder;
        CieSpec cie;
        cie.augmentation_data = {test.encoding};
        size_t cie_offset = builder.cie(cie);
        FdeSpec fde;
        fde.encoding = test.encoding;
        fde.pc_begin = test.pc_begin;
        fde.pc_range = 0x40;
        fde.instructions = Ops().op(cfa_advance_loc | 4).op(cfa_def_cfa_offset).u(32).bytes;
        builder.fde(cie_offset, fde);
        builder.terminator();
        auto info = builder.info();
        auto row = info.row_for(test.pc_begin + 5);
        ASSERT_FALSE(row.is_error()) << std::hex << int(test.encoding) << ": " << row.error().name();
        EXPECT_EQ(row.value().function_start, test.pc_begin) << std::hex << int(test.encoding);
        EXPECT_EQ(row.value().function_end, test.pc_begin + 0x40) << std::hex << int(test.encoding);
        EXPECT_EQ(row.value().cfa.offset, 32) << std::hex << int(test.encoding);
        EXPECT_EQ(info.row_for(test.pc_begin + 0x40).error().code(), Errno::NoEntry);
    }
}

TEST(CallFrameEntries, UnsupportedPointerApplications) {
    auto error_for = [](uint8_t encoding) {
        EhFrameBuilder builder;
        CieSpec cie;
        cie.augmentation_data = {encoding};
        size_t cie_offset = builder.cie(cie);
        FdeSpec fde;
        fde.encoding = encoding & 0x0f;
        builder.fde(cie_offset, fde);
        auto row = builder.info().row_for(0x1000);
        return row.is_error() ? row.error().code() : Errno::NotPermitted;
    };
    EXPECT_EQ(error_for(0x9b), Errno::NotSupported);    // indirect
    EXPECT_EQ(error_for(0x23), Errno::NotSupported);    // textrel
    EXPECT_EQ(error_for(0x33), Errno::NotSupported);    // datarel outside the header
    EXPECT_EQ(error_for(0x43), Errno::InvalidArgument); // funcrel for the function itself
    EXPECT_EQ(error_for(0x63), Errno::InvalidArgument);
    EXPECT_EQ(error_for(0x05), Errno::InvalidArgument);
    EXPECT_EQ(error_for(0xff), Errno::InvalidArgument); // omit
}

// ---------------------------------------------------------------------------------------------------
// .eh_frame_hdr.

struct HdrSpec {
    uint8_t version = 1;
    uint8_t pointer_encoding = 0x1b, count_encoding = 0x03, table_encoding = 0x3b;
    int64_t pointer_adjust = 0; // makes eh_frame_ptr wrong
    int64_t count_adjust = 0;
};

// A header at `address` for the FDEs (pc, fde offset) of `frame`.
std::vector<uint8_t> build_hdr(const EhFrameBuilder& frame, uint64_t address,
                               std::vector<std::pair<uint64_t, size_t>> entries, const HdrSpec& spec = {}) {
    std::vector<uint8_t> out = {spec.version, spec.pointer_encoding, spec.count_encoding,
                                spec.table_encoding};
    auto encode = [&](uint8_t encoding, uint64_t value) {
        uint64_t field = address + out.size();
        if ((encoding & 0x70) == 0x10)
            value -= field;
        if ((encoding & 0x70) == 0x30)
            value -= address;
        switch (encoding & 0x0f) {
        case 0x00:
        case 0x04:
        case 0x0c:
            put<uint64_t>(out, value);
            break;
        case 0x02:
        case 0x0a:
            put<uint16_t>(out, static_cast<uint16_t>(value));
            break;
        case 0x03:
        case 0x0b:
            put<uint32_t>(out, static_cast<uint32_t>(value));
            break;
        case 0x01:
            put_uleb(out, value);
            break;
        }
    };
    encode(spec.pointer_encoding, frame.address() + spec.pointer_adjust);
    if (spec.count_encoding != 0xff)
        encode(spec.count_encoding, entries.size() + spec.count_adjust);
    std::sort(entries.begin(), entries.end());
    if (spec.table_encoding != 0xff)
        for (auto [pc, offset] : entries) {
            encode(spec.table_encoding, pc);
            encode(spec.table_encoding, frame.address() + offset);
        }
    return out;
}

struct ThreeFunctions {
    EhFrameBuilder frame;
    std::vector<std::pair<uint64_t, size_t>> entries;
    ThreeFunctions() {
        size_t cie = frame.cie();
        for (uint64_t pc : {0x1000, 0x3000, 0x2000}) {
            FdeSpec fde;
            fde.pc_begin = pc;
            fde.pc_range = 0x80;
            fde.instructions = Ops().op(cfa_def_cfa_offset).u(pc >> 8).bytes;
            entries.emplace_back(pc, frame.fde(cie, fde));
        }
        frame.terminator();
    }
};

TEST(CallFrameHeader, BinarySearchFindsEachFunction) {
    ThreeFunctions three;
    const uint64_t hdr_address = 0x100000;
    for (uint8_t table_encoding : {0x3b, 0x03, 0x04, 0x1b, 0x3c, 0x0c, 0x00}) {
        HdrSpec spec;
        spec.table_encoding = table_encoding;
        auto hdr = build_hdr(three.frame, hdr_address, three.entries, spec);
        ExactBuffer buffer(hdr.data(), hdr.size());
        auto info = must_create(three.frame.reader(), three.frame.address(), buffer.reader(), hdr_address);
        EXPECT_TRUE(info.has_search_table()) << int(table_encoding);
        EXPECT_EQ(info.search_table_size(), 3u);
        for (uint64_t pc : {0x1000, 0x2000, 0x3000}) {
            auto row = info.row_for(pc + 0x7f);
            ASSERT_FALSE(row.is_error()) << std::hex << int(table_encoding) << " " << pc;
            EXPECT_EQ(row.value().function_start, pc);
            EXPECT_EQ(row.value().cfa.offset, static_cast<int64_t>(pc >> 8));
        }
        for (uint64_t pc : {uint64_t(0), uint64_t(0xfff), uint64_t(0x1080), uint64_t(0x1fff),
                            uint64_t(0x2080), uint64_t(0x3080), UINT64_MAX})
            EXPECT_EQ(info.row_for(pc).error().code(), Errno::NoEntry) << std::hex << pc;
    }
}

TEST(CallFrameHeader, WithoutAUsableTableFallsBackToTheScan) {
    ThreeFunctions three;
    const uint64_t hdr_address = 0x100000;
    HdrSpec omitted;
    omitted.table_encoding = 0xff;
    HdrSpec uleb;
    uleb.table_encoding = 0x01;
    HdrSpec no_count;
    no_count.count_encoding = 0xff;
    for (const HdrSpec& spec : {omitted, uleb, no_count}) {
        auto hdr = build_hdr(three.frame, hdr_address, three.entries, spec);
        auto info = must_create(three.frame.reader(), three.frame.address(),
                                ktl::ByteReader(hdr.data(), hdr.size()), hdr_address);
        EXPECT_FALSE(info.has_search_table());
        EXPECT_EQ(info.row_for(0x2010).value().function_start, 0x2000u);
    }
}

TEST(CallFrameHeader, MalformedHeadersAreRejected) {
    ThreeFunctions three;
    const uint64_t hdr_address = 0x100000;
    auto create_with = [&](const HdrSpec& spec) {
        auto hdr = build_hdr(three.frame, hdr_address, three.entries, spec);
        ExactBuffer buffer(hdr.data(), hdr.size());
        auto info =
            CallFrameInfo::create(three.frame.reader(), three.frame.address(), buffer.reader(), hdr_address);
        return info.is_error() ? info.error().code() : Errno::NotPermitted;
    };
    HdrSpec version;
    version.version = 2;
    EXPECT_EQ(create_with(version), Errno::InvalidArgument);
    HdrSpec pointer;
    pointer.pointer_adjust = 8;
    EXPECT_EQ(create_with(pointer), Errno::InvalidArgument);
    HdrSpec count;
    count.count_adjust = 1;
    EXPECT_EQ(create_with(count), Errno::InvalidArgument);
    count.count_adjust = 0x7fffffff;
    EXPECT_EQ(create_with(count), Errno::InvalidArgument);
    HdrSpec encoding;
    encoding.table_encoding = 0x0e;
    EXPECT_EQ(create_with(encoding), Errno::InvalidArgument);
    HdrSpec indirect;
    indirect.pointer_encoding = 0x9b;
    EXPECT_EQ(create_with(indirect), Errno::NotSupported);
}

TEST(CallFrameHeader, TableEntriesThatDisagreeWithTheFdesAreErrors) {
    ThreeFunctions three;
    const uint64_t hdr_address = 0x100000;
    auto entries = three.entries;
    entries[1].first = 0x2f00; // says 0x3000's FDE starts at 0x2f00
    auto hdr = build_hdr(three.frame, hdr_address, entries);
    auto info = must_create(three.frame.reader(), three.frame.address(),
                            ktl::ByteReader(hdr.data(), hdr.size()), hdr_address);
    EXPECT_EQ(info.row_for(0x2f10).error().code(), Errno::InvalidArgument);
    entries = three.entries;
    entries[0].second = three.frame.bytes.size() + 100; // FDE outside .eh_frame
    hdr = build_hdr(three.frame, hdr_address, entries);
    info = must_create(three.frame.reader(), three.frame.address(), ktl::ByteReader(hdr.data(), hdr.size()),
                       hdr_address);
    EXPECT_EQ(info.row_for(0x1010).error().code(), Errno::InvalidArgument);
    entries[0].second = 0; // points at the CIE
    hdr = build_hdr(three.frame, hdr_address, entries);
    info = must_create(three.frame.reader(), three.frame.address(), ktl::ByteReader(hdr.data(), hdr.size()),
                       hdr_address);
    EXPECT_EQ(info.row_for(0x1010).error().code(), Errno::InvalidArgument);
}

// ---------------------------------------------------------------------------------------------------
// step().

struct FakeMemory {
    std::map<uint64_t, uint64_t> words;
    static bool read(uint64_t address, uint64_t& value, void* context) {
        auto* memory = static_cast<FakeMemory*>(context);
        auto word = memory->words.find(address);
        if (word == memory->words.end())
            return false;
        value = word->second;
        return true;
    }
};

UnwindRow frame_pointer_row() {
    UnwindRow row;
    row.cfa = {6, 16, false};
    row.registers[6] = {RuleKind::Offset, -16, 0};
    row.registers[16] = {RuleKind::Offset, -8, 0};
    return row;
}

TEST(CallFrameStep, FramePointerFrame) {
    FakeMemory memory;
    memory.words[0x7ff8] = 0x401234; // return address at CFA-8
    memory.words[0x7ff0] = 0x9000;   // saved rbp at CFA-16
    RegisterSet registers;
    registers.values[16] = 0x401000;
    registers.values[6] = 0x7ff0;
    registers.values[7] = 0x7f00;
    registers.values[3] = 0x33;
    registers.known[16] = registers.known[6] = registers.known[7] = registers.known[3] = true;
    ASSERT_FALSE(dwarf::step(frame_pointer_row(), registers, FakeMemory::read, &memory).is_error());
    EXPECT_EQ(registers.values[16], 0x401234u);
    EXPECT_EQ(registers.values[7], 0x8000u);
    EXPECT_EQ(registers.values[6], 0x9000u);
    EXPECT_EQ(registers.values[3], 0x33u); // same value
    EXPECT_TRUE(registers.known[3]);
    EXPECT_FALSE(registers.known[12]);
}

TEST(CallFrameStep, RegisterValueOffsetUndefinedAndOtherReturnColumn) {
    UnwindRow row;
    row.cfa = {7, 8, false};
    row.return_address_register = 5; // return address in rdi's column
    row.registers[5] = {RuleKind::Register, 0, 2};
    row.registers[3] = {RuleKind::ValueOffset, 32, 0};
    row.registers[12] = {RuleKind::Undefined, 0, 0};
    row.registers[13] = {RuleKind::Unsupported, 0, 0};
    RegisterSet registers;
    for (int reg = 0; reg < dwarf::register_count; ++reg) {
        registers.values[reg] = 0x100 + reg;
        registers.known[reg] = true;
    }
    registers.values[7] = 0x5000;
    ASSERT_FALSE(dwarf::step(row, registers, nullptr, nullptr).is_error());
    EXPECT_EQ(registers.values[16], 0x102u); // rcx's value
    EXPECT_EQ(registers.values[7], 0x5008u);
    EXPECT_EQ(registers.values[3], 0x5028u);
    EXPECT_FALSE(registers.known[12]);
    EXPECT_FALSE(registers.known[13]);
    EXPECT_TRUE(registers.known[14]);
}

// What kernel/arch/x86_64/interrupt_entry.S describes: a signal frame whose CFA lies above the CPU's
// interrupt frame, with the interrupted rip at CFA-40 and rsp at CFA-16 (not the CFA).
TEST(CallFrameStep, InterruptFrameRestoresTheSavedRsp) {
    EhFrameBuilder builder;
    CieSpec cie;
    cie.augmentation = "zRS";
    cie.instructions = {}; // .cfi_startproc simple
    size_t cie_offset = builder.cie(cie);
    FdeSpec fde;
    fde.instructions = Ops()
                           .op(cfa_def_cfa)
                           .u(7)
                           .u(56)
                           .op(cfa_offset | 16)
                           .u(5)
                           .op(cfa_offset | 7)
                           .u(2)
                           .op(cfa_advance_loc | 1) // push %rax
                           .op(cfa_def_cfa_offset)
                           .u(64)
                           .op(cfa_offset | 0)
                           .u(8)
                           .bytes;
    builder.fde(cie_offset, fde);
    auto row = builder.info().row_for(0x1001);
    ASSERT_FALSE(row.is_error()) << row.error().name();
    EXPECT_TRUE(row.value().signal_frame);
    FakeMemory memory;
    const uint64_t entry_rsp = 0x9000; // rsp after the push
    const uint64_t cfa = entry_rsp + 64;
    memory.words[cfa - 40] = 0x401777; // interrupted rip
    memory.words[cfa - 16] = 0x5555;   // interrupted rsp
    memory.words[cfa - 64] = 0xaa;     // saved rax
    RegisterSet registers;
    registers.values[7] = entry_rsp;
    registers.values[16] = 0x1001;
    registers.known[7] = registers.known[16] = true;
    ASSERT_FALSE(dwarf::step(row.value(), registers, FakeMemory::read, &memory).is_error());
    EXPECT_EQ(registers.values[16], 0x401777u);
    EXPECT_EQ(registers.values[7], 0x5555u);
    EXPECT_EQ(registers.values[0], 0xaau);
}

TEST(CallFrameStep, Failures) {
    FakeMemory memory;
    RegisterSet registers;
    registers.values[6] = 0x7ff0;
    registers.known[6] = registers.known[16] = true;
    // The return address slot is not readable.
    EXPECT_EQ(dwarf::step(frame_pointer_row(), registers, FakeMemory::read, &memory).error().code(),
              Errno::BadAddress);
    EXPECT_EQ(dwarf::step(frame_pointer_row(), registers, nullptr, nullptr).error().code(),
              Errno::InvalidArgument);
    // rbp unknown: no CFA.
    RegisterSet unknown;
    unknown.known[16] = true;
    EXPECT_EQ(dwarf::step(frame_pointer_row(), unknown, FakeMemory::read, &memory).error().code(),
              Errno::InvalidArgument);
    UnwindRow expression = frame_pointer_row();
    expression.cfa.is_expression = true;
    EXPECT_EQ(dwarf::step(expression, registers, FakeMemory::read, &memory).error().code(),
              Errno::InvalidArgument);
    UnwindRow outermost = frame_pointer_row();
    outermost.registers[16] = {RuleKind::Undefined, 0, 0};
    EXPECT_EQ(dwarf::step(outermost, registers, FakeMemory::read, &memory).error().code(), Errno::NoEntry);
    UnwindRow unsupported = frame_pointer_row();
    unsupported.registers[16] = {RuleKind::Unsupported, 0, 0};
    EXPECT_EQ(dwarf::step(unsupported, registers, FakeMemory::read, &memory).error().code(),
              Errno::InvalidArgument);
    // A failed step leaves the registers alone.
    EXPECT_EQ(registers.values[6], 0x7ff0u);
}

// ---------------------------------------------------------------------------------------------------
// Hostile input.

TEST(CallFrameHostile, LengthsPastTheEndAndCiePointerLoops) {
    auto error_of = [](EhFrameBuilder& builder, uint64_t pc) {
        auto row = builder.info().row_for(pc);
        return row.is_error() ? row.error().code() : Errno::NotPermitted;
    };
    {
        EhFrameBuilder builder;
        size_t cie = builder.cie();
        size_t fde = builder.fde(cie);
        builder.bytes[fde] += 100; // FDE length past the end
        EXPECT_EQ(error_of(builder, 0x1000), Errno::InvalidArgument);
        builder.bytes[fde] -= 100;
        builder.bytes[cie] += 1; // CIE now swallows the FDE's first byte: the FDE is misparsed
        EXPECT_TRUE(builder.info().row_for(0x1000).is_error());
        builder.bytes[cie] -= 1;
        builder.bytes[fde + 3] = 0xff; // a huge length
        EXPECT_EQ(error_of(builder, 0x1000), Errno::InvalidArgument);
        builder.bytes[fde + 0] = 0xff;
        builder.bytes[fde + 1] = 0xff;
        builder.bytes[fde + 2] = 0xff; // 64-bit form with a length cut off
        EXPECT_EQ(error_of(builder, 0x1000), Errno::InvalidArgument);
    }
    {
        // CIE pointer to the FDE itself, to another FDE, before the section, and to the terminator.
        EhFrameBuilder builder;
        size_t cie = builder.cie();
        builder.fde(cie);
        FdeSpec self;
        self.pc_begin = 0x2000;
        self.override_cie_pointer = true;
        self.cie_pointer = 4;
        size_t self_offset = builder.fde(cie, self);
        FdeSpec other;
        other.pc_begin = 0x3000;
        other.override_cie_pointer = true;
        other.cie_pointer = static_cast<uint32_t>(builder.bytes.size() + 4 - self_offset);
        builder.fde(cie, other);
        FdeSpec before;
        before.pc_begin = 0x4000;
        before.override_cie_pointer = true;
        before.cie_pointer = 0x7fffffff;
        builder.fde(cie, before);
        // Each makes the scan fail once it reaches it; the first FDE is still found.
        EXPECT_EQ(builder.info().row_for(0x1000).value().function_start, 0x1000u);
        EXPECT_EQ(error_of(builder, 0x2000), Errno::InvalidArgument);
        EXPECT_EQ(error_of(builder, 0x3000), Errno::InvalidArgument);
        EXPECT_EQ(error_of(builder, 0x4000), Errno::InvalidArgument);
    }
    {
        // The FDE's range wraps around the address space.
        EhFrameBuilder builder;
        CieSpec absolute;
        absolute.augmentation_data = {0x00};
        size_t cie = builder.cie(absolute);
        FdeSpec wrapping;
        wrapping.encoding = 0x00;
        wrapping.pc_begin = UINT64_MAX - 4;
        wrapping.pc_range = 100;
        builder.fde(cie, wrapping);
        EXPECT_EQ(error_of(builder, UINT64_MAX - 2), Errno::InvalidArgument);
    }
    // Empty and tiny sections.
    EXPECT_EQ(CallFrameInfo::create({}, 0).value().row_for(0x1000).error().code(), Errno::NoEntry);
    const uint8_t three[] = {1, 0, 0};
    EXPECT_EQ(CallFrameInfo::create(ktl::ByteReader(three, 3), 0).value().row_for(0x1000).error().code(),
              Errno::InvalidArgument);
}

// FDE starts (link-time pcs) and entry offsets of a real .eh_frame, found independently of the code
// under test, assuming GCC's usual "zR" pcrel|sdata4 CIEs (others are skipped).
struct RealFde {
    uint64_t pc = 0;
    size_t offset = 0, end = 0;
};

std::vector<RealFde> real_fdes(const Binary& binary) {
    std::vector<RealFde> fdes;
    const auto& section = binary.eh_frame;
    auto info =
        must_create(section.bytes, section.address, binary.eh_frame_hdr.bytes, binary.eh_frame_hdr.address);
    size_t offset = 0;
    while (offset + 8 <= section.bytes.size()) {
        uint32_t length = section.bytes.read<uint32_t>(offset).value();
        if (length == 0 || length == 0xffffffff)
            break;
        uint32_t id = section.bytes.read<uint32_t>(offset + 4).value();
        if (id != 0) {
            int32_t relative = section.bytes.read<int32_t>(offset + 8).value();
            uint64_t pc = section.address + offset + 8 + static_cast<int64_t>(relative);
            auto row = info.row_for(pc);
            if (!row.is_error() && row.value().function_start == pc)
                fdes.push_back({pc, offset, offset + 4 + length});
        }
        offset += 4 + length;
    }
    return fdes;
}

TEST(CallFrameHostile, EveryPrefixOfARealEhFrame) {
    auto binary = load_binary("/proc/self/exe");
    ASSERT_TRUE(binary);
    auto fdes = real_fdes(*binary);
    ASSERT_GT(fdes.size(), 20u);
    const auto& full = binary->eh_frame;
    auto full_info = must_create(full.bytes, full.address);
    size_t limit = std::min<size_t>(full.bytes.size(), 2048);
    std::vector<RealFde> early;
    for (const auto& fde : fdes)
        if (fde.offset < limit)
            early.push_back(fde);
    ASSERT_GT(early.size(), 3u);
    size_t found = 0;
    for (size_t length = 0; length <= limit; ++length) {
        ExactBuffer prefix(full.bytes.data(), length);
        auto info = must_create(prefix.reader(), full.address);
        // A rotating FDE, the last whole one and the one cut (each lookup is a scan).
        std::vector<RealFde> checked = {early[length % early.size()]};
        for (size_t i = 0; i < early.size(); ++i)
            if (early[i].end > length) {
                checked.push_back(early[i]);
                if (i > 0)
                    checked.push_back(early[i - 1]);
                break;
            }
        for (const auto& fde : checked) {
            for (uint64_t pc : {fde.pc, fde.pc + 1, fde.pc + 7}) {
                auto expected = full_info.row_for(pc);
                if (expected.is_error())
                    continue; // past a short FDE
                auto row = info.row_for(pc);
                // Whole entries before the cut are read exactly as from the full section.
                if (fde.end <= length) {
                    ASSERT_FALSE(row.is_error())
                        << length << " " << std::hex << pc << " " << row.error().name();
                    EXPECT_TRUE(same_row(row.value(), expected.value()));
                    ++found;
                }
            }
        }
    }
    EXPECT_GT(found, 2000u);
}

TEST(CallFrameHostile, EveryPrefixOfARealEhFrameHdr) {
    auto binary = load_binary("/proc/self/exe");
    ASSERT_TRUE(binary);
    auto fdes = real_fdes(*binary);
    const auto& hdr = binary->eh_frame_hdr;
    size_t accepted = 0;
    for (size_t length = 0; length < hdr.bytes.size(); ++length) {
        ExactBuffer prefix(hdr.bytes.data(), length);
        auto info = CallFrameInfo::create(binary->eh_frame.bytes, binary->eh_frame.address, prefix.reader(),
                                          hdr.address);
        if (info.is_error())
            continue;
        ++accepted; // only the empty header (scan) or one whose table still fits
        for (size_t i = 0; i < fdes.size(); i += 17)
            EXPECT_EQ(info.value().row_for(fdes[i].pc).value().function_start, fdes[i].pc);
    }
    EXPECT_GE(accepted, 1u);
    EXPECT_LE(accepted, 2u);
}

TEST(CallFrameHostile, RandomCorruption) {
    auto binary = load_binary("/proc/self/exe");
    ASSERT_TRUE(binary);
    auto fdes = real_fdes(*binary);
    ASSERT_FALSE(fdes.empty());
    ExactBuffer frame(binary->eh_frame.bytes.data(), binary->eh_frame.bytes.size());
    ExactBuffer hdr(binary->eh_frame_hdr.bytes.data(), binary->eh_frame_hdr.bytes.size());
    const uint64_t frame_address = binary->eh_frame.address, hdr_address = binary->eh_frame_hdr.address;
    std::mt19937_64 random(20240611);
    uint64_t stack[64];
    for (auto& word : stack)
        word = random();
    struct Memory {
        uint64_t* words;
        uint64_t base;
    } memory{stack, 0x7000};
    auto read = [](uint64_t address, uint64_t& value, void* context) {
        auto* memory = static_cast<Memory*>(context);
        if (address < memory->base || address >= memory->base + 64 * 8 || (address & 7))
            return false;
        value = memory->words[(address - memory->base) / 8];
        return true;
    };
    size_t rows = 0, errors = 0, creates_failed = 0;
    const int rounds = 100000;
    for (int round = 0; round < rounds; ++round) {
        // Corrupt bytes near an FDE we then look up (where it matters), or anywhere, or in the header.
        const RealFde& target = fdes[random() % fdes.size()];
        struct Flip {
            uint8_t* where;
            uint8_t old;
        } flips[4];
        int flip_count = 1 + static_cast<int>(random() % 4);
        for (int i = 0; i < flip_count; ++i) {
            uint8_t* where;
            switch (random() % 4) {
            case 0:
            case 1:
                where = frame.data() + std::min(frame.size() - 1, target.offset + random() % 48);
                break;
            case 2:
                where = frame.data() + random() % frame.size();
                break;
            default:
                where = hdr.data() + random() % hdr.size();
                break;
            }
            flips[i] = {where, *where};
            *where ^= static_cast<uint8_t>(1 + random() % 255);
        }
        bool use_header = round % 64 != 0;
        auto info = CallFrameInfo::create(frame.reader(), frame_address,
                                          use_header ? hdr.reader() : ktl::ByteReader(), hdr_address);
        if (info.is_error()) {
            ++creates_failed;
        } else {
            for (uint64_t pc : {target.pc, target.pc + random() % 64,
                                binary->text.address + random() % binary->text.bytes.size()}) {
                if (!use_header && pc != target.pc)
                    continue; // the scan is slow; one lookup per round
                auto row = info.value().row_for(pc);
                if (row.is_error()) {
                    ++errors;
                    continue;
                }
                ++rows;
                RegisterSet registers;
                for (int reg = 0; reg < dwarf::register_count; ++reg) {
                    registers.values[reg] = memory.base + (random() % 80) * 8;
                    registers.known[reg] = (random() % 4) != 0;
                }
                (void)dwarf::step(row.value(), registers, read, &memory);
            }
        }
        for (int i = flip_count - 1; i >= 0; --i)
            *flips[i].where = flips[i].old;
    }
    printf("[ corrupt  ] %d rounds: %zu rows, %zu lookup errors, %zu rejected headers\n", rounds, rows,
           errors, creates_failed);
    EXPECT_GT(rows, 1000u);
    EXPECT_GT(errors, 1000u);
}

} // namespace
