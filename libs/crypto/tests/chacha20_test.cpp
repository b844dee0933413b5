// ChaCha20 against the test vectors of RFC 8439 (§2.1.1, §2.2.1, §2.3.2, §2.4.2, Appendix A.1 and A.2),
// and the keystream agreeing with itself however it is cut.
#include "crypto/chacha20.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace {

using namespace crypto;

std::vector<uint8_t> from_hex(const std::string& text) {
    std::vector<uint8_t> bytes;
    std::string digits;
    for (char c : text)
        if (std::isxdigit(static_cast<unsigned char>(c)))
            digits += c;
    for (size_t i = 0; i + 1 < digits.size(); i += 2)
        bytes.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    return bytes;
}

std::vector<uint8_t> bytes_of(const std::string& text) {
    return std::vector<uint8_t>(text.begin(), text.end());
}

ChaCha20Key key_of(const std::vector<uint8_t>& bytes) {
    EXPECT_EQ(bytes.size(), chacha20_key_size);
    return ChaCha20Key(bytes.data(), chacha20_key_size);
}
ChaCha20Nonce nonce_of(const std::vector<uint8_t>& bytes) {
    EXPECT_EQ(bytes.size(), chacha20_nonce_size);
    return ChaCha20Nonce(bytes.data(), chacha20_nonce_size);
}

std::vector<uint8_t> encrypt(const std::vector<uint8_t>& key, uint32_t counter,
                             const std::vector<uint8_t>& nonce, const std::vector<uint8_t>& plaintext) {
    std::vector<uint8_t> output(plaintext.size());
    chacha20_xor(key_of(key), counter, nonce_of(nonce), plaintext.data(), output.data(), plaintext.size());
    return output;
}

std::vector<uint8_t> keystream(const std::vector<uint8_t>& key, uint32_t counter,
                               const std::vector<uint8_t>& nonce, size_t length) {
    std::vector<uint8_t> output(length);
    chacha20_keystream(key_of(key), counter, nonce_of(nonce), output.data(), length);
    return output;
}

const std::vector<uint8_t> sequential_key = from_hex("000102030405060708090a0b0c0d0e0f"
                                                     "101112131415161718191a1b1c1d1e1f");
const std::vector<uint8_t> zero_key(32, 0);
const std::vector<uint8_t> zero_nonce(12, 0);

TEST(ChaCha20, QuarterRoundSection2_1_1) {
    uint32_t a = 0x11111111, b = 0x01020304, c = 0x9b8d6f43, d = 0x01234567;
    chacha20_quarter_round(a, b, c, d);
    EXPECT_EQ(a, 0xea2a92f4u);
    EXPECT_EQ(b, 0xcb1cf8ceu);
    EXPECT_EQ(c, 0x4581472eu);
    EXPECT_EQ(d, 0x5881c4bbu);
}

TEST(ChaCha20, QuarterRoundOnTheStateSection2_2_1) {
    uint32_t state[16] = {0x879531e0, 0xc5ecf37d, 0x516461b1, 0xc9a62f8a, 0x44c20ef3, 0x3390af7f,
                          0xd9fc690b, 0x2a5f714c, 0x53372767, 0xb00a5631, 0x974c541a, 0x359e9963,
                          0x5c971061, 0x3d631689, 0x2098d9d6, 0x91dbd320};
    chacha20_quarter_round(state[2], state[7], state[8], state[13]);
    EXPECT_EQ(state[2], 0xbdb886dcu);
    EXPECT_EQ(state[7], 0xcfacafd2u);
    EXPECT_EQ(state[8], 0xe46bea80u);
    EXPECT_EQ(state[13], 0xccc07c79u);
    EXPECT_EQ(state[0], 0x879531e0u);
}

TEST(ChaCha20, BlockFunctionSection2_3_2) {
    std::vector<uint8_t> nonce = from_hex("000000090000004a00000000");
    uint8_t block[64];
    chacha20_block(key_of(sequential_key), 1, nonce_of(nonce), block);
    EXPECT_EQ(std::vector<uint8_t>(block, block + 64),
              from_hex("10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4"
                       "c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e"
                       "d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2"
                       "b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e"));
}

