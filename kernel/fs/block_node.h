// Opening block device nodes. The block layer (kernel/block, which builds on fs) installs its opener
// at boot, so the VFS reaches block devices without depending on the layer above it; before that, or
// for a number nothing has registered, an open is ENXIO as on Linux.
#pragma once

#include "fs/open_file.h"

namespace fs {

using BlockDeviceOpener = ktl::ErrorOr<RefPtr<OpenFile>> (*)(RefPtr<Inode> inode, uint64_t device,
                                                             uint32_t flags);

void set_block_device_opener(BlockDeviceOpener opener);
ktl::ErrorOr<RefPtr<OpenFile>> open_block_device(RefPtr<Inode> inode, uint64_t device, uint32_t flags);

} // namespace fs
