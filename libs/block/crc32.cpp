#include "block/crc32.h"

namespace block {

namespace {

struct Table {
    uint32_t entries[256];
    constexpr Table() : entries() {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t value = i;
            for (int bit = 0; bit < 8; ++bit)
                value = (value & 1) ? (value >> 1) ^ 0xedb88320u : value >> 1;
            entries[i] = value;
        }
    }
};
constexpr Table table;

} // namespace

uint32_t crc32_update(uint32_t crc, const void* data, size_t length) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    crc = ~crc;
    for (size_t i = 0; i < length; ++i)
        crc = table.entries[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint32_t crc32(const void* data, size_t length) {
    return crc32_update(0, data, length);
}

} // namespace block
