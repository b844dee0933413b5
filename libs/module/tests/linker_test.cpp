// Layout, symbol resolution through the export table only, and each accepted relocation type with
// its range check; the descriptor and .modinfo.
#include "link_helper.h"
#include "object_builder.h"

#include <cstring>
#include <gtest/gtest.h>

namespace module::test {
namespace {

enum : uint32_t {
    r_64 = 1,
    r_pc32 = 2,
    r_plt32 = 4,
    r_gotpcrel = 9,
    r_32 = 10,
    r_32s = 11,
    r_16 = 12,
    r_pc64 = 24,
    r_gotpcrelx = 41,
    r_rex_gotpcrelx = 42
};

template <typename T>
T read(const uint8_t* at) {
    T value;
    memcpy(&value, at, sizeof value);
    return value;
}

struct Fixture {
    ObjectBuilder builder;
    int text, rodata, data, bss;
    uint32_t local_data, kernel, far, absolute;
    Fixture() {
        text = builder.add_section(".text", 1, text_flags, std::vector<uint8_t>(32, 0x90));
        rodata = builder.add_section(".rodata", 1, rodata_flags, std::vector<uint8_t>(8, 0x11), 8);
        data = builder.add_section(".data", 1, data_flags, std::vector<uint8_t>(32, 0), 8);
        bss = builder.add_section(".bss", 8, data_flags, {}, 64, 100);
        local_data = builder.add_symbol("local_data", uint16_t(data), 8, 0, 1);
        kernel = builder.add_symbol("kernel_function", 0, 0);
        far = builder.add_symbol("far_object", 0, 0);
        absolute = builder.add_symbol("absolute", 0xfff1, 0x1234);
    }
};

TEST(ModuleLinker, PlacesSectionsByPermissionAndZeroesBss) {
    Fixture f;
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_FALSE(link_bytes(f.builder.build(), linked, diagnostic).is_error()) << message(diagnostic);
    EXPECT_EQ(linked.layout.sections[f.text].area, Area::Text);
    EXPECT_EQ(linked.layout.sections[f.rodata].area, Area::ReadOnly);
    EXPECT_EQ(linked.layout.sections[f.data].area, Area::Data);
    EXPECT_EQ(linked.layout.sections[f.bss].area, Area::Data);
    EXPECT_EQ(linked.layout.sections[f.bss].offset % 64, 0u);
    EXPECT_EQ(linked.layout.area_size[size_t(Area::Data)], linked.layout.sections[f.bss].offset + 100);
    for (uint64_t i = 0; i < 100; ++i)
        ASSERT_EQ(*linked.at(Area::Data, linked.layout.sections[f.bss].offset + i), 0);
    EXPECT_EQ(*linked.at(Area::ReadOnly, 0), 0x11);
}

TEST(ModuleLinker, AppliesR_X86_64_64) {
    Fixture f;
    f.builder.add_relocation(f.data, 0, r_64, f.kernel, 5);
    f.builder.add_relocation(f.data, 16, r_64, f.local_data, 2);
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_FALSE(link_bytes(f.builder.build(), linked, diagnostic).is_error()) << message(diagnostic);
    EXPECT_EQ(read<uint64_t>(linked.at(Area::Data, 0)), kernel_function + 5);
    EXPECT_EQ(read<uint64_t>(linked.at(Area::Data, 16)), data_address + 8 + 2);
}

TEST(ModuleLinker, AppliesPc32AndPlt32ToTheKernel) {
    Fixture f;
    f.builder.add_relocation(f.text, 1, r_pc32, f.kernel, -4);
    f.builder.add_relocation(f.text, 8, r_plt32, f.kernel, -4);
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_FALSE(link_bytes(f.builder.build(), linked, diagnostic).is_error()) << message(diagnostic);
    EXPECT_EQ(read<int32_t>(linked.at(Area::Text, 1)), int64_t(kernel_function - 4 - (text_address + 1)));
    EXPECT_EQ(read<int32_t>(linked.at(Area::Text, 8)), int64_t(kernel_function - 4 - (text_address + 8)));
    EXPECT_EQ(*linked.at(Area::Text, 0), 0x90); // neighbours untouched
    EXPECT_EQ(*linked.at(Area::Text, 5), 0x90);
}

TEST(ModuleLinker, Applies32SAnd32WithTheirRanges) {
    Fixture f;
    f.builder.add_relocation(f.text, 0, r_32s, f.local_data, 0);
    f.builder.add_relocation(f.text, 4, r_32, f.absolute, 1);
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_FALSE(link_bytes(f.builder.build(), linked, diagnostic).is_error()) << message(diagnostic);
    EXPECT_EQ(int64_t(read<int32_t>(linked.at(Area::Text, 0))), int64_t(data_address + 8));
    EXPECT_EQ(read<uint32_t>(linked.at(Area::Text, 4)), 0x1235u);

    Fixture g;
    g.builder.add_relocation(g.text, 4, r_32, g.kernel, 0); // a kernel address does not zero-extend
    diagnostic.clear();
    ASSERT_TRUE(link_bytes(g.builder.build(), linked, diagnostic).is_error());
    EXPECT_EQ(message(diagnostic),
              "R_X86_64_32 at .text+0x4 against kernel_function: 0xffffffff80123450 does not fit in 32 bits");
}

TEST(ModuleLinker, AppliesPc64) {
    Fixture f;
    f.builder.add_relocation(f.data, 8, r_pc64, f.far, 0);
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_FALSE(link_bytes(f.builder.build(), linked, diagnostic).is_error()) << message(diagnostic);
    EXPECT_EQ(read<uint64_t>(linked.at(Area::Data, 8)), far_away - (data_address + 8));
}

TEST(ModuleLinker, GotpcrelFamilyGoesThroughOneGotSlotPerSymbol) {
    Fixture f;
    f.builder.add_relocation(f.text, 2, r_gotpcrel, f.far, -4);
    f.builder.add_relocation(f.text, 10, r_gotpcrelx, f.far, -4);
    f.builder.add_relocation(f.text, 20, r_rex_gotpcrelx, f.kernel, -4);
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_FALSE(link_bytes(f.builder.build(), linked, diagnostic).is_error()) << message(diagnostic);
    uint64_t got = read_only_address + linked.layout.got_offset;
    EXPECT_EQ(linked.layout.area_size[size_t(Area::ReadOnly)], linked.layout.got_offset + 16);
    uint32_t far_slot = linked.layout.got_slots[f.far], kernel_slot = linked.layout.got_slots[f.kernel];
    EXPECT_EQ(read<uint64_t>(linked.at(Area::ReadOnly, linked.layout.got_offset + far_slot * 8)), far_away);
    EXPECT_EQ(read<uint64_t>(linked.at(Area::ReadOnly, linked.layout.got_offset + kernel_slot * 8)),
              kernel_function);
    EXPECT_EQ(read<int32_t>(linked.at(Area::Text, 2)), int64_t(got + far_slot * 8 - 4 - (text_address + 2)));
    EXPECT_EQ(read<int32_t>(linked.at(Area::Text, 10)),
              int64_t(got + far_slot * 8 - 4 - (text_address + 10)));
    EXPECT_EQ(read<int32_t>(linked.at(Area::Text, 20)),
              int64_t(got + kernel_slot * 8 - 4 - (text_address + 20)));
}

TEST(ModuleLinker, RefusesAPc32ThatDoesNotReach) {
    Fixture f;
    f.builder.add_relocation(f.text, 1, r_pc32, f.far, -4);
    Linked linked;
    Diagnostic diagnostic;
    auto result = link_bytes(f.builder.build(), linked, diagnostic);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ktl::Errno::ExecFormat);
    EXPECT_NE(message(diagnostic).find("R_X86_64_PC32 at .text+0x1 against far_object"), std::string::npos)
        << message(diagnostic);
}

TEST(ModuleLinker, RefusesAnUnknownSymbolByName) {
    Fixture f;
    uint32_t missing = f.builder.add_symbol("secret_kernel_function", 0, 0);
    f.builder.add_relocation(f.text, 1, r_plt32, missing, -4);
    Linked linked;
    Diagnostic diagnostic;
    auto result = link_bytes(f.builder.build(), linked, diagnostic);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(message(diagnostic), "unknown symbol secret_kernel_function");
}

TEST(ModuleLinker, AnUndefinedWeakSymbolIsNull) {
    Fixture f;
    uint32_t weak = f.builder.add_symbol("optional_hook", 0, 0, 2);
    f.builder.add_relocation(f.data, 0, r_64, weak, 0);
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_FALSE(link_bytes(f.builder.build(), linked, diagnostic).is_error()) << message(diagnostic);
    EXPECT_EQ(read<uint64_t>(linked.at(Area::Data, 0)), 0u);
}

TEST(ModuleLinker, RefusesUnsupportedRelocationsByName) {
    Fixture f;
    f.builder.add_relocation(f.data, 0, r_16, f.absolute, 0);
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_TRUE(link_bytes(f.builder.build(), linked, diagnostic).is_error());
    EXPECT_EQ(message(diagnostic), "unsupported relocation R_X86_64_16 in .data against absolute");
    Fixture g;
    g.builder.add_relocation(g.data, 0, 200, g.absolute, 0);
    diagnostic.clear();
    ASSERT_TRUE(link_bytes(g.builder.build(), linked, diagnostic).is_error());
    EXPECT_EQ(message(diagnostic), "unsupported relocation type 200 in .data against absolute");
}

TEST(ModuleLinker, RefusesRelocationsOutsideTheirSectionOrWithBadSymbols) {
    Fixture f;
    f.builder.add_relocation(f.data, 28, r_64, f.absolute, 0); // 28 + 8 > 32
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_TRUE(link_bytes(f.builder.build(), linked, diagnostic).is_error());
    EXPECT_EQ(message(diagnostic), "R_X86_64_64 at offset 0x1c is outside .data (32 bytes)");
    Fixture g;
    g.builder.add_relocation(g.data, 0, r_64, 999, 0);
    diagnostic.clear();
    ASSERT_TRUE(link_bytes(g.builder.build(), linked, diagnostic).is_error());
    EXPECT_EQ(message(diagnostic), "relocation 0 of .data: bad symbol index 999");
    Fixture h;
    h.builder.add_relocation(h.data, UINT64_MAX - 2, r_64, h.absolute, 0); // offset + width wraps
    diagnostic.clear();
    ASSERT_TRUE(link_bytes(h.builder.build(), linked, diagnostic).is_error());
    EXPECT_NE(message(diagnostic).find("is outside .data"), std::string::npos);
}

// A descriptor as module_api.h lays it out: strings in .rodata, functions in .text, the handle slot in .data.
struct DescriptorFixture {
    ObjectBuilder builder;
    int text, rodata, data, descriptor;
    uint32_t strings, init, slot;
    explicit DescriptorFixture(uint32_t api_version = kernel_api_version, const char* name = "hello") {
        text = builder.add_section(".text", 1, text_flags, std::vector<uint8_t>(16, 0xc3));
        std::string text_bytes = std::string(name) + '\0' + "1.0" + '\0';
        rodata = builder.add_section(".rodata", 1, rodata_flags,
                                     std::vector<uint8_t>(text_bytes.begin(), text_bytes.end()), 1);
        data = builder.add_section(".data", 1, data_flags, std::vector<uint8_t>(8, 0), 8);
        std::vector<uint8_t> record(sizeof(DescriptorRecord), 0);
        DescriptorRecord header{
            descriptor_magic, api_version, sizeof(DescriptorRecord), 0, 0, 0, 0, 0, 0, 0, 0, 0};
        memcpy(record.data(), &header, sizeof header);
        descriptor = builder.add_section(descriptor_section_name, 1, data_flags, record, 8);
        strings = builder.add_symbol(".rodata", uint16_t(rodata), 0, 0, 3);
        init = builder.add_symbol("hello_init", uint16_t(text), 4, 1, 2);
        slot = builder.add_symbol("this_module", uint16_t(data), 0, 1, 1);
        builder.add_relocation(descriptor, offsetof(DescriptorRecord, name), r_64, strings, 0);
        builder.add_relocation(descriptor, offsetof(DescriptorRecord, version), r_64, strings,
                               int64_t(strlen(name) + 1));
        builder.add_relocation(descriptor, offsetof(DescriptorRecord, init), r_64, init, 0);
        builder.add_relocation(descriptor, offsetof(DescriptorRecord, self), r_64, slot, 0);
    }
};

ktl::ErrorOr<ModuleInfo> describe(const std::vector<uint8_t>& file, Linked& linked, Diagnostic& diagnostic) {
    TRY(link_bytes(file, linked, diagnostic));
    ObjectFile object = MUST(ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic));
    return read_descriptor(object, linked.layout, linked.areas, diagnostic);
}

