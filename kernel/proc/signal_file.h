// signalfd(2): a file descriptor that takes pending signals as records to read instead of having
// them delivered. Reads and polls look at the signals of whoever reads or polls (the calling thread's
// and its process's), as on Linux; the set of signals is the description's and signalfd4 on an
// existing signalfd replaces it.
#pragma once

#include "fs/open_file.h"
#include "ktl/error_or.h"

#include <cstdint>

namespace proc {

// A new signalfd description for `mask` (SIGKILL and SIGSTOP are dropped from it); `flags` may
// hold O_NONBLOCK.
ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> create_signal_file(uint64_t mask, uint32_t flags);
// signalfd4 on an existing descriptor: InvalidArgument unless it is a signalfd.
ktl::ErrorOr<void> change_signal_file_mask(fs::OpenFile& file, uint64_t mask);

} // namespace proc
