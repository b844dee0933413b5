// RAM disks (/dev/ram0…, block major 1, as Linux's brd): memory-backed block devices whose pages are
// allocated on first write, so an untouched disk costs nothing and reads as zeros; like brd's, the
// pages stay until the kernel stops. Their number and size come from the kernel command line.
#pragma once

#include "block/block_device.h"
#include "boot/command_line.h"

namespace block {

// A RAM disk of `size` bytes (a multiple of 4096) with minor `minor`, named ram<minor>; not
// registered. NoMemory, InvalidArgument for a size of 0 or past 256 TiB.
ktl::ErrorOr<ktl::RefPtr<BlockDevice>> create_ram_disk(uint32_t minor, uint64_t size);

// Registers `rd_nr=` (or brd.rd_nr=; default 1, at most 16) RAM disks of `ramdisk_size=` KiB (or
// brd.rd_size=; default 4096, Linux's).
void create_ram_disks(const boot::CommandLine& command_line);

} // namespace block
