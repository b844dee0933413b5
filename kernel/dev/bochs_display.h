// The Bochs display adapter: QEMU's std VGA and bochs-display (PCI 1234:1111), whose modes are set
// through the Bochs VBE "DISPI" registers (in BAR 2 at 0x500 when the device has that BAR, else
// behind the I/O ports 0x1CE/0x1CF) and whose linear framebuffer is BAR 0. It gives the console a
// screen (the loader's, taken over, or one of its own) and is /dev/fb0. docs/console-and-logging.md,
// "Display".
#pragma once

#include "ktl/string_view.h"

namespace dev {

// The `video=` kernel option's value ("1280x800", Linux's syntax): the mode the driver sets when it
// binds. Call before the built-in drivers register; an empty or malformed value leaves the default.
void set_video_option(ktl::StringView value);

} // namespace dev
