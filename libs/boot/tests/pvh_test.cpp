// PVH parser tests: a hvm_start_info as QEMU's PVH option ROM builds it, every error, the warnings,
// and a random-mutation test over the structures and their pointers that must never crash.
#include "boot/pvh.h"
#include "multiboot2_builder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using boot::BootInfo;
using boot::BootWarning;
using boot::BootWarnings;
using boot::MemoryType;
using boot::PvhError;

constexpr uint64_t u64_max = ~0ull;

// Guest RAM as one byte array at a base address; anything outside it cannot be read.
class FakeMemory {
public:
    static constexpr uint64_t base = 0x1000;
    static constexpr uint64_t start_info = 0x1000, memmap = 0x2000, cmdline = 0x3000, modlist = 0x4000,
                              rsdp = 0x5000;

    FakeMemory() : m_bytes(0x10000, 0) {}

    void put(uint64_t address, const std::vector<uint8_t>& bytes) {
        std::memcpy(&m_bytes[address - base], bytes.data(), bytes.size());
    }
    template <typename T>
    void put_value(uint64_t address, T value) {
        std::memcpy(&m_bytes[address - base], &value, sizeof value);
    }
    std::vector<uint8_t>& bytes() { return m_bytes; }

    boot::PhysicalMemory view() const { return {this, &FakeMemory::read}; }

    // A start_info of `version` with the given memory map, command line, RSDP and modules.
    void build(uint32_t version, const std::vector<boot::testing::RawEntry>& map,
               const std::string& command_line, const std::vector<std::pair<uint64_t, uint64_t>>& modules,
               bool with_rsdp) {
        put_value<uint32_t>(start_info + 0, boot::pvh_start_magic);
        put_value<uint32_t>(start_info + 4, version);
        put_value<uint32_t>(start_info + 12, static_cast<uint32_t>(modules.size()));
        put_value<uint64_t>(start_info + 16, modules.empty() ? 0 : modlist);
        put_value<uint64_t>(start_info + 24, cmdline);
        put_value<uint64_t>(start_info + 32, with_rsdp ? rsdp : 0);
        put_value<uint64_t>(start_info + 40, memmap);
        put_value<uint32_t>(start_info + 48, static_cast<uint32_t>(map.size()));
        for (size_t i = 0; i < map.size(); ++i) {
            put_value<uint64_t>(memmap + 24 * i, map[i].base);
            put_value<uint64_t>(memmap + 24 * i + 8, map[i].length);
            put_value<uint32_t>(memmap + 24 * i + 16, map[i].type);
        }
        std::vector<uint8_t> text(command_line.begin(), command_line.end());
        text.push_back(0);
        put(cmdline, text);
        for (size_t i = 0; i < modules.size(); ++i) {
            put_value<uint64_t>(modlist + 32 * i, modules[i].first);
            put_value<uint64_t>(modlist + 32 * i + 8, modules[i].second);
        }
        if (with_rsdp)
            put(rsdp, boot::testing::rsdp_v1(0x7fe14d2));
    }

private:
    static ktl::ErrorOr<ktl::ByteReader> read(const void* context, uint64_t address, size_t length) {
        const auto& bytes = static_cast<const FakeMemory*>(context)->m_bytes;
        if (address < base || address - base > bytes.size() || length > bytes.size() - (address - base))
            return ktl::Errno::InvalidArgument;
        return ktl::ByteReader(bytes.data() + (address - base), length);
    }

    std::vector<uint8_t> m_bytes;
};

// QEMU 7.2 under SeaBIOS with 128 MiB, as the PVH option ROM reports it.
const std::vector<boot::testing::RawEntry> qemu_map = {{0x0, 0x9fc00, 1},       {0x9fc00, 0x400, 2},
                                                       {0xf0000, 0x10000, 2},   {0x100000, 0x7ee0000, 1},
                                                       {0x7fe0000, 0x20000, 2}, {0xfffc0000, 0x40000, 2}};

ktl::ErrorOr<void> parse(const FakeMemory& memory, BootInfo& info, BootWarnings& warnings, PvhError& error,
                         uint64_t address = FakeMemory::start_info) {
    return boot::parse_pvh(memory.view(), address, info, warnings, error);
}

