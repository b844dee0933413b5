// Multiboot2 parser tests: realistic BIOS and UEFI blocks, every structural error, every warning,
// and the memory map sanitizing rules, all on blocks built by Multiboot2Builder.
#include "boot/multiboot2.h"
#include "multiboot2_builder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using boot::BootInfo;
using boot::BootWarning;
using boot::BootWarnings;
using boot::MemoryType;
using boot::testing::Bytes;
using boot::testing::Multiboot2Builder;
using boot::testing::parse;
using boot::testing::RawEntry;
using boot::testing::RgbFramebuffer;

struct Region {
    uint64_t base;
    uint64_t length;
    MemoryType type;
    bool operator==(const Region&) const = default;
};

std::ostream& operator<<(std::ostream& stream, const Region& region) {
    return stream << "{" << std::hex << region.base << ", " << region.length << ", " << std::dec
                  << static_cast<int>(region.type) << "}";
}

std::vector<Region> regions_of(const BootInfo& info) {
    std::vector<Region> regions;
    for (const boot::MemoryRegion& region : info.memory_map)
        regions.push_back({region.base, region.length, region.type});
    return regions;
}

std::vector<BootWarning> warnings_of(const BootWarnings& warnings) {
    return std::vector<BootWarning>(warnings.list.begin(), warnings.list.end());
}

// Parses a block built from `builder` with a memory map, and returns the sanitized regions.
std::vector<Region> sanitize(const std::vector<RawEntry>& entries, BootWarnings& warnings) {
    static BootInfo info;
    auto block = Multiboot2Builder().memory_map(entries).build();
    EXPECT_FALSE(parse(block, info, warnings).is_error());
    return regions_of(info);
}

constexpr MemoryType U = MemoryType::Usable;
constexpr MemoryType R = MemoryType::Reserved;
constexpr MemoryType A = MemoryType::AcpiReclaimable;
constexpr MemoryType N = MemoryType::AcpiNvs;
constexpr MemoryType D = MemoryType::Defective;
constexpr uint64_t u64_max = ~0ull;

// ---- realistic blocks ----

TEST(Multiboot2Parse, BiosLikeBlock) {
    auto block = Multiboot2Builder()
                     .command_line("log=debug test=smoke")
                     .loader_name("GRUB 2.06")
                     .basic_memory_info(639, 130048)
                     .tag(5, Bytes().u32(0x80).u32(~0u).u32(~0u).bytes()) // boot device
                     .memory_map({{0x0, 0x9fc00, 1},
                                  {0x9fc00, 0x400, 2},
                                  {0xf0000, 0x10000, 2},
                                  {0x100000, 0x7ee0000, 1},
                                  {0x7fe0000, 0x20000, 2},
                                  {0xfffc0000, 0x40000, 2}})
                     .module(0x200000, 0x201234, "initrd.tar")
                     .framebuffer(RgbFramebuffer{})
                     .elf_sections(3, 64, 2, 3 * 64)
                     .old_rsdp(boot::testing::rsdp_v1(0x7fe14d2))
                     .build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings, 0x10000).is_error());
    EXPECT_TRUE(warnings.list.is_empty()) << boot::describe(warnings.list[0]);

    EXPECT_STREQ(info.command_line, "log=debug test=smoke");
    EXPECT_STREQ(info.loader_name, "GRUB 2.06");
    EXPECT_EQ(info.info_physical_address, 0x10000u);
    EXPECT_EQ(info.info_size, block.size());

    std::vector<Region> expected = {{0x0, 0x9fc00, U},       {0x9fc00, 0x400, R},
                                    {0xf0000, 0x10000, R},   {0x100000, 0x7ee0000, U},
                                    {0x7fe0000, 0x20000, R}, {0xfffc0000, 0x40000, R}};
    EXPECT_EQ(regions_of(info), expected);
    EXPECT_EQ(info.usable_bytes(), 0x9fc00u + 0x7ee0000u);
    EXPECT_EQ(info.highest_usable_address(), 0x7fe0000u);
    EXPECT_EQ(info.highest_address(), 0x100000000u);

    ASSERT_EQ(info.modules.size(), 1u);
    EXPECT_EQ(info.modules[0].start, 0x200000u);
    EXPECT_EQ(info.modules[0].end, 0x201234u);
    EXPECT_STREQ(info.modules[0].name, "initrd.tar");

    ASSERT_TRUE(info.has_framebuffer);
    EXPECT_EQ(info.framebuffer.physical_address, 0xfd000000u);
    EXPECT_EQ(info.framebuffer.width, 1024u);
    EXPECT_EQ(info.framebuffer.height, 768u);
    EXPECT_EQ(info.framebuffer.pitch, 4096u);
    EXPECT_EQ(info.framebuffer.bits_per_pixel, 32);
    EXPECT_EQ(info.framebuffer.kind, boot::FramebufferKind::Rgb);
    EXPECT_EQ(info.framebuffer.red_shift, 16);
    EXPECT_EQ(info.framebuffer.red_size, 8);
    EXPECT_EQ(info.framebuffer.green_shift, 8);
    EXPECT_EQ(info.framebuffer.blue_shift, 0);
    EXPECT_EQ(info.framebuffer.blue_size, 8);

    ASSERT_TRUE(info.has_elf_sections);
    EXPECT_EQ(info.elf_sections.count, 3u);
    EXPECT_EQ(info.elf_sections.entry_size, 64u);
    EXPECT_EQ(info.elf_sections.string_table_index, 2u);
    EXPECT_EQ(info.elf_sections.headers_size, 192u);
    // The headers really are where the offset says: the builder fills them with 0, 1, 2, ...
    size_t offset = info.elf_sections.headers_offset_in_info;
    ASSERT_LE(offset + 192, block.size());
    EXPECT_EQ(block[offset], 0);
    EXPECT_EQ(block[offset + 191], 191);
    EXPECT_EQ(block[offset - 4], 2); // shndx just before them

    ASSERT_TRUE(info.has_rsdp);
    EXPECT_EQ(info.rsdp.revision, 0);
    EXPECT_EQ(info.rsdp.rsdt_address, 0x7fe14d2u);
    EXPECT_EQ(info.rsdp.xsdt_address, 0u);
    EXPECT_TRUE(info.rsdp.checksum_ok);
}

