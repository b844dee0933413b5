#include "elf/elf_file.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>
#include <vector>

namespace {

std::vector<uint8_t> read_bytes(const char* path) {
    std::ifstream stream(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(stream), {});
}

const std::vector<uint8_t>& own_binary() {
    static const std::vector<uint8_t> bytes = read_bytes(BLOG_OS_ELF_TEST_BINARY);
    return bytes;
}

TEST(ElfFile, ReadsItsOwnTestBinary) {
    const auto& bytes = own_binary();
    auto elf = elf::ElfFile::parse(ktl::ByteReader(bytes.data(), bytes.size()));
    ASSERT_FALSE(elf.is_error());
    EXPECT_EQ(elf.value().machine(), 62);
    auto text = elf.value().section_by_name(".text");
    ASSERT_FALSE(text.is_error());
    EXPECT_GT(text.value().bytes.size(), 0u);
    EXPECT_TRUE(elf.value().section_by_name(".no_such_section").is_error());
    EXPECT_FALSE(elf.value().section_by_name(".debug_info").is_error()); // built with -g
}

TEST(ElfFile, FindsTheFunctionContainingAnAddress) {
    const auto& bytes = own_binary();
    auto elf = elf::ElfFile::parse(ktl::ByteReader(bytes.data(), bytes.size())).release_value();
    auto text = elf.section_by_name(".text").release_value();
    // Somewhere in the middle of .text there is always a function with a name.
    auto symbol = elf.function_containing(text.address + text.bytes.size() / 2);
    ASSERT_FALSE(symbol.is_error());
    EXPECT_FALSE(symbol.value().name.is_empty());
    EXPECT_LE(symbol.value().value, text.address + text.bytes.size() / 2);
    EXPECT_TRUE(elf.function_containing(0).is_error());
}

TEST(ElfFile, RejectsWhatIsNotElf) {
    const uint8_t not_elf[64] = {'M', 'Z'};
    EXPECT_EQ(elf::ElfFile::parse(ktl::ByteReader(not_elf, sizeof not_elf)).error().code(),
              ktl::Errno::ExecFormat);
    EXPECT_TRUE(elf::ElfFile::parse(ktl::ByteReader(not_elf, 10)).is_error());
}

// Every prefix of the header area and random corruption of the whole file: parse and lookups may
// fail, but never read outside the bytes (checked under the address sanitizer in development).
TEST(ElfFile, TruncatedAndCorruptFilesAreRejectedOrReadSafely) {
    const auto& original = own_binary();
    for (size_t length = 0; length < 256; ++length) {
        std::vector<uint8_t> prefix(original.begin(), original.begin() + length);
        auto elf = elf::ElfFile::parse(ktl::ByteReader(prefix.data(), prefix.size()));
        if (!elf.is_error())
            (void)elf.value().section_by_name(".text");
    }
    std::mt19937_64 random(12345);
    for (int round = 0; round < 300; ++round) {
        std::vector<uint8_t> corrupt = original;
        for (int flip = 0; flip < 20; ++flip)
            corrupt[random() % 256] ^= static_cast<uint8_t>(random());
        // Corrupt the section headers too.
        auto header_offset = *reinterpret_cast<const uint64_t*>(&original[40]);
        for (int flip = 0; flip < 20; ++flip) {
            size_t where = header_offset + random() % (original.size() - header_offset);
            corrupt[where] ^= static_cast<uint8_t>(random());
        }
        auto elf = elf::ElfFile::parse(ktl::ByteReader(corrupt.data(), corrupt.size()));
        if (elf.is_error())
            continue;
        for (size_t index = 0; index < elf.value().section_count(); ++index)
            (void)elf.value().section(index);
        (void)elf.value().section_by_name(".debug_line");
        (void)elf.value().function_containing(0x1000);
    }
}

} // namespace
