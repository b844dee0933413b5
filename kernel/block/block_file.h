// Block device nodes opened through the VFS (read, write, lseek, ioctl, fsync): see block_file.cpp.
#pragma once

namespace block {

// Makes the VFS open block device nodes through the block layer (fs/block_node.h).
void install_block_opener();

} // namespace block
