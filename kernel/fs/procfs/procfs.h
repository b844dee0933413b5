// procfs: /proc, the kernel's state as Linux's proc(5) formats it, so tools written for Linux (ps,
// top, free, uptime, mount, df) read it unchanged. Mounted as type "proc".
//
// Nothing is stored: inodes are made on lookup from (what, pid, fd), and a file's text is generated
// when it is opened into a buffer the open description owns, so one reader sees one snapshot however
// it reads. A process that has gone is simply not found (ENOENT), even through a directory held open.
#pragma once

#include "ktl/string_view.h"

#include <cstdint>

namespace fs::procfs {

inline constexpr uint64_t magic = 0x9fa0; // PROC_SUPER_MAGIC, statfs's f_type

// Registers the "proc" type; /proc/cmdline shows `kernel_command_line` (which must outlive the kernel).
void register_type(ktl::StringView kernel_command_line);

} // namespace fs::procfs
