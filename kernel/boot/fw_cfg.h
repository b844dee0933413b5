// QEMU's firmware configuration device (fw_cfg, I/O ports 0x510/0x511, DMA at 0x514): the runner passes
// the kernel command line through it, so options reach the kernel the same way under BIOS and UEFI;
// under PVH (QEMU's -kernel) the -initrd bytes wait there too.
#pragma once

#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace boot {

// Reads the named fw_cfg file into `buffer` (NUL-terminated, truncated to fit). NoDevice when no
// fw_cfg answers, NoEntry when the file is absent. Returns the number of bytes stored.
ktl::ErrorOr<size_t> read_fw_cfg_file(ktl::StringView name, char* buffer, size_t capacity);

// Where QEMU wants the -initrd of a -kernel boot (its FW_CFG_INITRD_ADDR and _SIZE items).
struct FwCfgInitrd {
    uint64_t physical_address;
    uint64_t size;
};

// NoDevice without fw_cfg, NoEntry when QEMU was given no -initrd.
ktl::ErrorOr<FwCfgInitrd> find_fw_cfg_initrd();

// Copies the -initrd bytes (FW_CFG_INITRD_DATA) to `destination` (the direct-mapped view of
// `initrd.physical_address`), by DMA when fw_cfg offers it and byte by byte otherwise. QEMU's PVH
// option ROM leaves this to the kernel, unlike its Linux loader.
ktl::ErrorOr<void> copy_fw_cfg_initrd(const FwCfgInitrd& initrd, uint8_t* destination);

} // namespace boot
