// Between the block device and its cache: BlockDevice::cache() makes one on first use, the device's
// destructor frees it (no handle can be left by then: each holds the device).
#pragma once

namespace block {

class BlockCache;
class BlockDevice;

BlockCache* create_cache(BlockDevice& device);
void destroy_cache(BlockCache* cache);

} // namespace block