TEST(ChaCha20, EncryptionSection2_4_2) {
    std::vector<uint8_t> nonce = from_hex("000000000000004a00000000");
    std::vector<uint8_t> plaintext =
        bytes_of("Ladies and Gentlemen of the class of '99: If I could offer you "
                 "only one tip for the future, sunscreen would be it.");
    ASSERT_EQ(plaintext.size(), 114u);
    std::vector<uint8_t> expected = from_hex("6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81"
                                             "e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b"
                                             "f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57"
                                             "16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8"
                                             "07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e"
                                             "52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36"
                                             "5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42"
                                             "87 4d");
    EXPECT_EQ(encrypt(sequential_key, 1, nonce, plaintext), expected);
    EXPECT_EQ(encrypt(sequential_key, 1, nonce, expected), plaintext); // decryption is the same operation
    EXPECT_EQ(keystream(sequential_key, 1, nonce, 16),
              from_hex("22 4f 51 f3 40 1b d9 e1 2f de 27 6f b8 63 1d ed"));
}

TEST(ChaCha20, KeystreamAppendixA1) {
    // Test vector #1: all-zero key and nonce, block 0.
    EXPECT_EQ(keystream(zero_key, 0, zero_nonce, 64),
              from_hex("76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28"
                       "bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7"
                       "da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37"
                       "6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86"));
    // #4: one key byte set, block 2.
    std::vector<uint8_t> key = zero_key;
    key[1] = 0xff;
    EXPECT_EQ(keystream(key, 2, zero_nonce, 64), from_hex("72 d5 4d fb f1 2e c4 4b 36 26 92 df 94 13 7f 32"
                                                          "8f ea 8d a7 39 90 26 5e c1 bb be a1 ae 9a f0 ca"
                                                          "13 b2 5a a2 6c b4 a6 48 cb 9b 9d 1b e6 5b 2c 09"
                                                          "24 a6 6c 54 d5 45 ec 1b 73 74 f4 87 2e 99 f0 96"));
    // #5: one nonce bit set, block 0.
    EXPECT_EQ(keystream(zero_key, 0, from_hex("000000000000000000000002"), 64),
              from_hex("c2 c6 4d 37 8c d5 36 37 4a e2 04 b9 ef 93 3f cd"
                       "1a 8b 22 88 b3 df a4 96 72 ab 76 5b 54 ee 27 c7"
                       "8a 97 0e 0e 95 5c 14 f3 a8 8e 74 1b 97 c2 86 f7"
                       "5f 8f c2 99 e8 14 83 62 fa 19 8a 39 53 1b ed 6d"));
}

