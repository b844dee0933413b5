// The Bochs display adapter (see bochs_display.h).
//
// DISPI: a bank of 16-bit registers, ID (which version of the interface, 0xB0C0-0xB0C5), XRES, YRES,
// BPP, ENABLE, BANK, VIRT_WIDTH/VIRT_HEIGHT, X/Y_OFFSET and VIDEO_MEMORY_64K. A mode is set with the
// display disabled: size and depth first, then ENABLE with the linear framebuffer bit. Reading
// XRES/YRES/BPP while ENABLE has GETCAPS gives the largest values the device takes.
//
// Locking: `m_lock` (a mutex: a mode change redraws every terminal) serialises the registers (the
// index/data port pair is two accesses) and the mode.
#include "dev/bochs_display.h"

#include "arch/io.h"
#include "bus/pci_bus.h"
#include "console/console.h"
#include "console/log.h"
#include "console/video_mode.h"
#include "dev/framebuffer_device.h"
#include "sync/mutex.h"
#include "tty/virtual_terminal.h"

namespace dev {

namespace {

constexpr ktl::StringView log_subsystem = "bochs-display";

namespace dispi {
constexpr uint16_t index_port = 0x1ce, data_port = 0x1cf;
constexpr uint32_t mmio_offset = 0x500; // in BAR 2: register i at 0x500 + 2 i
constexpr uint16_t id = 0x0, xres = 0x1, yres = 0x2, bpp = 0x3, enable = 0x4, bank = 0x5, virt_width = 0x6,
                   virt_height = 0x7, x_offset = 0x8, y_offset = 0x9, video_memory_64k = 0xa;
constexpr uint16_t id_first = 0xb0c0, id_latest = 0xb0c5;
constexpr uint16_t id_with_video_memory = 0xb0c5; // VIDEO_MEMORY_64K
constexpr uint16_t enabled = 0x01, get_caps = 0x02, linear_framebuffer = 0x40, no_clear_memory = 0x80;
constexpr uint32_t mmio_size = mmio_offset + 2 * (video_memory_64k + 1);
} // namespace dispi

// The smallest mode the console can lay out a terminal on, and the default without the loader's.
constexpr uint32_t min_width = 320, min_height = 200;
constexpr console::VideoMode default_modes[] = {{1024, 768, 32}, {800, 600, 32}, {640, 480, 32}};

console::VideoMode requested_mode; // from video=; width 0: none

class BochsDisplay final : public DisplayAdapter {
public:
    ktl::StringView id() const override { return "bochsfb"; }
    DisplayMode mode() const override {
        sync::MutexLocker locker(m_lock);
        return m_mode;
    }
    uint64_t video_memory_address() const override { return m_framebuffer_physical; }
    uint64_t video_memory_size() const override { return m_video_memory; }

    ktl::ErrorOr<void> set_mode(uint32_t width, uint32_t height, uint32_t bits_per_pixel,
                                bool test_only) override {
        sync::MutexLocker locker(m_lock);
        TRY(check_mode(width, height, bits_per_pixel));
        if (test_only)
            return {};
        if (m_mode.width == width && m_mode.height == height && m_mode.bits_per_pixel == bits_per_pixel)
            return {}; // as Linux: the same mode again is no change (and no blank screen)
        return switch_mode(width, height);
    }

    ktl::ErrorOr<void> probe(bus::pci::PciDevice& device);
    ktl::ErrorOr<void> probe_locked(bus::pci::PciDevice& device);
    void remove(bus::pci::PciDevice& device);
    bool bound() const { return m_device != nullptr; }

private:
    uint16_t read_register(uint16_t index) const {
        if (m_registers)
            return m_registers[index];
        arch::out16(dispi::index_port, index);
        return arch::in16(dispi::data_port);
    }
    void write_register(uint16_t index, uint16_t value) {
        if (m_registers) {
            m_registers[index] = value;
            return;
        }
        arch::out16(dispi::index_port, index);
        arch::out16(dispi::data_port, value);
    }

    // Under m_lock.
    ktl::ErrorOr<void> check_mode(uint32_t width, uint32_t height, uint32_t bits_per_pixel) const {
        if (bits_per_pixel != 32 || width < min_width || height < min_height || width > m_max_width ||
            height > m_max_height || width % 8 != 0) // the console's 8-pixel cells; QEMU's pitch rule
            return ktl::Errno::InvalidArgument;
        if (uint64_t(width) * height * 4 > m_video_memory)
            return ktl::Errno::InvalidArgument;
        return {};
    }

