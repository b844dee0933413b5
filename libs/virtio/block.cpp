#include "virtio/block.h"

namespace virtio::block {

namespace {

constexpr uint64_t max_bytes = 1ull << 55;

bool is_power_of_two(uint64_t value) {
    return value != 0 && (value & (value - 1)) == 0;
}

} // namespace

int completion_errno(bool is_read, uint32_t expected_written, uint32_t written, uint8_t status_byte) {
    constexpr int eio = 5, eopnotsupp = 95;
    if (written < 1 || (is_read && written != expected_written))
        return eio;
    if (status_byte == status::ok)
        return 0;
    return status_byte == status::unsupported ? eopnotsupp : eio;
}

Geometry check_config(const RawConfig& raw) {
    Geometry geometry;
    if (raw.features & feature::blk_size) {
        if (is_power_of_two(raw.blk_size) && raw.blk_size >= 512 && raw.blk_size <= 4096)
            geometry.logical_block_size = raw.blk_size;
        else
            geometry.problem = "a block size that is not a power of two from 512 to 4096";
    }
    geometry.physical_block_size = geometry.logical_block_size;
    if (raw.features & feature::topology) {
        uint64_t physical = static_cast<uint64_t>(geometry.logical_block_size)
                            << (raw.physical_block_exp & 63);
        if (raw.physical_block_exp <= 5 && physical <= 16384)
            geometry.physical_block_size = static_cast<uint32_t>(physical);
        else if (!geometry.problem)
            geometry.problem = "a physical block exponent out of range";
    }
    uint64_t bytes = raw.capacity > (max_bytes >> 9) ? max_bytes : raw.capacity << 9;
    if (raw.capacity > (max_bytes >> 9) && !geometry.problem)
        geometry.problem = "a capacity beyond 32 PiB";
    geometry.size = bytes - bytes % geometry.logical_block_size;
    if (raw.features & feature::seg_max)
        geometry.max_segments = raw.seg_max;
    if (raw.features & feature::size_max)
        geometry.max_segment_bytes = raw.size_max;
    geometry.read_only = raw.features & feature::read_only;
    geometry.has_flush = raw.features & feature::flush;
    return geometry;
}

} // namespace virtio::block
