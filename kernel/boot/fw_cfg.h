// QEMU's firmware configuration device (fw_cfg, I/O ports 0x510/0x511): the runner passes the kernel
// command line through it, so options reach the kernel the same way under BIOS and UEFI.
#pragma once

#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstddef>

namespace boot {

// Reads the named fw_cfg file into `buffer` (NUL-terminated, truncated to fit). NoDevice when no
// fw_cfg answers, NoEntry when the file is absent. Returns the number of bytes stored.
ktl::ErrorOr<size_t> read_fw_cfg_file(ktl::StringView name, char* buffer, size_t capacity);

} // namespace boot
