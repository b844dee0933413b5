// Straight from RFC 8439 §2.1-2.4: words are little-endian, 10 double rounds, then the input state is
// added back (the feed-forward that makes the block function one-way).
#include "crypto/chacha20.h"

namespace crypto {

namespace {

constexpr uint32_t rotate_left(uint32_t value, int bits) {
    return (value << bits) | (value >> (32 - bits));
}

uint32_t load_le32(const uint8_t* bytes) {
    return uint32_t(bytes[0]) | uint32_t(bytes[1]) << 8 | uint32_t(bytes[2]) << 16 | uint32_t(bytes[3]) << 24;
}

void store_le32(uint8_t* bytes, uint32_t value) {
    bytes[0] = static_cast<uint8_t>(value);
    bytes[1] = static_cast<uint8_t>(value >> 8);
    bytes[2] = static_cast<uint8_t>(value >> 16);
    bytes[3] = static_cast<uint8_t>(value >> 24);
}

void quarter_round_on_state(uint32_t* state, int a, int b, int c, int d) {
    chacha20_quarter_round(state[a], state[b], state[c], state[d]);
}

} // namespace

void chacha20_quarter_round(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d) {
    a += b;
    d = rotate_left(d ^ a, 16);
    c += d;
    b = rotate_left(b ^ c, 12);
    a += b;
    d = rotate_left(d ^ a, 8);
    c += d;
    b = rotate_left(b ^ c, 7);
}

void chacha20_block(ChaCha20Key key, uint32_t counter, ChaCha20Nonce nonce,
                    std::span<uint8_t, chacha20_block_size> output) {
    uint32_t initial[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574}; // "expand 32-byte k"
    for (int word = 0; word < 8; ++word)
        initial[4 + word] = load_le32(key.data() + 4 * word);
    initial[12] = counter;
    for (int word = 0; word < 3; ++word)
        initial[13 + word] = load_le32(nonce.data() + 4 * word);

    uint32_t state[16];
    for (int word = 0; word < 16; ++word)
        state[word] = initial[word];
    for (int double_round = 0; double_round < 10; ++double_round) {
        quarter_round_on_state(state, 0, 4, 8, 12); // columns
        quarter_round_on_state(state, 1, 5, 9, 13);
        quarter_round_on_state(state, 2, 6, 10, 14);
        quarter_round_on_state(state, 3, 7, 11, 15);
        quarter_round_on_state(state, 0, 5, 10, 15); // diagonals
        quarter_round_on_state(state, 1, 6, 11, 12);
        quarter_round_on_state(state, 2, 7, 8, 13);
        quarter_round_on_state(state, 3, 4, 9, 14);
    }
    for (int word = 0; word < 16; ++word)
        store_le32(output.data() + 4 * word, state[word] + initial[word]);
    // Both arrays hold the key (or words derived from it).
    secure_zero(initial, sizeof initial);
    secure_zero(state, sizeof state);
}

void chacha20_xor(ChaCha20Key key, uint32_t counter, ChaCha20Nonce nonce, const uint8_t* input,
                  uint8_t* output, size_t length) {
    uint8_t keystream[chacha20_block_size];
    for (size_t done = 0; done < length; done += chacha20_block_size, ++counter) {
        chacha20_block(key, counter, nonce, keystream);
        size_t chunk = length - done < chacha20_block_size ? length - done : chacha20_block_size;
        for (size_t i = 0; i < chunk; ++i)
            output[done + i] = input[done + i] ^ keystream[i];
    }
    secure_zero(keystream, sizeof keystream);
}

void chacha20_keystream(ChaCha20Key key, uint32_t counter, ChaCha20Nonce nonce, uint8_t* output,
                        size_t length) {
    uint8_t block[chacha20_block_size];
    for (size_t done = 0; done < length; done += chacha20_block_size, ++counter) {
        size_t chunk = length - done < chacha20_block_size ? length - done : chacha20_block_size;
        if (chunk == chacha20_block_size) {
            chacha20_block(key, counter, nonce,
                           std::span<uint8_t, chacha20_block_size>(output + done, chunk));
            continue;
        }
        chacha20_block(key, counter, nonce, block);
        for (size_t i = 0; i < chunk; ++i)
            output[done + i] = block[i];
    }
    secure_zero(block, sizeof block);
}

void secure_zero(void* memory, size_t length) {
    volatile uint8_t* bytes = static_cast<volatile uint8_t*>(memory);
    for (size_t i = 0; i < length; ++i)
        bytes[i] = 0;
    asm volatile("" : : "r"(memory) : "memory");
}

} // namespace crypto
