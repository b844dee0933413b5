// The parser refuses malformed files with a message naming the cause.
#include "link_helper.h"
#include "module/object_file.h"
#include "object_builder.h"

#include <cstring>
#include <gtest/gtest.h>

namespace module::test {
namespace {

ObjectBuilder minimal() {
    ObjectBuilder builder;
    int text = builder.add_section(".text", 1, text_flags, {0xc3, 0x90, 0x90, 0x90});
    builder.add_symbol("entry", uint16_t(text), 0, 1, 2);
    return builder;
}

std::string parse_error(const std::vector<uint8_t>& file) {
    Diagnostic diagnostic;
    auto parsed = ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic);
    EXPECT_TRUE(parsed.is_error());
    if (parsed.is_error()) {
        EXPECT_EQ(parsed.error().code(), ktl::Errno::ExecFormat);
    }
    return message(diagnostic);
}

template <typename T>
void poke(std::vector<uint8_t>& file, size_t at, T value) {
    memcpy(file.data() + at, &value, sizeof value);
}

TEST(ModuleObjectFile, AcceptsAMinimalObjectAndReadsItsSymbols) {
    std::vector<uint8_t> file = minimal().build();
    Diagnostic diagnostic;
    auto parsed = ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic);
    ASSERT_FALSE(parsed.is_error()) << message(diagnostic);
    const ObjectFile& object = parsed.value();
    EXPECT_EQ(object.find_section(".text"), 1);
    ASSERT_EQ(object.symbol_count(), 2u);
    EXPECT_TRUE(object.symbol(1).name == "entry");
}

TEST(ModuleObjectFile, RefusesEveryTruncationOfAValidFile) {
    std::vector<uint8_t> file = minimal().build();
    for (size_t length = 0; length < file.size(); ++length) {
        std::vector<uint8_t> truncated(file.begin(), file.begin() + length);
        std::string text = parse_error(truncated);
        EXPECT_NE(text.find("truncated"), std::string::npos) << length << ": " << text;
    }
}

TEST(ModuleObjectFile, RefusesTheWrongClassMachineAndType) {
    std::vector<uint8_t> file = minimal().build();
    std::vector<uint8_t> bad = file;
    bad[4] = 1;
    EXPECT_EQ(parse_error(bad), "wrong ELF class 1: need ELFCLASS64 (2)");
    bad = file;
    poke<uint16_t>(bad, 18, 3);
    EXPECT_EQ(parse_error(bad), "wrong machine 3: need x86-64 (62)");
    bad = file;
    poke<uint16_t>(bad, 16, 3);
    EXPECT_EQ(parse_error(bad), "not a relocatable object: ELF type 3, need ET_REL (1)");
    bad = file;
    bad[1] = 'X';
    EXPECT_EQ(parse_error(bad), "not an ELF file (bad magic)");
}

TEST(ModuleObjectFile, RefusesOverlappingSections) {
    ObjectBuilder builder = minimal();
    int data = builder.add_section(".data", 1, data_flags, std::vector<uint8_t>(16, 1));
    std::vector<uint8_t> file = builder.build();
    // Point .data at .text's bytes.
    uint64_t text_offset;
    memcpy(&text_offset, file.data() + builder.section_header_offset(file, 1) + 24, 8);
    poke<uint64_t>(file, builder.section_header_offset(file, data) + 24, text_offset);
    std::string text = parse_error(file);
    EXPECT_NE(text.find("overlapping sections"), std::string::npos) << text;
    // And a section over the ELF header.
    file = builder.build();
    poke<uint64_t>(file, builder.section_header_offset(file, data) + 24, 8);
    EXPECT_EQ(parse_error(file), "overlapping sections: section 2 overlaps the ELF header");
}

TEST(ModuleObjectFile, RefusesABadSymbolSectionIndex) {
    ObjectBuilder builder = minimal();
    builder.add_symbol("nowhere", 77, 0);
    EXPECT_EQ(parse_error(builder.build()), "symbol 2 (nowhere): bad section index 0x4d");
}

TEST(ModuleObjectFile, RefusesCommonSymbols) {
    ObjectBuilder builder = minimal();
    builder.add_symbol("shared_counter", 0xfff2, 8);
    EXPECT_EQ(parse_error(builder.build()), "common symbol shared_counter: build with -fno-common");
}

TEST(ModuleObjectFile, RefusesASymbolPastItsSection) {
    ObjectBuilder builder = minimal();
    builder.add_symbol("beyond", 1, 100);
    EXPECT_EQ(parse_error(builder.build()),
              "symbol beyond: value 0x64 is past the end of section 1 (4 bytes)");
}

TEST(ModuleObjectFile, RefusesBadSectionNameAndStringTableIndices) {
    std::vector<uint8_t> file = minimal().build();
    std::vector<uint8_t> bad = file;
    poke<uint16_t>(bad, 62, 200);
    EXPECT_EQ(parse_error(bad), "bad section name table index 200");
    bad = file;
    poke<uint32_t>(bad, minimal().section_header_offset(bad, 1), 0xffffff);
    EXPECT_EQ(parse_error(bad), "section 1: name offset 16777215 is outside the name table");
}

TEST(ModuleObjectFile, RefusesARelocationSectionWithABadTarget) {
    ObjectBuilder builder = minimal();
    builder.add_relocation(1, 0, 2, 1, 0);
    std::vector<uint8_t> file = builder.build();
    // The relocation section is index 2; aim it at section 99.
    poke<uint32_t>(file, builder.section_header_offset(file, 2) + 44, 99);
    EXPECT_EQ(parse_error(file), "section 2 (.rela.text): bad target section index 99");
}

TEST(ModuleObjectFile, RefusesWritableExecutableSectionsAtPlanning) {
    ObjectBuilder builder;
    builder.add_section(".wx", 1, 0x7, {0xc3});
    std::vector<uint8_t> file = builder.build();
    Linked linked;
    Diagnostic diagnostic;
    EXPECT_TRUE(link_bytes(file, linked, diagnostic).is_error());
    EXPECT_EQ(message(diagnostic), "section 1 (.wx) is both writable and executable");
}

} // namespace
} // namespace module::test
