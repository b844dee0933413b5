// tmpfs: a file system that keeps everything in memory (the seed's ramfs, read-write). Regular files
// are sparse arrays of page frames (holes read as zeros and cost nothing); directories are hash
// tables with an insertion-ordered list for stable getdents offsets; symlinks hold their target.
// The root file system, /dev and /tmp are tmpfs instances. Mount option: size= (bytes, with k, m, g
// or % of RAM suffixes) bounds the pages files may use: past it, writes fail with ENOSPC.
#pragma once

#include "fs/inode.h"

namespace fs::tmpfs {

inline constexpr uint64_t magic = 0x01021994; // TMPFS_MAGIC, statfs's f_type

// A new instance; `options` as mount(2)'s data ("size=64m,mode=755"). `type_name` is what statfs
// callers and /proc/mounts see: devtmpfs is a tmpfs that says "devtmpfs", as on Linux.
ktl::ErrorOr<RefPtr<FileSystem>> create(ktl::StringView options, ktl::StringView type_name = "tmpfs");

void register_type();

// A read-write description of a file with no name, in an internal instance (Linux's shm mount):
// memfd_create's files and the memory behind MAP_SHARED|MAP_ANONYMOUS. /proc/PID/fd shows it as
// `display_name`; its pages go when the last description and mapping do.
ktl::ErrorOr<RefPtr<OpenFile>> create_unlinked_file(ktl::StringView display_name);

// Frames held by every tmpfs instance's files, for leak checks.
size_t page_count();
size_t inode_count();

} // namespace fs::tmpfs