TEST(Pvh, ParsesWhatQemuGives) {
    FakeMemory memory;
    memory.build(1, qemu_map, "console=ttyS0 -- hello", {{0x7f00000, 0x1234}}, true);
    static BootInfo info;
    BootWarnings warnings;
    PvhError error;
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    EXPECT_EQ(error, PvhError::None);
    EXPECT_TRUE(warnings.list.is_empty());
    ASSERT_EQ(info.memory_map.size(), 6u);
    EXPECT_EQ(info.memory_map[3].base, 0x100000u);
    EXPECT_EQ(info.memory_map[3].type, MemoryType::Usable);
    EXPECT_EQ(info.memory_map[4].type, MemoryType::Reserved);
    EXPECT_STREQ(info.command_line, "console=ttyS0 -- hello");
    ASSERT_EQ(info.modules.size(), 1u);
    EXPECT_STREQ(info.modules[0].name, "initrd");
    EXPECT_EQ(info.modules[0].start, 0x7f00000u);
    EXPECT_EQ(info.modules[0].end, 0x7f01234u);
    ASSERT_TRUE(info.has_rsdp);
    EXPECT_EQ(info.rsdp.rsdt_address, 0x7fe14d2u);
    EXPECT_TRUE(info.rsdp.checksum_ok);
    EXPECT_FALSE(info.has_framebuffer);
    EXPECT_FALSE(info.has_elf_sections);
    EXPECT_STREQ(info.loader_name, "PVH (hvm_start_info version 1)");
    EXPECT_EQ(info.info_physical_address, FakeMemory::start_info);
}

TEST(Pvh, MapsE820TypesAndResolvesOverlaps) {
    FakeMemory memory;
    // 7 (persistent memory) is not ours to use; the overlap goes to the stricter type.
    memory.build(1, {{0x0, 0x10000, 1}, {0x8000, 0x1000, 4}, {0x20000, 0x1000, 7}, {0x30000, 0, 1}}, "", {},
                 false);
    static BootInfo info;
    BootWarnings warnings;
    PvhError error;
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    ASSERT_EQ(info.memory_map.size(), 4u);
    EXPECT_EQ(info.memory_map[1].type, MemoryType::AcpiNvs);
    EXPECT_EQ(info.memory_map[3].type, MemoryType::Reserved);
    EXPECT_TRUE(warnings.has(BootWarning::MemoryMapOverlap));
    EXPECT_TRUE(warnings.has(BootWarning::UnknownMemoryType));
    EXPECT_TRUE(warnings.has(BootWarning::ZeroLengthRegion));
    EXPECT_STREQ(info.command_line, "");
    EXPECT_FALSE(info.has_rsdp);
}

TEST(Pvh, RejectsBadMagicVersionZeroAndMissingMap) {
    static BootInfo info;
    info.command_line[0] = 'x';
    BootWarnings warnings;
    PvhError error;
    {
        FakeMemory memory;
        memory.build(1, qemu_map, "", {}, false);
        memory.put_value<uint32_t>(FakeMemory::start_info, 0x336ec579);
        EXPECT_TRUE(parse(memory, info, warnings, error).is_error());
        EXPECT_EQ(error, PvhError::BadMagic);
    }
    {
        FakeMemory memory;
        memory.build(0, qemu_map, "", {}, false);
        EXPECT_TRUE(parse(memory, info, warnings, error).is_error());
        EXPECT_EQ(error, PvhError::NoMemoryMap);
    }
    {
        FakeMemory memory;
        memory.build(1, {}, "", {}, false);
        EXPECT_TRUE(parse(memory, info, warnings, error).is_error());
        EXPECT_EQ(error, PvhError::NoMemoryMap);
    }
    {
        FakeMemory memory;
        memory.build(1, qemu_map, "", {}, false);
        memory.put_value<uint64_t>(FakeMemory::start_info + 40, 0xfffffffffffff000);
        EXPECT_TRUE(parse(memory, info, warnings, error).is_error());
        EXPECT_EQ(error, PvhError::MemoryMapUnreadable);
        // Capped to 1024 entries (24 KiB), which still run past the end of memory from 0xc000.
        memory.put_value<uint64_t>(FakeMemory::start_info + 40, 0xc000);
        memory.put_value<uint32_t>(FakeMemory::start_info + 48, 0xffffffff);
        EXPECT_TRUE(parse(memory, info, warnings, error).is_error());
        EXPECT_EQ(error, PvhError::MemoryMapUnreadable);
    }
    {
        FakeMemory memory;
        EXPECT_TRUE(parse(memory, info, warnings, error, 0).is_error());
        EXPECT_EQ(error, PvhError::Unreadable);
        EXPECT_TRUE(parse(memory, info, warnings, error, 0x10ff0).is_error()); // runs off the end
        EXPECT_EQ(error, PvhError::Unreadable);
        EXPECT_TRUE(parse(memory, info, warnings, error, u64_max - 3).is_error());
    }
    EXPECT_EQ(info.command_line[0], 'x'); // untouched on failure
    EXPECT_NE(boot::describe(PvhError::NoMemoryMap), nullptr);
}

