#include "console/console.h"

#include "arch/cpu.h"
#include "console/banner.h"
#include "console/framebuffer_surface.h"
#include "console/psf.h"
#include "console/serial.h"
#include "console/text_console.h"

#include <new>

// The PSF font the build unpacked from Debian's console-setup-linux (see console/font.S).
extern "C" const uint8_t console_font_start[];
extern "C" const uint8_t console_font_end[];

namespace console {

namespace {

// Built in place once the framebuffer is known: no heap exists this early, and the font (~24 KiB)
// is too big to pass through the boot stack.
PsfFont font;
alignas(FramebufferSurface) unsigned char surface_storage[sizeof(FramebufferSurface)];
alignas(TextConsole) unsigned char text_console_storage[sizeof(TextConsole)];
TextConsole* screen;
FramebufferSurface* framebuffer;
ScreenOwner* screen_owner; // set once, at the end of boot
// The screen's cells, main and alternate, without scrollback: enough for 1920x1080 with the 8x16
// font (a larger screen gets fewer rows). Raw .bss bytes, not a Cell array, which would be .data;
// the console initialises the cells it uses.
constexpr size_t boot_console_cell_count = TextConsole::cells_needed(240, 68, 0);
alignas(Cell) unsigned char boot_console_cells[boot_console_cell_count * sizeof(Cell)];

class ConsoleSink final : public ktl::FormatSink {
public:
    void write(ktl::StringView text) override { console::write(text); }
};
ConsoleSink console_sink;
bool font_loaded;
boot::FramebufferInfo framebuffer_description; // what `framebuffer` draws on

// The FramebufferSurface layout for an RGB framebuffer of 16, 24 or 32 bits per pixel.
bool pixel_format_of(const boot::FramebufferInfo& info, PixelFormat& format) {
    if (info.kind != boot::FramebufferKind::Rgb)
        return false;
    if (info.bits_per_pixel != 32 && info.bits_per_pixel != 24 && info.bits_per_pixel != 16)
        return false;
    format = {static_cast<uint8_t>(info.bits_per_pixel / 8),
              info.red_shift,
              info.red_size,
              info.green_shift,
              info.green_size,
              info.blue_shift,
              info.blue_size};
    return true;
}

// COM1 wants CR LF; the rest of the kernel writes plain LF.
void write_serial_text(SerialPort& port, ktl::StringView text) {
    for (char character : text) {
        if (character == '\n')
            port.write_byte('\r');
        port.write_byte(static_cast<uint8_t>(character));
    }
}

bool load_font() {
    if (font_loaded)
        return true;
    font_loaded =
        !font.load(ktl::ByteReader(console_font_start, console_font_end - console_font_start)).is_error();
    return font_loaded;
}

} // namespace

void initialize_serial() {
    com1().initialize();
    com2().initialize();
}

bool initialize_framebuffer(const boot::FramebufferInfo& info, uint8_t* pixels) {
    PixelFormat format;
    if (!pixel_format_of(info, format) || !load_font())
        return false;
    FramebufferSurface candidate(pixels, info.width, info.height, info.pitch, format, font);
    if (candidate.columns() < 20 || candidate.rows() < 4)
        return false;
    auto* surface =
        new (surface_storage) FramebufferSurface(pixels, info.width, info.height, info.pitch, format, font);
    surface->clear(default_background);
    arch::InterruptDisabler no_output_meanwhile;
    framebuffer = surface;
    framebuffer_description = info;
    screen = new (text_console_storage)
        TextConsole(*surface, surface->columns(), surface->rows(),
                    reinterpret_cast<Cell*>(boot_console_cells), boot_console_cell_count);
    screen->set_pinned_rows(1);
    ::console::draw_banner(*screen);
    return true;
}

bool change_framebuffer(const boot::FramebufferInfo& info, uint8_t* pixels) {
    if (!screen)
        return initialize_framebuffer(info, pixels);
    PixelFormat format;
    if (!pixel_format_of(info, format))
        return false;
    FramebufferSurface candidate(pixels, info.width, info.height, info.pitch, format, font);
    if (candidate.columns() < 20 || candidate.rows() < 4)
        return false;
    arch::InterruptDisabler no_output_meanwhile;
    // The console keeps a reference to the surface: the new one takes the old one's place.
    framebuffer =
        new (surface_storage) FramebufferSurface(pixels, info.width, info.height, info.pitch, format, font);
    framebuffer_description = info;
    if (!screen_owner) {
        framebuffer->clear(default_background);
        screen->resize(framebuffer->columns(), framebuffer->rows()); // redraws what it keeps
        ::console::draw_banner(*screen);
    }
    return true;
}

const boot::FramebufferInfo* framebuffer_info() {
    return screen ? &framebuffer_description : nullptr;
}

const PsfFont* console_font() {
    return load_font() ? &font : nullptr;
}

bool has_framebuffer() {
    return screen != nullptr;
}

void draw_banner() {
    if (screen && !screen_owner)
        ::console::draw_banner(*screen);
}

void write(ktl::StringView text) {
    arch::InterruptDisabler no_interleaving;
    write_serial_text(com1(), text);
    if (screen && !screen_owner)
        screen->write(text);
}

void write_log(ktl::StringView text, bool on_screen) {
    arch::InterruptDisabler no_interleaving;
    write_serial_text(com1(), text);
    if (!on_screen)
        return;
    if (screen_owner)
        screen_owner->write(text);
    else if (screen)
        screen->write(text);
}

void hand_over_screen(ScreenOwner& owner) {
    arch::InterruptDisabler no_output_meanwhile;
    screen_owner = &owner;
}

FramebufferSurface* framebuffer_surface() {
    return screen ? framebuffer : nullptr;
}

const TextConsole* boot_text_console() {
    return screen;
}

void write_serial_only(ktl::StringView text) {
    arch::InterruptDisabler no_interleaving;
    write_serial_text(com1(), text);
}

void write_emergency(ktl::StringView text) {
    // No lock to wait for: a panic may have interrupted a holder. Interleaving beats silence here.
    write_serial_text(com1(), text);
    if (screen_owner)
        screen_owner->write_emergency(text);
    else if (screen)
        screen->write(text);
}

ktl::FormatSink& sink() {
    return console_sink;
}

} // namespace console
