// CRC-32 as GPT (and zlib, Ethernet) compute it: the reflected polynomial 0xedb88320, initial value
// and final XOR 0xffffffff.
#pragma once

#include <cstddef>
#include <cstdint>

namespace block {

uint32_t crc32(const void* data, size_t length);
// Continues a CRC over more bytes: crc32_update(crc32_update(0, a), b) == crc32(a + b).
uint32_t crc32_update(uint32_t crc, const void* data, size_t length);

} // namespace block
