// Partitions: a block device over a range of its disk (vda1 over sectors 2048-…), found by reading
// the disk's MBR or GPT (libs/block/partition_table.h) when the disk registers and again on BLKRRPART.
#pragma once

#include "block/block_device.h"

namespace block {

// Reads `disk`'s table and registers a device for each partition it may have (max_partitions):
// minors after the disk's, named NAME1…, or NAMEp1 when the disk's name ends in a digit (as Linux).
// A disk without a table gets none; a damaged table is logged. Read errors are returned.
ktl::ErrorOr<void> scan_partitions(BlockDevice& disk);
// BLKRRPART: InvalidArgument for a disk that cannot have partitions; Busy while one of its partitions
// is open or mounted; otherwise writes back, removes the partitions and reads the table again.
ktl::ErrorOr<void> rescan_partitions(BlockDevice& disk);
// Unregisters every partition of `disk`.
void remove_partitions(BlockDevice& disk);

} // namespace block