TEST(Pvh, DropsBadModulesAndCapsTheirCount) {
    FakeMemory memory;
    std::vector<std::pair<uint64_t, uint64_t>> modules = {
        {0, 0x100}, {0x7f00000, 0}, {u64_max - 4, 0x100}, {0x7f00000, 0x100}, {0x7f10000, 0x10}};
    memory.build(1, qemu_map, "", modules, false);
    static BootInfo info;
    BootWarnings warnings;
    PvhError error;
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    ASSERT_EQ(info.modules.size(), 2u);
    EXPECT_STREQ(info.modules[0].name, "initrd");
    EXPECT_EQ(info.modules[0].start, 0x7f00000u);
    EXPECT_STREQ(info.modules[1].name, "module-4");
    EXPECT_TRUE(warnings.has(BootWarning::ModuleInvalid));

    memory.put_value<uint32_t>(FakeMemory::start_info + 12, 1000000);
    warnings = {};
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    EXPECT_TRUE(warnings.has(BootWarning::TooManyModules));
    EXPECT_LE(info.modules.size(), BootInfo::max_modules);

    memory.put_value<uint64_t>(FakeMemory::start_info + 16, 0); // modules without a list
    memory.put_value<uint32_t>(FakeMemory::start_info + 12, 1);
    warnings = {};
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    EXPECT_TRUE(info.modules.is_empty());
    EXPECT_TRUE(warnings.has(BootWarning::ModuleInvalid));
}

TEST(Pvh, TruncatesLongOrUnterminatedCommandLines) {
    FakeMemory memory;
    memory.build(1, qemu_map, std::string(5000, 'a'), {}, false);
    static BootInfo info;
    BootWarnings warnings;
    PvhError error;
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    EXPECT_EQ(strlen(info.command_line), sizeof info.command_line - 1);
    EXPECT_TRUE(warnings.has(BootWarning::CommandLineTruncated));

    // A string running into the end of readable memory stops there.
    std::fill(memory.bytes().end() - 16, memory.bytes().end(), 'b');
    memory.put_value<uint64_t>(FakeMemory::start_info + 24, FakeMemory::base + memory.bytes().size() - 16);
    warnings = {};
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    EXPECT_STREQ(info.command_line, std::string(16, 'b').c_str());
    EXPECT_TRUE(warnings.has(BootWarning::AddressUnreadable));
}

TEST(Pvh, ChecksTheRsdp) {
    FakeMemory memory;
    memory.build(1, qemu_map, "", {}, true);
    memory.put(FakeMemory::rsdp, boot::testing::rsdp_v2(0x7fe14d2, 0x7fe1500));
    static BootInfo info;
    BootWarnings warnings;
    PvhError error;
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    ASSERT_TRUE(info.has_rsdp);
    EXPECT_EQ(info.rsdp.xsdt_address, 0x7fe1500u);

    memory.put(FakeMemory::rsdp, {'R', 'S', 'D', ' ', 'P', 'T', 'R', 'X'});
    warnings = {};
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    EXPECT_FALSE(info.has_rsdp);
    EXPECT_TRUE(warnings.has(BootWarning::RsdpInvalid));

    memory.put_value<uint64_t>(FakeMemory::start_info + 32, 0x10ff0); // 16 bytes before the end
    warnings = {};
    ASSERT_FALSE(parse(memory, info, warnings, error).is_error());
    EXPECT_FALSE(info.has_rsdp);
    EXPECT_TRUE(warnings.has(BootWarning::AddressUnreadable));
}