TEST(Multiboot2Parse, OvmfLikeBlock) {
    auto block =
        Multiboot2Builder()
            .command_line("")
            .loader_name("GRUB 2.06-13+deb12u1")
            .tag(21, Bytes().u32(0x100000).bytes())                // load base address
            .tag(12, Bytes().u64(0xfb6c018).bytes())               // EFI64 system table
            .tag(17, Bytes().u32(48).u32(1).u64(7).u64(0).bytes()) // EFI memory map (ignored)
            .tag(20, Bytes().u64(0xe3a1b98).bytes())               // EFI64 image handle
            .memory_map({{0x0, 0xa0000, 1},
                         {0x100000, 0x700000, 1},
                         {0x800000, 0x8000, 4},
                         {0x808000, 0x3000, 1},
                         {0x80b000, 0x1000, 4},
                         {0x80c000, 0x7d72000, 1},
                         {0x857e000, 0x100000, 20},
                         {0x867e000, 0x20000, 20},
                         {0x869e000, 0x8000, 3},
                         {0x86a6000, 0x1000, 4},
                         {0x86a7000, 0x7959000, 1},
                         {0xffc00000, 0x400000, 2}})
            .framebuffer(RgbFramebuffer{.address = 0x80000000, .pitch = 3200, .width = 800, .height = 600})
            .old_rsdp(boot::testing::rsdp_v1(0xfb7e014, 2))
            .new_rsdp(boot::testing::rsdp_v2(0xfb7e014, 0xfb7e0e8))
            .build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::UnknownMemoryType});

    std::vector<Region> expected = {{0x0, 0xa0000, U},         {0x100000, 0x700000, U},
                                    {0x800000, 0x8000, N},     {0x808000, 0x3000, U},
                                    {0x80b000, 0x1000, N},     {0x80c000, 0x7d72000, U},
                                    {0x857e000, 0x120000, R}, // two type-20 merged
                                    {0x869e000, 0x8000, A},    {0x86a6000, 0x1000, N},
                                    {0x86a7000, 0x7959000, U}, {0xffc00000, 0x400000, R}};
    EXPECT_EQ(regions_of(info), expected);

    ASSERT_TRUE(info.has_rsdp);
    EXPECT_EQ(info.rsdp.revision, 2);
    EXPECT_EQ(info.rsdp.rsdt_address, 0xfb7e014u);
    EXPECT_EQ(info.rsdp.xsdt_address, 0xfb7e0e8u);
    EXPECT_TRUE(info.rsdp.checksum_ok);
    EXPECT_TRUE(info.has_framebuffer);
    EXPECT_EQ(info.command_line[0], '\0');
}

TEST(Multiboot2Parse, ResetsOutputFromAnEarlierParse) {
    BootInfo info;
    BootWarnings warnings;
    auto full = Multiboot2Builder()
                    .command_line("first")
                    .module(1, 2, "m")
                    .memory_map({{0, 0x1000, 1}})
                    .framebuffer(RgbFramebuffer{})
                    .build();
    ASSERT_FALSE(parse(full, info, warnings).is_error());
    auto empty = Multiboot2Builder().build();
    ASSERT_FALSE(parse(empty, info, warnings).is_error());
    EXPECT_EQ(info.command_line[0], '\0');
    EXPECT_TRUE(info.modules.is_empty());
    EXPECT_TRUE(info.memory_map.is_empty());
    EXPECT_FALSE(info.has_framebuffer);
    EXPECT_TRUE(warnings.has(BootWarning::MemoryMapMissing));
}