TEST(ModuleDescriptor, ReadsNameVersionInitAndTheHandleSlot) {
    DescriptorFixture f;
    std::vector<uint8_t> file = f.builder.build();
    Linked linked;
    Diagnostic diagnostic;
    auto info = describe(file, linked, diagnostic);
    ASSERT_FALSE(info.is_error()) << message(diagnostic);
    EXPECT_TRUE(info.value().name == "hello");
    EXPECT_TRUE(info.value().version == "1.0");
    EXPECT_TRUE(info.value().license.is_empty());
    EXPECT_EQ(info.value().init, text_address + 4);
    EXPECT_EQ(info.value().exit, 0u);
    EXPECT_EQ(reinterpret_cast<const uint8_t*>(info.value().self), linked.at(Area::Data, 0));
}

TEST(ModuleDescriptor, RefusesAnotherKernelApiVersion) {
    DescriptorFixture f(kernel_api_version + 1);
    Linked linked;
    Diagnostic diagnostic;
    auto info = describe(f.builder.build(), linked, diagnostic);
    ASSERT_TRUE(info.is_error());
    EXPECT_EQ(message(diagnostic), "built for kernel API version 2, this kernel has version 1");
}

TEST(ModuleDescriptor, RefusesABadNameAndAMissingDescriptor) {
    DescriptorFixture f(kernel_api_version, "bad name");
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_TRUE(describe(f.builder.build(), linked, diagnostic).is_error());
    EXPECT_EQ(message(diagnostic), "bad module name \"bad name\": 1 to 55 of [A-Za-z0-9_-]");
    ObjectBuilder plain;
    plain.add_section(".text", 1, text_flags, {0xc3});
    diagnostic.clear();
    ASSERT_TRUE(describe(plain.build(), linked, diagnostic).is_error());
    EXPECT_EQ(message(diagnostic),
              "no module descriptor (section .blog_os.module): not built with module_api.h");
}