// Pointer-like values that hit the edges of the fake memory and of the address space.
uint64_t interesting_u64(std::mt19937_64& random) {
    static const uint64_t values[] = {0,       1,           0xfff,      0x1000,     0x1001,      0x2000,
                                      0x3000,  0x4000,      0x5000,     0x10ff0,    0x10fff,     0x11000,
                                      u64_max, u64_max - 7, 0x80000000, 0xffffffff, 0x100000000, 1u << 20};
    switch (random() % 3) {
    case 0:
        return values[random() % std::size(values)];
    case 1:
        return FakeMemory::base + random() % 0x10000;
    default:
        return random();
    }
}

void expect_sane(const BootInfo& info) {
    const auto& map = info.memory_map;
    for (size_t i = 0; i < map.size(); ++i) {
        ASSERT_GT(map[i].length, 0u);
        ASSERT_LE(map[i].length, u64_max - map[i].base);
        uint32_t type = static_cast<uint32_t>(map[i].type);
        ASSERT_TRUE(type >= 1 && type <= 5) << type;
        if (i > 0) {
            ASSERT_LE(map[i - 1].end(), map[i].base);
        }
    }
    ASSERT_LE(info.modules.size(), BootInfo::max_modules);
    for (const auto& module : info.modules) {
        ASSERT_LT(module.start, module.end);
        ASSERT_LT(strnlen(module.name, sizeof module.name), sizeof module.name);
    }
    ASSERT_LT(strnlen(info.command_line, sizeof info.command_line), sizeof info.command_line);
    ASSERT_LT(strnlen(info.loader_name, sizeof info.loader_name), sizeof info.loader_name);
}

TEST(PvhFuzz, MutatedStartInfoNeverCrashes) {
    std::mt19937_64 random(20261207);
    static BootInfo info;
    size_t accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        FakeMemory memory;
        memory.build(1, qemu_map, "init=/bin/sh -- a b", {{0x7f00000, 0x1234}, {0x7f10000, 0x10}}, true);
        int mutations = 1 + static_cast<int>(random() % 6);
        for (int i = 0; i < mutations; ++i) {
            switch (random() % 5) {
            case 0: // a header field: a pointer, a count, the version
                memory.put_value<uint64_t>(FakeMemory::start_info + 8 * (random() % 7),
                                           interesting_u64(random));
                break;
            case 1: // a 32-bit field of the header
                memory.put_value<uint32_t>(FakeMemory::start_info + 4 * (random() % 14),
                                           static_cast<uint32_t>(interesting_u64(random)));
                break;
            case 2: // a memory map entry field
                memory.put_value<uint64_t>(FakeMemory::memmap + 8 * (random() % 18), interesting_u64(random));
                break;
            case 3: // a module entry field
                memory.put_value<uint64_t>(FakeMemory::modlist + 8 * (random() % 8), interesting_u64(random));
                break;
            default: // noise anywhere in the structures
                memory.bytes()[random() % 0x5000] = static_cast<uint8_t>(random());
                break;
            }
        }
        BootWarnings warnings;
        PvhError error;
        uint64_t address = random() % 16 == 0 ? interesting_u64(random) : FakeMemory::start_info;
        auto result = boot::parse_pvh(memory.view(), address, info, warnings, error);
        if (result.is_error()) {
            ASSERT_NE(error, PvhError::None);
            continue;
        }
        ++accepted;
        ASSERT_NO_FATAL_FAILURE(expect_sane(info)) << "round " << round;
    }
    EXPECT_GT(accepted, 1000u); // the mutations must not all be rejected at the door
}

} // namespace