// ---- structural errors ----

void expect_structural_error(const std::vector<uint8_t>& block) {
    BootInfo info;
    info.command_line[0] = 'x';
    info.info_size = 1234;
    BootWarnings warnings;
    auto result = parse(block, info, warnings);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ktl::Errno::InvalidArgument);
    // Nothing is written before the structure is known to be sound.
    EXPECT_EQ(info.command_line[0], 'x');
    EXPECT_EQ(info.info_size, 1234u);
}

TEST(Multiboot2Structure, EmptyOrTinyBuffer) {
    expect_structural_error({});
    expect_structural_error({16, 0, 0});
    BootInfo info;
    BootWarnings warnings;
    EXPECT_TRUE(boot::parse_multiboot2(ktl::ByteReader(), 0, info, warnings).is_error());
}

TEST(Multiboot2Structure, MinimalBlockIsValid) {
    auto block = Multiboot2Builder().build();
    ASSERT_EQ(block.size(), 16u);
    BootInfo info;
    BootWarnings warnings;
    EXPECT_FALSE(parse(block, info, warnings).is_error());
}

TEST(Multiboot2Structure, TotalSizeTooSmall) {
    auto block = Multiboot2Builder().build();
    for (uint32_t total : {0u, 8u, 15u}) {
        boot::testing::set_u32(block, 0, total);
        expect_structural_error(block);
    }
}

TEST(Multiboot2Structure, TotalSizeLargerThanBuffer) {
    auto block = Multiboot2Builder().command_line("abc").build();
    boot::testing::set_u32(block, 0, static_cast<uint32_t>(block.size() + 8));
    expect_structural_error(block);
    boot::testing::set_u32(block, 0, ~0u & ~7u);
    expect_structural_error(block);
}

TEST(Multiboot2Structure, BufferLargerThanTotalSizeIsFine) {
    auto block = Multiboot2Builder().command_line("abc").build();
    size_t total = block.size();
    block.resize(total + 64, 0xff);
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_EQ(info.info_size, total);
}

TEST(Multiboot2Structure, TotalSizeNotMultipleOf8) {
    auto block = Multiboot2Builder().command_line("abc").build();
    block.resize(block.size() + 4, 0);
    boot::testing::set_u32(block, 0, static_cast<uint32_t>(block.size()));
    expect_structural_error(block);
}

TEST(Multiboot2Structure, TagSizeBelow8) {
    for (uint32_t size : {0u, 1u, 7u}) {
        auto block = Multiboot2Builder().tag(1, Bytes().text("abc").bytes(), size).build();
        expect_structural_error(block);
    }
    // An end tag with size < 8 is broken too.
    auto block = Multiboot2Builder().build();
    boot::testing::set_u32(block, 12, 4);
    expect_structural_error(block);
}

TEST(Multiboot2Structure, TagRunsPastEnd) {
    auto block = Multiboot2Builder().command_line("abc").build();
    boot::testing::set_u32(block, 12, static_cast<uint32_t>(block.size()));
    expect_structural_error(block);
    boot::testing::set_u32(block, 12, ~0u);
    expect_structural_error(block);
}

TEST(Multiboot2Structure, MissingEndTag) {
    expect_structural_error(Multiboot2Builder().command_line("abc").build(false));
    expect_structural_error(Multiboot2Builder().build(false) /* only the fixed part */);
}

TEST(Multiboot2Structure, PaddingOfLastTagRunsPastEnd) {
    // A 12-byte tag whose padding swallows the end tag's place: the walk lands outside the block.
    auto block = Multiboot2Builder().tag(99, Bytes().u32(1).bytes()).build(false);
    ASSERT_EQ(block.size(), 24u);
    boot::testing::set_u32(block, 0, 24);
    expect_structural_error(block);
}

TEST(Multiboot2Structure, EndTagNeedNotBeLast) {
    // Bytes after the end tag (within total_size) are never looked at.
    auto block = Multiboot2Builder().build();
    Bytes garbage;
    garbage.u32(1).u32(0x1000);
    block.insert(block.end(), garbage.bytes().begin(), garbage.bytes().end());
    boot::testing::set_u32(block, 0, static_cast<uint32_t>(block.size()));
    BootInfo info;
    BootWarnings warnings;
    EXPECT_FALSE(parse(block, info, warnings).is_error());
}

// ---- warnings ----

TEST(Multiboot2Warnings, UnknownTagsSkippedAndReportedOnce) {
    auto block = Multiboot2Builder()
                     .tag(99, Bytes().u64(1).bytes())
                     .tag(0x12345678, {})
                     .command_line("after")
                     .memory_map({{0, 0x1000, 1}})
                     .build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::UnknownTag});
    EXPECT_STREQ(info.command_line, "after");
}

