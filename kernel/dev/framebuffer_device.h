// Linux's fbdev interface over a display adapter (the Bochs display driver): /dev/fb0 (29:0, class
// "graphics") with FBIOGET_VSCREENINFO, FBIOPUT_VSCREENINFO (a new resolution), FBIOGET_FSCREENINFO
// and mmap(MAP_SHARED) of the video memory, uncached. docs/console-and-logging.md, "Display".
#pragma once

#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstdint>

namespace device {
class Device;
}

namespace dev {

struct DisplayMode {
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t pitch = 0; // bytes per line
    uint32_t bits_per_pixel = 0;
};

// What /dev/fb0 drives. The adapter serialises its own mode changes.
class DisplayAdapter {
public:
    // fb_fix_screeninfo's id (at most 15 characters).
    virtual ktl::StringView id() const = 0;
    virtual DisplayMode mode() const = 0;
    // The video memory: where the visible picture starts and how much there is.
    virtual uint64_t video_memory_address() const = 0;
    virtual uint64_t video_memory_size() const = 0;
    // A new mode, the console following it: InvalidArgument for one the adapter cannot show (nothing
    // changes then); with `test_only` the check alone.
    virtual ktl::ErrorOr<void> set_mode(uint32_t width, uint32_t height, uint32_t bits_per_pixel,
                                        bool test_only) = 0;

protected:
    ~DisplayAdapter() = default;
};

// Makes `adapter` /dev/fb0 (one adapter: Busy when there is one), under `parent` in sysfs.
ktl::ErrorOr<void> register_framebuffer(DisplayAdapter& adapter, device::Device* parent);
// Its descriptors fail with ENODEV from then on; mappings keep the memory they map.
void unregister_framebuffer(DisplayAdapter& adapter);

} // namespace dev