    // Under m_lock: programs the registers and reads back what the device took.
    bool program(uint32_t width, uint32_t height) {
        write_register(dispi::enable, 0);
        write_register(dispi::xres, static_cast<uint16_t>(width));
        write_register(dispi::yres, static_cast<uint16_t>(height));
        write_register(dispi::bpp, 32);
        write_register(dispi::bank, 0);
        write_register(dispi::virt_width, static_cast<uint16_t>(width));
        write_register(dispi::virt_height, static_cast<uint16_t>(height));
        write_register(dispi::x_offset, 0);
        write_register(dispi::y_offset, 0);
        write_register(dispi::enable, dispi::enabled | dispi::linear_framebuffer);
        read_mode();
        return m_mode.width == width && m_mode.height == height && m_mode.bits_per_pixel == 32 &&
               uint64_t(m_mode.pitch) * height <= m_video_memory;
    }

    // Under m_lock.
    void read_mode() {
        uint16_t enable = read_register(dispi::enable);
        if (!(enable & dispi::enabled)) {
            m_mode = {};
            return;
        }
        uint32_t bpp = read_register(dispi::bpp);
        uint32_t virtual_width = read_register(dispi::virt_width);
        uint32_t width = read_register(dispi::xres);
        m_mode = {width, read_register(dispi::yres),
                  (virtual_width > width ? virtual_width : width) * ((bpp + 7) / 8), bpp};
    }

    boot::FramebufferInfo framebuffer_info() const {
        boot::FramebufferInfo info{};
        info.physical_address = m_framebuffer_physical;
        info.pitch = m_mode.pitch;
        info.width = m_mode.width;
        info.height = m_mode.height;
        info.bits_per_pixel = 32;
        info.kind = boot::FramebufferKind::Rgb;
        info.red_shift = 16;
        info.red_size = 8;
        info.green_shift = 8;
        info.green_size = 8;
        info.blue_shift = 0;
        info.blue_size = 8;
        return info;
    }

    // Under m_lock, with the mode checked: sets it and moves the console (when it is ours) onto it;
    // on failure the old mode comes back.
    ktl::ErrorOr<void> switch_mode(uint32_t width, uint32_t height) {
        DisplayMode previous = m_mode;
        if (!program(width, height)) {
            if (previous.width != 0)
                (void)program(previous.width, previous.height);
            return ktl::Errno::InvalidArgument;
        }
        if (m_drives_console && !tty::change_display(framebuffer_info(), m_pixels)) {
            if (previous.width != 0 && program(previous.width, previous.height))
                (void)tty::change_display(framebuffer_info(), m_pixels);
            return ktl::Errno::NoMemory;
        }
        klog::info(log_subsystem, "{}x{}, 32 bpp, pitch {}", m_mode.width, m_mode.height, m_mode.pitch);
        return {};
    }