TEST(Multiboot2Warnings, DuplicateTagsFirstWins) {
    RgbFramebuffer second;
    second.width = 800;
    second.pitch = 3200;
    auto block = Multiboot2Builder()
                     .command_line("first")
                     .framebuffer(RgbFramebuffer{})
                     .memory_map({{0, 0x1000, 1}})
                     .command_line("second")
                     .framebuffer(second)
                     .memory_map({{0, 0x2000, 2}})
                     .loader_name("a")
                     .loader_name("b")
                     .build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::DuplicateTag});
    EXPECT_STREQ(info.command_line, "first");
    EXPECT_STREQ(info.loader_name, "a");
    EXPECT_EQ(info.framebuffer.width, 1024u);
    EXPECT_EQ(regions_of(info), (std::vector<Region>{{0, 0x1000, U}}));
}

TEST(Multiboot2Warnings, CommandLineUnterminated) {
    auto block = Multiboot2Builder().tag(1, Bytes().text("abc", false).bytes()).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_TRUE(warnings.has(BootWarning::StringUnterminated));
    EXPECT_STREQ(info.command_line, "abc");
}

TEST(Multiboot2Warnings, EmptyStringTag) {
    auto block = Multiboot2Builder().tag(1, {}).memory_map({{0, 1, 1}}).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::StringUnterminated});
    EXPECT_STREQ(info.command_line, "");
}

TEST(Multiboot2Warnings, CommandLineAndLoaderNameTruncated) {
    std::string long_line(2000, 'a');
    std::string long_name(100, 'b');
    auto block = Multiboot2Builder().command_line(long_line).loader_name(long_name).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_TRUE(warnings.has(BootWarning::CommandLineTruncated));
    EXPECT_TRUE(warnings.has(BootWarning::LoaderNameTruncated));
    EXPECT_FALSE(warnings.has(BootWarning::StringUnterminated));
    EXPECT_EQ(std::string(info.command_line), std::string(1023, 'a'));
    EXPECT_EQ(std::string(info.loader_name), std::string(63, 'b'));

    // Exactly 1023 characters still fit.
    auto exact = Multiboot2Builder().command_line(std::string(1023, 'c')).build();
    BootWarnings exact_warnings;
    ASSERT_FALSE(parse(exact, info, exact_warnings).is_error());
    EXPECT_FALSE(exact_warnings.has(BootWarning::CommandLineTruncated));
    EXPECT_EQ(std::strlen(info.command_line), 1023u);
}

TEST(Multiboot2Warnings, MemoryMapMissingOrInvalid) {
    BootInfo info;
    {
        BootWarnings warnings;
        ASSERT_FALSE(parse(Multiboot2Builder().build(), info, warnings).is_error());
        EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::MemoryMapMissing});
    }
    {
        // entry_size 16 is too small to hold an entry.
        BootWarnings warnings;
        auto block = Multiboot2Builder().tag(6, Bytes().u32(16).u32(0).u64(0).u64(0x1000).bytes()).build();
        ASSERT_FALSE(parse(block, info, warnings).is_error());
        EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::MemoryMapInvalid});
        EXPECT_TRUE(info.memory_map.is_empty());
    }
    {
        // A tag too short for entry_size/entry_version.
        BootWarnings warnings;
        auto block = Multiboot2Builder().tag(6, Bytes().u32(24).bytes()).build();
        ASSERT_FALSE(parse(block, info, warnings).is_error());
        EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::MemoryMapInvalid});
    }
}

TEST(Multiboot2Warnings, LargerMemoryMapEntriesAreSteppedOver) {
    auto block = Multiboot2Builder().memory_map({{0x1000, 0x1000, 1}, {0x3000, 0x1000, 2}}, 40).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_TRUE(warnings.list.is_empty());
    EXPECT_EQ(regions_of(info), (std::vector<Region>{{0x1000, 0x1000, U}, {0x3000, 0x1000, R}}));
}

TEST(Multiboot2Warnings, TrailingPartialMemoryMapEntryIgnored) {
    Bytes bytes;
    bytes.u32(24).u32(0).u64(0x1000).u64(0x1000).u32(1).u32(0).u64(0x5000).u64(0x1000); // half an entry
    auto block = Multiboot2Builder().tag(6, bytes.bytes()).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_EQ(regions_of(info), (std::vector<Region>{{0x1000, 0x1000, U}}));
}

TEST(Multiboot2Warnings, ModuleEndBeforeStartDropped) {
    auto block = Multiboot2Builder().module(0x2000, 0x1000, "bad").module(0x3000, 0x3000, "empty").build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_TRUE(warnings.has(BootWarning::ModuleInvalid));
    ASSERT_EQ(info.modules.size(), 1u);
    EXPECT_STREQ(info.modules[0].name, "empty");
}