TEST(ChaCha20, EncryptionAppendixA2) {
    // Test vector #2: a 375-byte text from block 1 on.
    std::vector<uint8_t> key = zero_key;
    key[31] = 0x01;
    std::vector<uint8_t> nonce = from_hex("000000000000000000000002");
    std::vector<uint8_t> plaintext = bytes_of(
        "Any submission to the IETF intended by the Contributor for publication as all or part of an IETF "
        "Internet-Draft or RFC and any statement made within the context of an IETF activity is considered "
        "an \"IETF Contribution\". Such statements include oral statements in IETF sessions, as well as "
        "written and electronic communications made at any time or place, which are addressed to");
    ASSERT_EQ(plaintext.size(), 375u);
    EXPECT_EQ(encrypt(key, 1, nonce, plaintext), from_hex("a3 fb f0 7d f3 fa 2f de 4f 37 6c a2 3e 82 73 70"
                                                          "41 60 5d 9f 4f 4f 57 bd 8c ff 2c 1d 4b 79 55 ec"
                                                          "2a 97 94 8b d3 72 29 15 c8 f3 d3 37 f7 d3 70 05"
                                                          "0e 9e 96 d6 47 b7 c3 9f 56 e0 31 ca 5e b6 25 0d"
                                                          "40 42 e0 27 85 ec ec fa 4b 4b b5 e8 ea d0 44 0e"
                                                          "20 b6 e8 db 09 d8 81 a7 c6 13 2f 42 0e 52 79 50"
                                                          "42 bd fa 77 73 d8 a9 05 14 47 b3 29 1c e1 41 1c"
                                                          "68 04 65 55 2a a6 c4 05 b7 76 4d 5e 87 be a8 5a"
                                                          "d0 0f 84 49 ed 8f 72 d0 d6 62 ab 05 26 91 ca 66"
                                                          "42 4b c8 6d 2d f8 0e a4 1f 43 ab f9 37 d3 25 9d"
                                                          "c4 b2 d0 df b4 8a 6c 91 39 dd d7 f7 69 66 e9 28"
                                                          "e6 35 55 3b a7 6c 5c 87 9d 7b 35 d4 9e b2 e6 2b"
                                                          "08 71 cd ac 63 89 39 e2 5e 8a 1e 0e f9 d5 28 0f"
                                                          "a8 ca 32 8b 35 1c 3c 76 59 89 cb cf 3d aa 8b 6c"
                                                          "cc 3a af 9f 39 79 c9 2b 37 20 fc 88 dc 95 ed 84"
                                                          "a1 be 05 9c 64 99 b9 fd a2 36 e7 e8 18 b0 4b 0b"
                                                          "c3 9c 1e 87 6b 19 3b fe 55 69 75 3f 88 12 8c c0"
                                                          "8a aa 9b 63 d1 a1 6f 80 ef 25 54 d7 18 9c 41 1f"
                                                          "58 69 ca 52 c5 b8 3f a3 6f f2 16 b9 c1 d3 00 62"
                                                          "be bc fd 2d c5 bc e0 91 19 34 fd a7 9a 86 f6 e6"
                                                          "98 ce d7 59 c3 ff 9b 64 77 33 8f 3d a4 f9 cd 85"
                                                          "14 ea 99 82 cc af b3 41 b2 38 4d d9 02 f3 d1 ab"
                                                          "7a c6 1d d2 9c 6f 21 ba 5b 86 2f 37 30 e3 7c fd"
                                                          "c4 fd 80 6c 22 f2 21"));

    // Test vector #3: the Jabberwocky from block 42 on.
    std::vector<uint8_t> jabberwocky_key = from_hex("1c 92 40 a5 eb 55 d3 8a f3 33 88 86 04 f6 b5 f0"
                                                    "47 39 17 c1 40 2b 80 09 9d ca 5c bc 20 70 75 c0");
    std::vector<uint8_t> poem =
        bytes_of("'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n"
                 "All mimsy were the borogoves,\nAnd the mome raths outgrabe.");
    ASSERT_EQ(poem.size(), 127u);
    EXPECT_EQ(encrypt(jabberwocky_key, 42, nonce, poem),
              from_hex("62 e6 34 7f 95 ed 87 a4 5f fa e7 42 6f 27 a1 df"
                       "5f b6 91 10 04 4c 0d 73 11 8e ff a9 5b 01 e5 cf"
                       "16 6d 3d f2 d7 21 ca f9 b2 1e 5f b1 4c 61 68 71"
                       "fd 84 c5 4f 9d 65 b2 83 19 6c 7f e4 f6 05 53 eb"
                       "f3 9c 64 02 c4 22 34 e3 2a 35 6b 3e 76 43 12 a6"
                       "1a 55 32 05 57 16 ea d6 96 25 68 f8 7d 3f 3f 77"
                       "04 c6 a8 d1 bc d1 bf 4d 50 d6 15 4b 6d a7 31 b1"
                       "87 b5 8d fd 72 8a fa 36 75 7a 79 7a c1 88 d1"));
}

TEST(ChaCha20, KeystreamIsTheSameHoweverItIsCut) {
    std::vector<uint8_t> nonce = from_hex("0102030405060708090a0b0c");
    std::vector<uint8_t> whole = keystream(sequential_key, 7, nonce, 1000);
    for (size_t length : {0u, 1u, 3u, 63u, 64u, 65u, 127u, 128u, 129u, 999u}) {
        std::vector<uint8_t> prefix = keystream(sequential_key, 7, nonce, length);
        EXPECT_EQ(prefix, std::vector<uint8_t>(whole.begin(), whole.begin() + length)) << length;
    }
    // Block n of the stream is the block function at counter 7 + n.
    uint8_t block[64];
    chacha20_block(key_of(sequential_key), 9, nonce_of(nonce), block);
    EXPECT_EQ(std::vector<uint8_t>(block, block + 64),
              std::vector<uint8_t>(whole.begin() + 128, whole.begin() + 192));
    // In place, XOR with zeroes is the keystream.
    std::vector<uint8_t> in_place(1000, 0);
    chacha20_xor(key_of(sequential_key), 7, nonce_of(nonce), in_place.data(), in_place.data(),
                 in_place.size());
    EXPECT_EQ(in_place, whole);
}

TEST(ChaCha20, SecureZeroClears) {
    uint8_t secret[37];
    for (uint8_t& byte : secret)
        byte = 0xa5;
    secure_zero(secret, sizeof secret);
    for (uint8_t byte : secret)
        EXPECT_EQ(byte, 0);
}

} // namespace