    mutable sync::Mutex m_lock;
    bus::pci::PciDevice* m_device = nullptr;
    volatile uint16_t* m_registers = nullptr; // BAR 2's DISPI block, or null for the I/O ports
    volatile void* m_register_mapping = nullptr;
    uint8_t* m_pixels = nullptr; // BAR 0, mapped
    uint64_t m_framebuffer_physical = 0;
    uint64_t m_video_memory = 0;
    uint16_t m_version = 0;
    uint32_t m_max_width = 0, m_max_height = 0;
    DisplayMode m_mode;
    bool m_drives_console = false;
};

ktl::ErrorOr<void> BochsDisplay::probe(bus::pci::PciDevice& device) {
    {
        sync::MutexLocker locker(m_lock);
        TRY(probe_locked(device));
    }
    if (auto registered = register_framebuffer(*this, &device); registered.is_error())
        klog::warn(log_subsystem, "no /dev/fb0: {}", registered.error().name());
    return {};
}

ktl::ErrorOr<void> BochsDisplay::probe_locked(bus::pci::PciDevice& device) {
    if (m_device)
        return ktl::Errno::Busy; // one display: the console has one screen
    const ::pci::Bar* framebuffer = device.bar(0);
    if (!framebuffer || framebuffer->kind == ::pci::BarKind::Io || framebuffer->address == 0 ||
        framebuffer->size < uint64_t(min_width) * min_height * 4)
        return ktl::Errno::NoDevice;
    const ::pci::Bar* registers = device.bar(2);
    bool mmio = registers && registers->kind != ::pci::BarKind::Io && registers->address != 0 &&
                registers->size >= dispi::mmio_size;
    device.enable({.io = !mmio, .memory = true});
    if (mmio) {
        m_register_mapping = TRY(device.map_bar(2));
        m_registers = reinterpret_cast<volatile uint16_t*>(
            static_cast<volatile uint8_t*>(m_register_mapping) + dispi::mmio_offset);
    } else {
        m_registers = nullptr;
    }
    auto fail = [&](ktl::Errno error) -> ktl::ErrorOr<void> {
        if (m_register_mapping)
            device.unmap_bar(2, m_register_mapping);
        m_register_mapping = nullptr;
        m_registers = nullptr;
        device.disable();
        return error;
    };
    // The version: the device keeps the newest ID written that it implements.
    write_register(dispi::id, dispi::id_latest);
    m_version = read_register(dispi::id);
    if (m_version < dispi::id_first || m_version > dispi::id_latest) {
        klog::warn(log_subsystem, "{}: no DISPI interface (ID {:#x})", device.name(), m_version);
        return fail(ktl::Errno::NoDevice);
    }
    m_video_memory = framebuffer->size;
    if (m_version >= dispi::id_with_video_memory) {
        uint64_t reported = uint64_t(read_register(dispi::video_memory_64k)) * 64 * 1024;
        if (reported != 0 && reported < m_video_memory)
            m_video_memory = reported;
    }
    uint16_t enable = read_register(dispi::enable);
    write_register(dispi::enable, static_cast<uint16_t>(enable | dispi::get_caps));
    m_max_width = read_register(dispi::xres);
    m_max_height = read_register(dispi::yres);
    write_register(dispi::enable, enable);
    if (m_max_width == 0 || m_max_height == 0) // an older interface without GETCAPS: Bochs' old limits
        m_max_width = 1600, m_max_height = 1200;
    read_mode();

    auto pixels = device.map_bar(0);
    if (pixels.is_error())
        return fail(pixels.error().code());
    m_pixels = static_cast<uint8_t*>(const_cast<void*>(pixels.value()));
    m_framebuffer_physical = framebuffer->address;
    m_device = &device;
    klog::info(log_subsystem, "{}: DISPI {:#x}, {} MiB of video memory at {:#x}, up to {}x{}, registers {}",
               device.name(), m_version, m_video_memory >> 20, m_framebuffer_physical, m_max_width,
               m_max_height, mmio ? "in BAR 2" : "at I/O 0x1ce");

    // The console: the loader's framebuffer when it is this one's (UEFI GOP, GRUB's VBE mode), else
    // none yet (a PVH boot, BIOS text mode), and then this adapter gives it one.
    const boot::FramebufferInfo* loader = console::framebuffer_info();
    bool ours = loader && loader->physical_address >= m_framebuffer_physical &&
                loader->physical_address < m_framebuffer_physical + framebuffer->size;
    m_drives_console = !loader || ours;
    if (!m_drives_console) {
        klog::info(log_subsystem, "the console is on another display: /dev/fb0 changes this one only");
    } else if (requested_mode.width != 0) {
        uint32_t bpp = requested_mode.bits_per_pixel ? requested_mode.bits_per_pixel : 32;
        bool same = m_mode.width == requested_mode.width && m_mode.height == requested_mode.height &&
                    m_mode.bits_per_pixel == bpp && ours;
        if (!same) {
            auto checked = check_mode(requested_mode.width, requested_mode.height, bpp);
            if (checked.is_error() || switch_mode(requested_mode.width, requested_mode.height).is_error())
                klog::warn(log_subsystem, "video={}x{}-{}: not a mode this display can show",
                           requested_mode.width, requested_mode.height, bpp);
        }
    }
    if (m_drives_console && !ours && !console::has_framebuffer()) {
        for (const console::VideoMode& mode : default_modes) {
            if (!check_mode(mode.width, mode.height, 32).is_error() &&
                !switch_mode(mode.width, mode.height).is_error())
                break;
        }
    }
    if (ours)
        klog::info(log_subsystem, "took over the loader's {}x{} framebuffer", loader->width, loader->height);
    return {};
}

void BochsDisplay::remove(bus::pci::PciDevice& device) {
    unregister_framebuffer(*this);
    sync::MutexLocker locker(m_lock);
    // The console may still draw on the mapping: it stays, with the mode, for the screen's sake.
    if (!m_drives_console)
        device.unmap_bar(0, m_pixels);
    if (m_register_mapping)
        device.unmap_bar(2, m_register_mapping);
    m_register_mapping = nullptr;
    m_registers = nullptr;
    m_device = nullptr;
}

const char* const pci_patterns[] = {
    "0x1234 0x1111", // QEMU's std VGA (class 03/00) and bochs-display (03/80)
};

class BochsDisplayDriver final : public bus::pci::PciDriver {
public:
    BochsDisplayDriver()
        : PciDriver("bochs-display", pci_patterns, sizeof pci_patterns / sizeof pci_patterns[0]) {}
    ktl::ErrorOr<void> probe(bus::pci::PciDevice& device) override { return m_display.probe(device); }
    void remove(bus::pci::PciDevice& device) override { m_display.remove(device); }

private:
    BochsDisplay m_display;
};

BochsDisplayDriver bochs_display_driver;
PCI_DRIVER(bochs_display_driver);

} // namespace

void set_video_option(ktl::StringView value) {
    console::VideoMode mode;
    if (value.is_empty())
        return;
    if (!console::parse_video_mode(value, mode)) {
        klog::warn(log_subsystem, "video={}: not WIDTHxHEIGHT[-BPP][@REFRESH]; ignored", value);
        return;
    }
    requested_mode = mode;
}

} // namespace dev