TEST(Multiboot2Warnings, ModuleTagTooShortDropped) {
    auto block = Multiboot2Builder().tag(3, Bytes().u32(0x1000).bytes()).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_TRUE(warnings.has(BootWarning::ModuleInvalid));
    EXPECT_TRUE(info.modules.is_empty());
}

TEST(Multiboot2Warnings, ModuleNameUnterminatedOrTruncated) {
    auto block = Multiboot2Builder()
                     .tag(3, Bytes().u32(0x1000).u32(0x2000).text("abcd", false).bytes())
                     .module(0x3000, 0x4000, std::string(80, 'n'))
                     .module(0x5000, 0x6000, "")
                     .build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_TRUE(warnings.has(BootWarning::StringUnterminated));
    EXPECT_TRUE(warnings.has(BootWarning::ModuleNameTruncated));
    ASSERT_EQ(info.modules.size(), 3u);
    EXPECT_STREQ(info.modules[0].name, "abcd");
    EXPECT_EQ(std::string(info.modules[1].name), std::string(63, 'n'));
    EXPECT_STREQ(info.modules[2].name, "");
}

TEST(Multiboot2Warnings, TooManyModules) {
    Multiboot2Builder builder;
    for (uint32_t i = 0; i < 20; ++i)
        builder.module(i * 0x1000, i * 0x1000 + 0x800, "m" + std::to_string(i));
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(builder.build(), info, warnings).is_error());
    EXPECT_TRUE(warnings.has(BootWarning::TooManyModules));
    ASSERT_EQ(info.modules.size(), BootInfo::max_modules);
    EXPECT_STREQ(info.modules[15].name, "m15");
}

void expect_framebuffer_dropped(const RgbFramebuffer& framebuffer) {
    auto block = Multiboot2Builder().framebuffer(framebuffer).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_FALSE(info.has_framebuffer);
    EXPECT_TRUE(warnings.has(BootWarning::FramebufferInvalid));
}

void expect_framebuffer_kept(const RgbFramebuffer& framebuffer) {
    auto block = Multiboot2Builder().framebuffer(framebuffer).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_TRUE(info.has_framebuffer);
    EXPECT_FALSE(warnings.has(BootWarning::FramebufferInvalid));
}

TEST(Multiboot2Warnings, FramebufferValidation) {
    expect_framebuffer_kept({});
    expect_framebuffer_dropped({.pitch = 4095}); // pitch < width * 4
    expect_framebuffer_dropped({.pitch = 0});
    expect_framebuffer_dropped({.width = 0});
    expect_framebuffer_dropped({.height = 0});
    expect_framebuffer_dropped({.bpp = 12});
    expect_framebuffer_dropped({.bpp = 0});
    expect_framebuffer_dropped({.kind = 3});
    expect_framebuffer_dropped({.address = u64_max - 4096 * 767}); // address + pitch * height wraps
    expect_framebuffer_kept({.address = u64_max - 4096 * 768});
    expect_framebuffer_dropped({.red_shift = 25}); // 25 + 8 > 32
    expect_framebuffer_dropped({.green_size = 0});
    expect_framebuffer_dropped({.pitch = 4096, .width = 1024, .bpp = 24, .blue_shift = 20});
    expect_framebuffer_kept({.pitch = 3072, .width = 1024, .bpp = 24});
    expect_framebuffer_kept({.pitch = 2048,
                             .width = 1024,
                             .bpp = 16,
                             .red_shift = 11,
                             .red_size = 5,
                             .green_shift = 5,
                             .green_size = 6,
                             .blue_shift = 0,
                             .blue_size = 5});
    expect_framebuffer_kept(
        {.address = 0xb8000, .pitch = 160, .width = 80, .height = 25, .bpp = 16, .kind = 2});
    expect_framebuffer_dropped(
        {.address = 0xb8000, .pitch = 159, .width = 80, .height = 25, .bpp = 16, .kind = 2});
    expect_framebuffer_kept({.pitch = 1024, .width = 1024, .bpp = 8, .kind = 0});
}

TEST(Multiboot2Warnings, FramebufferTagTooShort) {
    // An RGB framebuffer without its colour fields.
    auto block = Multiboot2Builder()
                     .tag(8, Bytes().u64(0xfd000000).u32(4096).u32(1024).u32(768).u8(32).u8(1).u16(0).bytes())
                     .build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_FALSE(info.has_framebuffer);
    EXPECT_TRUE(warnings.has(BootWarning::FramebufferInvalid));

    auto shorter = Multiboot2Builder().tag(8, Bytes().u64(0xfd000000).u32(4096).bytes()).build();
    BootWarnings more_warnings;
    ASSERT_FALSE(parse(shorter, info, more_warnings).is_error());
    EXPECT_TRUE(more_warnings.has(BootWarning::FramebufferInvalid));
}

