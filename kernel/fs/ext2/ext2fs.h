// ext2 in the VFS: the `ext2` file system type, over libs/ext2 and a block device's cache
// (docs/ext2.md). `mount -t ext2 /dev/vda /mnt`, and `root=/dev/vda` at boot.
#pragma once

#include "block/block_device.h"
#include "fs/inode.h"
#include "ktl/error_or.h"
#include "ktl/ref_ptr.h"

namespace fs::ext2fs {

// Registers "ext2" (and "ext3"/"ext4" are not claimed: their journals are not read).
void register_type();

// Mounts `device` (the root at boot, or the mount factory once it has found the device). Busy if
// the device is mounted already; the library's reason is logged when the image is refused.
ktl::ErrorOr<RefPtr<FileSystem>> mount_device(ktl::RefPtr<block::BlockDevice> device, bool read_only);

} // namespace fs::ext2fs
