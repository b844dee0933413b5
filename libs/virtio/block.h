// The virtio block device (virtio 1.x §5.2): feature bits, the configuration layout, the request
// header and status byte, and the checks that turn the device's configuration (hostile input) into a
// disk's geometry.
#pragma once

#include <cstddef>
#include <cstdint>

namespace virtio::block {

namespace feature {
constexpr uint64_t size_max = 1ull << 1;
constexpr uint64_t seg_max = 1ull << 2;
constexpr uint64_t read_only = 1ull << 5;
constexpr uint64_t blk_size = 1ull << 6;
constexpr uint64_t flush = 1ull << 9;
constexpr uint64_t topology = 1ull << 10;
} // namespace feature

// Offsets in the device configuration.
namespace config {
constexpr uint32_t capacity = 0;            // u64, 512-byte sectors whatever blk_size says
constexpr uint32_t size_max = 8;            // u32
constexpr uint32_t seg_max = 12;            // u32
constexpr uint32_t blk_size = 20;           // u32
constexpr uint32_t physical_block_exp = 24; // u8: physical blocks are blk_size << exp
} // namespace config

namespace request_type {
constexpr uint32_t in = 0;  // read
constexpr uint32_t out = 1; // write
constexpr uint32_t flush = 4;
} // namespace request_type

namespace status {
constexpr uint8_t ok = 0;
constexpr uint8_t io_error = 1;
constexpr uint8_t unsupported = 2;
} // namespace status

// What the driver puts before the data (device-readable); the status byte comes after it.
struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector; // 512-byte units
};
static_assert(sizeof(RequestHeader) == 16);

// The configuration as read, and the disk it describes once checked.
struct RawConfig {
    uint64_t features = 0;
    uint64_t capacity = 0;
    uint32_t blk_size = 0;
    uint8_t physical_block_exp = 0;
    uint32_t size_max = 0;
    uint32_t seg_max = 0;
};

struct Geometry {
    uint64_t size = 0; // bytes, a multiple of logical_block_size
    uint32_t logical_block_size = 512;
    uint32_t physical_block_size = 512;
    uint32_t max_segments = 0;      // 0: no limit the driver must respect
    uint32_t max_segment_bytes = 0; // 0: no limit
    bool read_only = false;
    bool has_flush = false;
    const char* problem = nullptr; // a value refused (and replaced by a safe one), for the log
};

// What a completed request came to, from what the device reported: `written` bytes (the used
// ring's length) and the status byte. A read must have written all its data and the status byte
// (`expected_written`, the data plus one); any request at least the status byte. 0 for success, else
// an errno (5 EIO for a short length, an error or an unknown status; 95 EOPNOTSUPP for UNSUPP).
int completion_errno(bool is_read, uint32_t expected_written, uint32_t written, uint8_t status);

// Checks each field of `raw`: a block size that is not a power of two in 512..4096 becomes 512, a
// physical block exponent past 16 KiB is dropped, a capacity past 2^55 bytes or not a whole number of
// logical blocks is cut, seg_max and size_max of 0 are ignored.
Geometry check_config(const RawConfig& raw);

} // namespace virtio::block
