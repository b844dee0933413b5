// ChaCha20 as RFC 8439 defines it (32-byte key, 32-bit block counter, 12-byte nonce): the block
// function and its keystream, for the kernel's random number generator. No SIMD, no allocation; the
// caller owns every buffer, and erases keys with secure_zero when it is done with them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace crypto {

inline constexpr size_t chacha20_key_size = 32, chacha20_nonce_size = 12, chacha20_block_size = 64;

using ChaCha20Key = std::span<const uint8_t, chacha20_key_size>;
using ChaCha20Nonce = std::span<const uint8_t, chacha20_nonce_size>;

// RFC 8439 §2.1, exposed for its test vector.
void chacha20_quarter_round(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d);

// §2.3: the 64-byte block for (key, counter, nonce).
void chacha20_block(ChaCha20Key key, uint32_t counter, ChaCha20Nonce nonce,
                    std::span<uint8_t, chacha20_block_size> output);

// §2.4: output = input XOR the keystream from block `counter` on; `input` and `output` may be the same
// buffer. The counter wraps after 2^32 blocks (256 GiB), which callers must stay below.
void chacha20_xor(ChaCha20Key key, uint32_t counter, ChaCha20Nonce nonce, const uint8_t* input,
                  uint8_t* output, size_t length);

// The keystream itself from block `counter` on: chacha20_xor of zeroes.
void chacha20_keystream(ChaCha20Key key, uint32_t counter, ChaCha20Nonce nonce, uint8_t* output,
                        size_t length);

// Zeroes memory in a way the compiler may not drop as a dead store (keys about to go out of scope).
void secure_zero(void* memory, size_t length);

} // namespace crypto