TEST(ModuleInfoSection, ListsKeyValuePairsAndRefusesAnUnterminatedOne) {
    ObjectBuilder builder;
    std::string text = std::string("name=hello") + '\0' + '\0' + "license=MIT" + '\0' + "flag" + '\0';
    int modinfo = builder.add_section(".modinfo", 1, 0, std::vector<uint8_t>(text.begin(), text.end()), 1);
    (void)modinfo;
    std::vector<uint8_t> file = builder.build();
    Diagnostic diagnostic;
    ObjectFile object = MUST(ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic));
    std::string seen;
    ASSERT_FALSE(for_each_modinfo(
                     object,
                     [&](ktl::StringView key, ktl::StringView value) {
                         seen += std::string(key.data(), key.length()) + ":" +
                                 std::string(value.data(), value.length()) + ";";
                     },
                     diagnostic)
                     .is_error());
    EXPECT_EQ(seen, "name:hello;license:MIT;flag:;");

    ObjectBuilder unterminated;
    unterminated.add_section(".modinfo", 1, 0, {'a', '=', 'b'}, 1);
    file = unterminated.build();
    object = MUST(ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic));
    EXPECT_TRUE(for_each_modinfo(
                    object, [](ktl::StringView, ktl::StringView) {}, diagnostic)
                    .is_error());
    EXPECT_EQ(message(diagnostic), ".modinfo: the last string is not terminated");
}

} // namespace
} // namespace module::test