TEST(Multiboot2Warnings, RsdpBadChecksumFlagged) {
    auto block = Multiboot2Builder().old_rsdp(boot::testing::rsdp_v1(0x1234, 0, false)).build();
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(parse(block, info, warnings).is_error());
    EXPECT_TRUE(warnings.has(BootWarning::RsdpChecksum));
    ASSERT_TRUE(info.has_rsdp);
    EXPECT_FALSE(info.rsdp.checksum_ok);
    EXPECT_EQ(info.rsdp.rsdt_address, 0x1234u);
}

TEST(Multiboot2Warnings, RsdpBadSignatureOrTooShortDropped) {
    auto bad_signature = boot::testing::rsdp_v1(0x1234);
    bad_signature[0] = 'X';
    auto short_rsdp = boot::testing::rsdp_v1(0x1234);
    short_rsdp.resize(19);
    for (const auto& rsdp : {bad_signature, short_rsdp}) {
        BootInfo info;
        BootWarnings warnings;
        ASSERT_FALSE(parse(Multiboot2Builder().old_rsdp(rsdp).build(), info, warnings).is_error());
        EXPECT_TRUE(warnings.has(BootWarning::RsdpInvalid));
        EXPECT_FALSE(info.has_rsdp);
    }
}

TEST(Multiboot2Warnings, NewRsdpPreferredUnlessItsChecksumIsBad) {
    BootInfo info;
    {
        // Tag order does not matter: 15 wins over 14.
        BootWarnings warnings;
        auto block = Multiboot2Builder()
                         .new_rsdp(boot::testing::rsdp_v2(0x1000, 0x2000))
                         .old_rsdp(boot::testing::rsdp_v1(0x3000))
                         .build();
        ASSERT_FALSE(parse(block, info, warnings).is_error());
        EXPECT_EQ(info.rsdp.xsdt_address, 0x2000u);
        EXPECT_EQ(info.rsdp.rsdt_address, 0x1000u);
    }
    {
        // A bad extended checksum: the valid old copy is used, and the oddity reported.
        BootWarnings warnings;
        auto block = Multiboot2Builder()
                         .old_rsdp(boot::testing::rsdp_v1(0x3000))
                         .new_rsdp(boot::testing::rsdp_v2(0x1000, 0x2000, true, false))
                         .build();
        ASSERT_FALSE(parse(block, info, warnings).is_error());
        EXPECT_TRUE(warnings.has(BootWarning::RsdpChecksum));
        EXPECT_EQ(info.rsdp.rsdt_address, 0x3000u);
        EXPECT_EQ(info.rsdp.xsdt_address, 0u);
        EXPECT_TRUE(info.rsdp.checksum_ok);
    }
    {
        // Only a bad v2: kept, flagged.
        BootWarnings warnings;
        auto block =
            Multiboot2Builder().new_rsdp(boot::testing::rsdp_v2(0x1000, 0x2000, true, false)).build();
        ASSERT_FALSE(parse(block, info, warnings).is_error());
        ASSERT_TRUE(info.has_rsdp);
        EXPECT_FALSE(info.rsdp.checksum_ok);
        EXPECT_EQ(info.rsdp.xsdt_address, 0x2000u);
    }
    {
        // A v2 whose length field points past the tag, or a v2 tag cut to the v1 size.
        for (auto rsdp :
             {boot::testing::rsdp_v2(0x1000, 0x2000, true, true, 200),
              boot::testing::rsdp_v2(0x1000, 0x2000, true, true, 20), boot::testing::rsdp_v1(0x1000, 2)}) {
            BootWarnings warnings;
            ASSERT_FALSE(parse(Multiboot2Builder().new_rsdp(rsdp).build(), info, warnings).is_error());
            EXPECT_TRUE(warnings.has(BootWarning::RsdpInvalid));
            EXPECT_FALSE(info.has_rsdp);
        }
    }
}

TEST(Multiboot2Warnings, ElfSectionsValidation) {
    BootInfo info;
    {
        BootWarnings warnings;
        ASSERT_FALSE(
            parse(Multiboot2Builder().elf_sections(4, 64, 3, 4 * 64 - 1).build(), info, warnings).is_error());
        EXPECT_TRUE(warnings.has(BootWarning::ElfSectionsInvalid));
        EXPECT_FALSE(info.has_elf_sections);
    }
    {
        // A count that would overflow 32 bits when multiplied.
        BootWarnings warnings;
        ASSERT_FALSE(parse(Multiboot2Builder().elf_sections(0x10000000, 0x100, 3, 64).build(), info, warnings)
                         .is_error());
        EXPECT_TRUE(warnings.has(BootWarning::ElfSectionsInvalid));
    }
    {
        BootWarnings warnings;
        ASSERT_FALSE(
            parse(Multiboot2Builder().elf_sections(4, 64, 4, 4 * 64).build(), info, warnings).is_error());
        EXPECT_TRUE(warnings.has(BootWarning::ElfSectionsInvalid)); // string table index out of range
    }
    {
        BootWarnings warnings;
        ASSERT_FALSE(
            parse(Multiboot2Builder().tag(9, Bytes().u32(0).bytes()).build(), info, warnings).is_error());
        EXPECT_TRUE(warnings.has(BootWarning::ElfSectionsInvalid));
    }
    {
        BootWarnings warnings;
        ASSERT_FALSE(parse(Multiboot2Builder().elf_sections(0, 0, 0, 0).build(), info, warnings).is_error());
        EXPECT_FALSE(warnings.has(BootWarning::ElfSectionsInvalid));
        EXPECT_TRUE(info.has_elf_sections);
    }
}

