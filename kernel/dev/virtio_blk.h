// The virtio block device (virtio-blk, device type 2): /dev/vda, /dev/vdb… (block major 254, 16 minors
// a disk, partitions vda1-vda15), a PCI driver of the device model ("virtio_blk" in
// /sys/bus/pci/drivers, as Linux names it), built in. Capacity, block size, read-only and the write
// cache come from the device's features and configuration (docs/block.md).
#pragma once

#include <cstddef>

namespace dev::virtio_blk {

// Disks bound now (tests).
size_t disk_count();

} // namespace dev::virtio_blk
