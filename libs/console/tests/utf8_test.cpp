// Utf8Decoder: valid input of every length, and the malformed cases that must become U+FFFD
// (one per maximal invalid subpart) without losing the byte that follows.
#include "console/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using console::Utf8Decoder;

std::u32string decode(const std::string& bytes) {
    Utf8Decoder decoder;
    std::u32string out;
    auto emit = [&](char32_t codepoint) { out.push_back(codepoint); };
    for (char byte : bytes)
        decoder.feed(static_cast<uint8_t>(byte), emit);
    decoder.finish(emit);
    return out;
}

constexpr char32_t R = console::replacement_character;

std::string encode(char32_t codepoint) {
    char bytes[4];
    return std::string(bytes, console::encode_utf8(codepoint, bytes));
}

TEST(Utf8Decoder, DecodesValidSequencesOfEveryLength) {
    EXPECT_EQ(decode("az~\x7f"), U"az~\x7f");
    EXPECT_EQ(decode("\xC3\xA9"), U"\u00E9");
    EXPECT_EQ(decode("\xE2\x82\xAC"), U"\u20AC");
    EXPECT_EQ(decode("\xF0\x9F\x98\x80"), U"\U0001F600");
    EXPECT_EQ(decode("\xF4\x8F\xBF\xBF"), U"\U0010FFFF");
    EXPECT_EQ(decode("\xEF\xBF\xBD"), U"\uFFFD");
    EXPECT_EQ(decode("a\xC2\x80"
                     "b\xE0\xA0\x80"
                     "c\xF0\x90\x80\x80"),
              U"a\u0080b\u0800c\U00010000");
}

TEST(Utf8Decoder, RoundTripsEveryScalarValue) {
    Utf8Decoder decoder;
    for (char32_t codepoint = 0; codepoint <= 0x10FFFF; ++codepoint) {
        if (codepoint >= 0xD800 && codepoint <= 0xDFFF)
            continue;
        std::string bytes = encode(codepoint);
        char32_t decoded = 0;
        int count = 0;
        for (char byte : bytes)
            decoder.feed(static_cast<uint8_t>(byte), [&](char32_t value) {
                decoded = value;
                ++count;
            });
        ASSERT_EQ(count, 1) << std::hex << static_cast<uint32_t>(codepoint);
        ASSERT_EQ(decoded, codepoint);
    }
}

TEST(Utf8Decoder, InvalidContinuationResynchronises) {
    EXPECT_EQ(decode("\xC3("), std::u32string({R, U'('}));
    EXPECT_EQ(decode("\xE2\x82("), std::u32string({R, U'('}));
    EXPECT_EQ(decode("\xF0\x9F\x98("), std::u32string({R, U'('}));
    // A new lead byte interrupting a sequence starts a character of its own.
    EXPECT_EQ(decode("\xE2\xC3\xA9"), std::u32string({R, U'\u00E9'}));
    EXPECT_EQ(decode("\x80"), std::u32string({R}));
    EXPECT_EQ(decode("\x80\xBF"
                     "a"),
              std::u32string({R, R, U'a'}));
    EXPECT_EQ(decode("\xFE\xFF"), std::u32string({R, R}));
    EXPECT_EQ(decode("\xF5\x80\x80\x80"), std::u32string({R, R, R, R}));
}

TEST(Utf8Decoder, OverlongsAreRejected) {
    EXPECT_EQ(decode("\xC0\xAF"), std::u32string({R, R}));
    EXPECT_EQ(decode("\xC1\xBF"), std::u32string({R, R}));
    EXPECT_EQ(decode("\xE0\x80\xAF"), std::u32string({R, R, R}));
    EXPECT_EQ(decode("\xE0\x9F\xBF"), std::u32string({R, R, R}));
    EXPECT_EQ(decode("\xF0\x80\x80\xAF"), std::u32string({R, R, R, R}));
    EXPECT_EQ(decode("\xF0\x8F\xBF\xBF"), std::u32string({R, R, R, R}));
}

TEST(Utf8Decoder, SurrogatesAndValuesBeyondUnicodeAreRejected) {
    EXPECT_EQ(decode("\xED\xA0\x80"), std::u32string({R, R, R}));
    EXPECT_EQ(decode("\xED\xBF\xBF"), std::u32string({R, R, R}));
    EXPECT_EQ(decode("\xED\x9F\xBF"), U"\uD7FF");
    EXPECT_EQ(decode("\xF4\x90\x80\x80"), std::u32string({R, R, R, R}));
}

TEST(Utf8Decoder, TruncatedAtEndGivesOneReplacement) {
    EXPECT_EQ(decode("a\xE2\x82"), std::u32string({U'a', R}));
    EXPECT_EQ(decode("\xF0\x9F\x98"), std::u32string({R}));
    EXPECT_EQ(decode("\xC3"), std::u32string({R}));
    Utf8Decoder decoder;
    int calls = 0;
    decoder.finish([&](char32_t) { ++calls; });
    EXPECT_EQ(calls, 0); // nothing pending, nothing to flush
}

TEST(Utf8Decoder, ByteByByteReportsEachStep) {
    Utf8Decoder decoder;
    using Status = Utf8Decoder::Status;
    EXPECT_EQ(decoder.step(0xF0).status, Status::NeedMore);
    EXPECT_TRUE(decoder.in_sequence());
    EXPECT_EQ(decoder.step(0x9F).status, Status::NeedMore);
    EXPECT_EQ(decoder.step(0x98).status, Status::NeedMore);
    auto done = decoder.step(0x80);
    EXPECT_EQ(done.status, Status::Done);
    EXPECT_EQ(done.code_point, U'\U0001F600');
    EXPECT_FALSE(decoder.in_sequence());

    EXPECT_EQ(decoder.step(0xE2).status, Status::NeedMore);
    auto broken = decoder.step('x');
    EXPECT_EQ(broken.status, Status::Retry); // 'x' was not consumed
    EXPECT_EQ(broken.code_point, R);
    auto again = decoder.step('x');
    EXPECT_EQ(again.status, Status::Done);
    EXPECT_EQ(again.code_point, U'x');

    auto invalid = decoder.step(0xFF);
    EXPECT_EQ(invalid.status, Status::Invalid);
    EXPECT_EQ(invalid.code_point, R);
}

TEST(Utf8Decoder, SplitFeedingMatchesWholeFeeding) {
    const std::string text = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xED\xA0\x80 \xC3( end";
    std::u32string whole = decode(text);
    for (size_t split = 0; split <= text.size(); ++split) {
        Utf8Decoder decoder;
        std::u32string out;
        auto emit = [&](char32_t codepoint) { out.push_back(codepoint); };
        for (char byte : text.substr(0, split))
            decoder.feed(static_cast<uint8_t>(byte), emit);
        for (char byte : text.substr(split))
            decoder.feed(static_cast<uint8_t>(byte), emit);
        decoder.finish(emit);
        EXPECT_EQ(out, whole) << "split at " << split;
    }
}

} // namespace

TEST(Utf8Encoder, WritesOneToFourBytesAsTheStandardSpellsThem) {
    EXPECT_EQ(encode(U'A'), "A");
    EXPECT_EQ(encode(U'\u00E9'), "\xC3\xA9");
    EXPECT_EQ(encode(U'\u07FF'), "\xDF\xBF");
    EXPECT_EQ(encode(U'\u20AC'), "\xE2\x82\xAC");
    EXPECT_EQ(encode(U'\U0001D11E'), "\xF0\x9D\x84\x9E");
    EXPECT_EQ(encode(U'\U0010FFFF'), "\xF4\x8F\xBF\xBF");
}
