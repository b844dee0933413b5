// /dev/fb0: Linux's fbdev ioctls and mmap over the one display adapter (see framebuffer_device.h).
// The structures are Linux's (include/uapi/linux/fb.h), since programs such as fbset use them.
#include "dev/framebuffer_device.h"

#include "arch/paging.h"
#include "fs/char_device.h"
#include "mm/mapped_object.h"
#include "mm/user_memory.h"
#include "sync/mutex.h"

namespace dev {

namespace {

constexpr uint32_t framebuffer_major = 29;
constexpr uint64_t fbioget_vscreeninfo = 0x4600, fbioput_vscreeninfo = 0x4601, fbioget_fscreeninfo = 0x4602;
constexpr uint32_t fb_type_packed_pixels = 0, fb_visual_truecolor = 2;
constexpr uint32_t fb_activate_mask = 15, fb_activate_test = 2;

struct FbBitfield {
    uint32_t offset, length, msb_right;
};

struct FbVarScreenInfo {
    uint32_t xres, yres, xres_virtual, yres_virtual, xoffset, yoffset;
    uint32_t bits_per_pixel, grayscale;
    FbBitfield red, green, blue, transp;
    uint32_t nonstd, activate, height, width, accel_flags;
    uint32_t pixclock, left_margin, right_margin, upper_margin, lower_margin, hsync_len, vsync_len;
    uint32_t sync, vmode, rotate, colorspace;
    uint32_t reserved[4];
};
static_assert(sizeof(FbVarScreenInfo) == 160);
static_assert(__builtin_offsetof(FbVarScreenInfo, red) == 32);
static_assert(__builtin_offsetof(FbVarScreenInfo, activate) == 84);

struct FbFixScreenInfo {
    char id[16];
    uint64_t smem_start;
    uint32_t smem_len, type, type_aux, visual;
    uint16_t xpanstep, ypanstep, ywrapstep;
    uint32_t line_length;
    uint64_t mmio_start;
    uint32_t mmio_len, accel;
    uint16_t capabilities;
    uint16_t reserved[2];
};
static_assert(sizeof(FbFixScreenInfo) == 80);
static_assert(__builtin_offsetof(FbFixScreenInfo, smem_start) == 16);
static_assert(__builtin_offsetof(FbFixScreenInfo, line_length) == 48);
static_assert(__builtin_offsetof(FbFixScreenInfo, mmio_start) == 56);
static_assert(__builtin_offsetof(FbFixScreenInfo, capabilities) == 72);

// The registered adapter; ioctls hold the lock across the adapter's calls, so unregistering waits
// for them.
sync::Mutex adapter_lock;
DisplayAdapter* the_adapter; // under adapter_lock

FbVarScreenInfo variable_info(const DisplayMode& mode) {
    FbVarScreenInfo info{};
    info.xres = info.xres_virtual = mode.width;
    info.yres = info.yres_virtual = mode.height;
    info.bits_per_pixel = mode.bits_per_pixel;
    // XRGB8888 little-endian, the only depth the adapters here are driven in.
    info.red = {16, 8, 0};
    info.green = {8, 8, 0};
    info.blue = {0, 8, 0};
    info.height = info.width = ~0u; // the size in millimetres: unknown
    return info;
}

// The video memory as a mapped object: page i is the frame at base + i pages, up to `size`.
class VideoMemory final : public mm::MappedObject {
public:
    VideoMemory(uint64_t base, uint64_t size) : m_base(base), m_pages(size / arch::page_size) {}
    ktl::ErrorOr<uint64_t> frame_for(uint64_t index, Access) override {
        if (index >= m_pages)
            return ktl::Errno::BadAddress;
        return m_base + index * arch::page_size;
    }
    uint64_t existing_frame(uint64_t index) override {
        return index < m_pages ? m_base + index * arch::page_size : 0;
    }
    bool is_device_memory() const override { return true; }

private:
    uint64_t m_base;
    uint64_t m_pages;
};

class FramebufferFile final : public fs::OpenFile {
public:
    using OpenFile::OpenFile;