TEST(Multiboot2Warnings, InfoMisaligned) {
    BootInfo info;
    BootWarnings warnings;
    ASSERT_FALSE(
        parse(Multiboot2Builder().memory_map({{0, 1, 1}}).build(), info, warnings, 0x10004).is_error());
    EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::InfoMisaligned});
}

TEST(Multiboot2Warnings, WarningsRecordedOncePerKindAndOverflowCounted) {
    BootWarnings warnings;
    warnings.add(BootWarning::UnknownTag);
    warnings.add(BootWarning::UnknownTag);
    EXPECT_EQ(warnings.list.size(), 1u);
    BootWarnings full;
    for (size_t i = 0; i < 32; ++i)
        (void)full.list.try_append(BootWarning::UnknownTag);
    full.add(BootWarning::RsdpChecksum);
    EXPECT_EQ(full.dropped, 1u);
}

TEST(Multiboot2Warnings, EveryWarningIsDescribed) {
    for (int i = 0; i <= static_cast<int>(BootWarning::ElfSectionsInvalid); ++i) {
        std::string text = boot::describe(static_cast<BootWarning>(i));
        EXPECT_GT(text.size(), 10u);
        EXPECT_NE(text, "Unknown boot warning.") << i;
        EXPECT_EQ(text.back(), '.');
    }
}

// ---- memory map sanitizing ----

TEST(Multiboot2MemoryMap, UnsortedEntriesAreSorted) {
    BootWarnings warnings;
    auto regions = sanitize({{0x5000, 0x1000, 1}, {0x1000, 0x1000, 2}, {0x3000, 0x1000, 1}}, warnings);
    EXPECT_EQ(regions, (std::vector<Region>{{0x1000, 0x1000, R}, {0x3000, 0x1000, U}, {0x5000, 0x1000, U}}));
    EXPECT_TRUE(warnings.list.is_empty());
}

TEST(Multiboot2MemoryMap, ReservedCutsHoleIntoUsable) {
    BootWarnings warnings;
    auto regions = sanitize({{0x0, 0x10000, 1}, {0x4000, 0x1000, 2}}, warnings);
    EXPECT_EQ(regions, (std::vector<Region>{{0x0, 0x4000, U}, {0x4000, 0x1000, R}, {0x5000, 0xb000, U}}));
    EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::MemoryMapOverlap});
}

TEST(Multiboot2MemoryMap, PartialOverlapsEitherOrder) {
    BootWarnings warnings;
    EXPECT_EQ(sanitize({{0x0, 0x3000, 1}, {0x2000, 0x3000, 4}}, warnings),
              (std::vector<Region>{{0x0, 0x2000, U}, {0x2000, 0x3000, N}}));
    EXPECT_EQ(sanitize({{0x2000, 0x3000, 1}, {0x0, 0x3000, 4}}, warnings),
              (std::vector<Region>{{0x0, 0x3000, N}, {0x3000, 0x2000, U}}));
}

TEST(Multiboot2MemoryMap, PrecedenceOfTypes) {
    // Nested regions, from least to most restrictive, each inside the previous one.
    BootWarnings warnings;
    auto regions = sanitize({{0x0, 0xa000, 1},
                             {0x1000, 0x8000, 3},
                             {0x2000, 0x6000, 2},
                             {0x3000, 0x4000, 4},
                             {0x4000, 0x2000, 5}},
                            warnings);
    EXPECT_EQ(regions, (std::vector<Region>{{0x0, 0x1000, U},
                                            {0x1000, 0x1000, A},
                                            {0x2000, 0x1000, R},
                                            {0x3000, 0x1000, N},
                                            {0x4000, 0x2000, D},
                                            {0x6000, 0x1000, N},
                                            {0x7000, 0x1000, R},
                                            {0x8000, 0x1000, A},
                                            {0x9000, 0x1000, U}}));
    // The same in reverse order gives the same map.
    EXPECT_EQ(sanitize({{0x4000, 0x2000, 5},
                        {0x3000, 0x4000, 4},
                        {0x2000, 0x6000, 2},
                        {0x1000, 0x8000, 3},
                        {0x0, 0xa000, 1}},
                       warnings),
              regions);
    // Reserved beats ACPI reclaimable even though its number is lower.
    EXPECT_EQ(sanitize({{0x0, 0x2000, 3}, {0x1000, 0x2000, 2}}, warnings),
              (std::vector<Region>{{0x0, 0x1000, A}, {0x1000, 0x2000, R}}));
}

