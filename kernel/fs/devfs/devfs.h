// devfs: /dev as a tmpfs filled with a node for every registered character device (fs/char_device.h)
// plus Linux's standard links (fd, stdin, stdout, stderr into /proc/self/fd) and the pts and shm
// directories. Mounted as type "devtmpfs", as on Linux; nodes made later by mknod anywhere reach the
// same devices.
#pragma once

namespace fs::devfs {

void register_type();

} // namespace fs::devfs