    ktl::ErrorOr<size_t> read(fs::IoBuffer, size_t) override { return ktl::Errno::InvalidArgument; }
    ktl::ErrorOr<size_t> write(fs::IoBuffer, size_t) override { return ktl::Errno::InvalidArgument; }
    ktl::ErrorOr<size_t> read_at(uint64_t, fs::IoBuffer, size_t) override {
        return ktl::Errno::InvalidArgument;
    }
    ktl::ErrorOr<size_t> write_at(uint64_t, fs::IoBuffer, size_t) override {
        return ktl::Errno::InvalidArgument;
    }
    const char* kind() const override { return "device"; }

    ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument) override {
        sync::MutexLocker locker(adapter_lock);
        if (!the_adapter)
            return ktl::Errno::NoDevice;
        DisplayAdapter& adapter = *the_adapter;
        switch (request) {
        case fbioget_vscreeninfo: {
            FbVarScreenInfo info = variable_info(adapter.mode());
            TRY(mm::copy_to_user(mm::UserPtr<FbVarScreenInfo>(argument), &info));
            return 0;
        }
        case fbioput_vscreeninfo: {
            FbVarScreenInfo wanted = TRY(mm::read_user(mm::UserPtr<FbVarScreenInfo>(argument)));
            // No panning: the picture always starts at the top of the video memory, and the virtual
            // size is the visible one (Linux drivers round a smaller one up the same way).
            if (wanted.xoffset != 0 || wanted.yoffset != 0)
                return ktl::Errno::InvalidArgument;
            bool test_only = (wanted.activate & fb_activate_mask) == fb_activate_test;
            TRY(adapter.set_mode(wanted.xres, wanted.yres, wanted.bits_per_pixel, test_only));
            FbVarScreenInfo result = variable_info(adapter.mode());
            if (test_only) {
                result.xres = result.xres_virtual = wanted.xres;
                result.yres = result.yres_virtual = wanted.yres;
            }
            result.activate = wanted.activate;
            TRY(mm::copy_to_user(mm::UserPtr<FbVarScreenInfo>(argument), &result));
            return 0;
        }
        case fbioget_fscreeninfo: {
            FbFixScreenInfo info{};
            ktl::StringView id = adapter.id();
            for (size_t i = 0; i < id.length() && i < sizeof info.id - 1; ++i)
                info.id[i] = id[i];
            info.smem_start = adapter.video_memory_address();
            info.smem_len = static_cast<uint32_t>(adapter.video_memory_size());
            info.type = fb_type_packed_pixels;
            info.visual = fb_visual_truecolor;
            info.line_length = adapter.mode().pitch;
            TRY(mm::copy_to_user(mm::UserPtr<FbFixScreenInfo>(argument), &info));
            return 0;
        }
        default:
            return ktl::Errno::NotTerminal; // ENOTTY, as Linux for an ioctl the device does not know
        }
    }

    ktl::ErrorOr<fs::RefPtr<mm::MappedObject>> mapping_object() override {
        uint64_t base, size;
        {
            sync::MutexLocker locker(adapter_lock);
            if (!the_adapter)
                return ktl::Errno::NoDevice;
            base = the_adapter->video_memory_address();
            size = the_adapter->video_memory_size();
        }
        // Whole pages of video memory only: a mapping never reaches a neighbour's registers.
        size &= ~(arch::page_size - 1);
        if (base % arch::page_size != 0 || size == 0)
            return ktl::Errno::NoDevice;
        auto object = TRY(ktl::try_make_ref_counted<VideoMemory>(base, size));
        return fs::RefPtr<mm::MappedObject>(object.ptr());
    }
};

class FramebufferDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t minor,
                                                uint32_t flags) override {
        {
            sync::MutexLocker locker(adapter_lock);
            if (minor != 0 || !the_adapter)
                return ktl::Errno::NoDeviceOrAddress;
        }
        auto file = TRY(
            ktl::try_make_ref_counted<FramebufferFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags));
        return fs::RefPtr<fs::OpenFile>(file.ptr());
    }
};
constinit FramebufferDevice framebuffer_device;

} // namespace

ktl::ErrorOr<void> register_framebuffer(DisplayAdapter& adapter, device::Device* parent) {
    {
        sync::MutexLocker locker(adapter_lock);
        if (the_adapter)
            return ktl::Errno::Busy;
        the_adapter = &adapter;
    }
    fs::CharacterDeviceInfo info{"fb0", framebuffer_major, 0, 0660};
    info.class_name = "graphics";
    info.parent = parent;
    if (auto registered = fs::register_character_device(info, framebuffer_device); registered.is_error()) {
        sync::MutexLocker locker(adapter_lock);
        the_adapter = nullptr;
        return registered.error();
    }
    return {};
}

void unregister_framebuffer(DisplayAdapter& adapter) {
    sync::MutexLocker locker(adapter_lock);
    if (the_adapter != &adapter)
        return;
    fs::unregister_character_device(framebuffer_major, 0);
    the_adapter = nullptr;
}

} // namespace dev