TEST(Multiboot2MemoryMap, DuplicatesAndAdjacentRegionsMerge) {
    BootWarnings warnings;
    auto regions = sanitize({{0x1000, 0x1000, 1},
                             {0x1000, 0x1000, 1},
                             {0x2000, 0x1000, 1},
                             {0x3000, 0x1000, 2},
                             {0x4000, 0x1000, 20},
                             {0x5000, 0x1000, 1}},
                            warnings);
    EXPECT_EQ(regions, (std::vector<Region>{{0x1000, 0x2000, U}, {0x3000, 0x2000, R}, {0x5000, 0x1000, U}}));
    EXPECT_TRUE(warnings.has(BootWarning::MemoryMapOverlap));
    EXPECT_TRUE(warnings.has(BootWarning::UnknownMemoryType));
}

TEST(Multiboot2MemoryMap, ZeroLengthEntriesDropped) {
    BootWarnings warnings;
    auto regions = sanitize({{0x1000, 0, 1}, {0x2000, 0x1000, 1}, {0x2800, 0, 5}}, warnings);
    EXPECT_EQ(regions, (std::vector<Region>{{0x2000, 0x1000, U}}));
    EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::ZeroLengthRegion});
}

TEST(Multiboot2MemoryMap, WrappingEntriesClipped) {
    BootWarnings warnings;
    auto regions =
        sanitize({{0xfffffffffffff000, 0x2000, 2}, {0x1000, u64_max, 1}, {u64_max, 5, 1}}, warnings);
    // Usable from 0x1000 up to where the reserved one starts; nothing reaches past 2^64 - 1.
    EXPECT_EQ(regions, (std::vector<Region>{{0x1000, 0xfffffffffffff000 - 0x1000, U},
                                            {0xfffffffffffff000, 0xfff, R}}));
    EXPECT_TRUE(warnings.has(BootWarning::RegionWrapsAround));
    EXPECT_TRUE(warnings.has(BootWarning::ZeroLengthRegion)); // u64_max + 5 clips to nothing
    EXPECT_TRUE(warnings.has(BootWarning::MemoryMapOverlap));
}

TEST(Multiboot2MemoryMap, WholeAddressSpace) {
    BootWarnings warnings;
    auto regions = sanitize({{0, u64_max, 1}, {0, u64_max, 1}}, warnings);
    EXPECT_EQ(regions, (std::vector<Region>{{0, u64_max, U}}));
}

TEST(Multiboot2MemoryMap, TooManyRegionsKeepsTheLowest) {
    std::vector<RawEntry> entries;
    for (uint64_t i = 200; i-- > 0;) // descending, so sorting matters
        entries.push_back({i * 0x1000, 0x1000, static_cast<uint32_t>(i % 2 ? 1 : 2)});
    BootWarnings warnings;
    auto regions = sanitize(entries, warnings);
    ASSERT_EQ(regions.size(), BootInfo::max_memory_regions);
    EXPECT_EQ(regions[0], (Region{0, 0x1000, R}));
    EXPECT_EQ(regions[127], (Region{127 * 0x1000, 0x1000, U}));
    EXPECT_EQ(warnings_of(warnings), std::vector<BootWarning>{BootWarning::MemoryMapTruncated});
}

TEST(Multiboot2MemoryMap, ManyEntriesThatMergeStillFit) {
    std::vector<RawEntry> entries;
    for (uint64_t i = 0; i < 1000; ++i)
        entries.push_back({i * 0x1000, 0x1000, 1});
    BootWarnings warnings;
    EXPECT_EQ(sanitize(entries, warnings), (std::vector<Region>{{0, 1000 * 0x1000, U}}));
    EXPECT_TRUE(warnings.list.is_empty());
}

TEST(Multiboot2MemoryMap, RawEntriesBeyondTheCapAreIgnored) {
    std::vector<RawEntry> entries;
    for (uint64_t i = 0; i < 1100; ++i)
        entries.push_back({i * 0x1000, 0x1000, 1});
    BootWarnings warnings;
    EXPECT_EQ(sanitize(entries, warnings), (std::vector<Region>{{0, 1024 * 0x1000, U}}));
    EXPECT_TRUE(warnings.has(BootWarning::MemoryMapTruncated));
}

TEST(Multiboot2MemoryMap, QueriesOnAnEmptyMap) {
    BootInfo info;
    EXPECT_EQ(info.usable_bytes(), 0u);
    EXPECT_EQ(info.highest_usable_address(), 0u);
    EXPECT_EQ(info.highest_address(), 0u);
    EXPECT_STREQ(boot::memory_type_name(MemoryType::AcpiNvs), "ACPI NVS");
}

} // namespace
