// Descriptions that are not files (signalfd; later eventfd, epoll, timerfd) still need an inode for
// fstat and /proc/PID/fd. They share one, as Linux's anon_inode does: mode 0600 with no file type,
// in an internal file system no mount table shows. /proc shows such a description as
// "anon_inode:[kind]".
#pragma once

#include "fs/inode.h"

namespace fs {

// The shared inode (made on first use, then kept).
ktl::ErrorOr<RefPtr<Inode>> anonymous_inode();

} // namespace fs
