// devfs: /dev as a tmpfs filled with a node for every registered character device (fs/char_device.h)
// plus Linux's standard links (fd, stdin, stdout, stderr into /proc/self/fd) and the pts and shm
// directories. Mounted as type "devtmpfs", as on Linux; nodes made later by mknod anywhere reach the
// same devices.
#pragma once

#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstdint>

namespace fs::devfs {

void register_type();

// A node that is not a registered character device (a block device's): made now if devtmpfs is
// mounted, and in every later instance, until remove_node. `mode` includes the type bits.
ktl::ErrorOr<void> add_node(ktl::StringView name, uint32_t mode, uint64_t device);
void remove_node(ktl::StringView name);

} // namespace fs::devfs
