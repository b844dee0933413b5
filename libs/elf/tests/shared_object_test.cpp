// elf::SharedObject on the real vDSO the build makes, on programs it must refuse, and on every
// truncation and random corruption of the vDSO (which must fail or resolve inside the image, never read
// outside it).
#include "elf/shared_object.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream stream(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(stream), {});
}

const std::vector<uint8_t>& vdso_image() {
    static const std::vector<uint8_t> bytes = read_bytes(BLOG_OS_VDSO_IMAGE);
    return bytes;
}

ktl::ErrorOr<elf::SharedObject> parse(const std::vector<uint8_t>& bytes,
                                      elf::SharedObjectDiagnostic* why = nullptr) {
    return elf::SharedObject::parse(ktl::ByteReader(bytes.data(), bytes.size()), why);
}

constexpr const char* exported_names[] = {
    "__vdso_clock_gettime", "clock_gettime", "__vdso_gettimeofday", "gettimeofday",
    "__vdso_time",          "time",          "__vdso_getcpu",       "getcpu",
};

TEST(SharedObject, TheVdsoExportsItsEightNamesWithLinuxsVersion) {
    elf::SharedObjectDiagnostic why;
    auto object = parse(vdso_image(), &why);
    ASSERT_FALSE(object.is_error()) << (why.reason ? why.reason : "");
    EXPECT_LE(object.value().image_size(), vdso_image().size());
    for (const char* name : exported_names) {
        auto address = object.value().find_symbol(name, "LINUX_2.6");
        ASSERT_FALSE(address.is_error()) << name;
        EXPECT_GT(address.value(), 0u) << name;
        EXPECT_LT(address.value(), object.value().image_size()) << name;
    }
    // The alias and the prefixed name are one function.
    EXPECT_EQ(object.value().find_symbol("clock_gettime", "LINUX_2.6").value(),
              object.value().find_symbol("__vdso_clock_gettime", "LINUX_2.6").value());
}

TEST(SharedObject, AWrongVersionOrNameIsNotFound) {
    auto object = parse(vdso_image()).release_value();
    EXPECT_EQ(object.find_symbol("__vdso_clock_gettime", "LINUX_2.5").error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(object.find_symbol("__vdso_clock_getres", "LINUX_2.6").error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(object.find_symbol("linux-vdso.so.1", "LINUX_2.6").error().code(), ktl::Errno::NoEntry);
    // Local symbols (the helpers) are not exported.
    EXPECT_EQ(object.find_symbol("vdso_clock_page", "LINUX_2.6").error().code(), ktl::Errno::NoEntry);
}

TEST(SharedObject, RefusesProgramsAndDynamicallyLinkedFiles) {
    for (const char* name : {"musl_static", "musl_static_pie", "musl_dynamic"}) {
        auto bytes = read_bytes(std::string(BLOG_OS_ELF_PROGRAM_DATA) + "/" + name);
        ASSERT_FALSE(bytes.empty()) << name;
        elf::SharedObjectDiagnostic why;
        EXPECT_TRUE(parse(bytes, &why).is_error()) << name;
        EXPECT_NE(why.reason, nullptr) << name;
    }
}

// Patches the first dynamic entry with tag `from` to `to` in a copy of the vDSO.
std::vector<uint8_t> with_dynamic_tag_replaced(uint64_t from, uint64_t to) {
    std::vector<uint8_t> bytes = vdso_image();
    uint64_t headers;
    uint16_t count;
    memcpy(&headers, &bytes[32], 8);
    memcpy(&count, &bytes[56], 2);
    for (uint16_t index = 0; index < count; ++index) {
        uint32_t type;
        uint64_t offset;
        memcpy(&type, &bytes[headers + index * 56], 4);
        memcpy(&offset, &bytes[headers + index * 56 + 8], 8);
        if (type != 2)
            continue;
        for (uint64_t entry = offset;; entry += 16) {
            uint64_t tag;
            memcpy(&tag, &bytes[entry], 8);
            if (tag == from) {
                memcpy(&bytes[entry], &to, 8);
                return bytes;
            }
            if (tag == 0)
                break;
        }
    }
    ADD_FAILURE() << "no dynamic tag " << from;
    return bytes;
}

TEST(SharedObject, RefusesRelocationsAndMissingTables) {
    constexpr uint64_t dt_hash = 4, dt_rela = 7, dt_needed = 1, dt_init = 12, dt_gnu_hash = 0x6ffffef5;
    elf::SharedObjectDiagnostic why;
    // A relocation table: something would have to apply it.
    auto relocated = parse(with_dynamic_tag_replaced(dt_gnu_hash, dt_rela), &why);
    ASSERT_TRUE(relocated.is_error());
    EXPECT_EQ(relocated.error().code(), ktl::Errno::NotSupported);
    EXPECT_TRUE(parse(with_dynamic_tag_replaced(dt_gnu_hash, dt_needed)).is_error());
    EXPECT_TRUE(parse(with_dynamic_tag_replaced(dt_gnu_hash, dt_init)).is_error());
    // Only a GNU hash table: musl could not count the symbols.
    auto gnu_only = parse(with_dynamic_tag_replaced(dt_hash, dt_gnu_hash), &why);
    ASSERT_TRUE(gnu_only.is_error());
    EXPECT_STREQ(why.reason, "no DT_HASH, DT_SYMTAB or DT_STRTAB");
}

// Whatever the corruption, lookups stay inside the file (the ByteReader would refuse otherwise) and an
// address returned lies inside the image.
void parse_and_look_up_everything(const std::vector<uint8_t>& bytes) {
    auto object = parse(bytes);
    if (object.is_error())
        return;
    for (const char* name : exported_names) {
        auto address = object.value().find_symbol(name, "LINUX_2.6");
        if (!address.is_error()) {
            EXPECT_LT(address.value(), object.value().image_size());
        }
    }
}

TEST(SharedObject, EveryTruncationFailsOrStaysInBounds) {
    const auto& image = vdso_image();
    for (size_t length = 0; length < image.size(); ++length) {
        std::vector<uint8_t> truncated(image.begin(), image.begin() + static_cast<long>(length));
        parse_and_look_up_everything(truncated);
    }
}

TEST(SharedObject, RandomCorruptionsFailOrStayInBounds) {
    std::mt19937_64 random(20261207);
    const auto& image = vdso_image();
    for (int round = 0; round < 20'000; ++round) {
        std::vector<uint8_t> bytes = image;
        int flips = 1 + static_cast<int>(random() % 8);
        for (int flip = 0; flip < flips; ++flip) {
            size_t at = random() % 0x500; // headers, dynamic section and symbol tables live here
            bytes[at] = static_cast<uint8_t>(random());
        }
        parse_and_look_up_everything(bytes);
    }
}

} // namespace
