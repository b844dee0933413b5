// Every truncation and 100,000 random corruptions of a real archive: the reader may refuse, but must
// never read outside the bytes or hand out an entry that is not in the original (run this under
// -fsanitize=address,undefined to make "never reads outside" a checked claim).
#include "cpio/archive.h"
#include "newc_builder.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

using cpio_test::as_string;

std::vector<uint8_t> read_fixture(const char* name) {
    std::ifstream stream(std::string(BLOG_OS_CPIO_TEST_DATA) + "/" + name, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(stream), {});
}

struct Seen {
    std::string name;
    std::string data;
};

// Walks with a Cursor until it stops; returns what it saw and whether it ended at the trailer.
std::vector<Seen> walk(const uint8_t* data, size_t size, bool& complete) {
    cpio::Cursor cursor(ktl::ByteReader(data, size));
    std::vector<Seen> seen;
    for (;;) {
        auto entry = cursor.next();
        if (entry.is_error()) {
            complete = cursor.reached_trailer();
            EXPECT_EQ(complete, cursor.problem() == cpio::Problem::None);
            return seen;
        }
        seen.push_back({as_string(entry.value().raw_name), as_string(entry.value().data)});
    }
}

class Fuzz : public testing::TestWithParam<const char*> {};

TEST_P(Fuzz, EveryTruncationIsAnErrorOrAWellFormedPrefix) {
    auto original = read_fixture(GetParam());
    bool complete = false;
    auto all = walk(original.data(), original.size(), complete);
    ASSERT_TRUE(complete);
    cpio::Cursor to_end(ktl::ByteReader(original.data(), original.size()));
    while (!to_end.next().is_error()) {
    }
    size_t trailer_end = to_end.offset();

    for (size_t length = 0; length <= original.size(); ++length) {
        // A copy of exactly `length` bytes, so the sanitizer sees a read past the end.
        std::vector<uint8_t> prefix(original.begin(), original.begin() + length);
        auto seen = walk(prefix.data(), prefix.size(), complete);
        ASSERT_LE(seen.size(), all.size());
        for (size_t i = 0; i < seen.size(); ++i) {
            ASSERT_EQ(seen[i].name, all[i].name) << length;
            ASSERT_EQ(seen[i].data, all[i].data) << length;
        }
        auto archive = cpio::Archive::parse(ktl::ByteReader(prefix.data(), prefix.size()));
        ASSERT_EQ(archive.is_error(), length < trailer_end) << length;
        ASSERT_EQ(complete, length >= trailer_end) << length;
        if (!archive.is_error()) {
            ASSERT_EQ(archive.value().entry_count(), all.size());
        }
    }
}

TEST_P(Fuzz, RandomByteFlipsNeverCrash) {
    auto original = read_fixture(GetParam());
    cpio::Cursor to_end(ktl::ByteReader(original.data(), original.size()));
    while (!to_end.next().is_error()) {
    }
    size_t trailer_end = to_end.offset();
    static constexpr char hex_digits[] = "0123456789abcdefABCDEF";
    std::mt19937_64 random(GetParam()[8]); // a different seed per fixture
    size_t accepted = 0;
    for (int round = 0; round < 50'000; ++round) {
        std::vector<uint8_t> corrupt = original;
        int flips = 1 + static_cast<int>(random() % 4);
        for (int flip = 0; flip < flips; ++flip) {
            size_t where = random() % trailer_end;
            // Half the time a hex digit, so corruption gets past the field syntax into the sizes.
            corrupt[where] = (random() & 1) ? static_cast<uint8_t>(random())
                                            : static_cast<uint8_t>(hex_digits[random() % 22]);
        }
        bool complete;
        (void)walk(corrupt.data(), corrupt.size(), complete);
        auto archive = cpio::Archive::parse(ktl::ByteReader(corrupt.data(), corrupt.size()));
        if (archive.is_error())
            continue;
        ++accepted;
        size_t count = 0;
        for (const cpio::Entry& entry : archive.value()) {
            ++count;
            ASSERT_TRUE(entry.has_safe_name);
            ASSERT_GE(entry.data.data(), corrupt.data());
            ASSERT_LE(entry.data.data() + entry.size(), corrupt.data() + corrupt.size());
            (void)archive.value().hard_link_content(entry);
        }
        ASSERT_EQ(count, archive.value().entry_count());
        (void)archive.value().find("init");
        (void)archive.value().find("etc/motd");
    }
    // Some flips land in data or in digits that stay valid; the test must exercise both outcomes.
    EXPECT_GT(accepted, 0u);
    EXPECT_LT(accepted, 50'000u);
}

INSTANTIATE_TEST_SUITE_P(BothMagics, Fuzz, testing::Values("fixture_newc.cpio", "fixture_crc.cpio"));

} // namespace
