// Virtual terminals: tty1-tty4 as terminals whose output goes into a text console of their own and
// whose input is the PS/2 keyboard while they are the active one.
//
// Each terminal's console::TextConsole keeps its cells and scrollback and draws on a surface that
// passes the drawing on to the framebuffer only while its terminal is shown; switching repaints the
// new one from its cells.
//
// Locking: one IRQ-safe spinlock (`display`) owns every console and surface and which terminal is
// active, since they share one framebuffer. It is taken after a terminal's state lock (echo happens
// under that) and never the other way round; nothing logs under it (the log draws through it), and
// the consoles' answers to queries (ESC[6n) are queued under it and typed into the terminal once it
// is dropped. The keyboard task runs the line discipline outside it.
#include "tty/virtual_terminal.h"

#include "console/console.h"
#include "console/framebuffer_surface.h"
#include "console/log.h"
#include "console/text_console.h"
#include "dev/i8042.h"
#include "fs/char_device.h"
#include "input/keyboard.h"
#include "mm/user_memory.h"
#include "power/power.h"
#include "proc/process.h"
#include "proc/signals.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "tty/terminal.h"

#include <new>

namespace tty {

namespace {

constexpr ktl::StringView log_subsystem = "vt";
// The grid without a framebuffer: the terminals still work (and /dev/vcsN shows them).
constexpr uint32_t headless_columns = 80, headless_rows = 25;
// Lines kept above each screen for Shift-PageUp.
constexpr uint32_t scrollback_lines = 200;

constexpr uint32_t tty_major = 4;
constexpr uint32_t vcs_major = 7;

// Linux's console ioctls (linux/vt.h, linux/kd.h).
constexpr uint64_t vt_getstate = 0x5603, vt_activate = 0x5606, vt_waitactive = 0x5607;
constexpr uint64_t kd_get_keyboard_type = 0x4b33, kd_get_mode = 0x4b3b;
constexpr uint8_t keyboard_type_101 = 0x02;
constexpr int32_t kd_text = 0;

struct VtState {
    uint16_t active;
    uint16_t signal;
    uint16_t state; // bit N: ttyN is in use (bit 0, tty0, always)
};
static_assert(sizeof(VtState) == 6);

// A terminal's surface: the framebuffer while the terminal is shown, nothing while it is not (its
// console keeps the cells).
class TerminalSurface final : public console::ConsoleSurface {
public:
    void show(console::FramebufferSurface* display) { m_display = display; }

    void draw_cell(uint32_t column, uint32_t row, char32_t codepoint, console::Rgb foreground,
                   console::Rgb background) override {
        if (m_display)
            m_display->draw_cell(column, row, codepoint, foreground, background);
    }
    void draw_underlined_cell(uint32_t column, uint32_t row, char32_t codepoint, console::Rgb foreground,
                              console::Rgb background) override {
        if (m_display)
            m_display->draw_underlined_cell(column, row, codepoint, foreground, background);
    }
    void draw_cursor(uint32_t column, uint32_t row, char32_t codepoint, console::Rgb foreground,
                     console::Rgb background) override {
        if (m_display)
            m_display->draw_cursor(column, row, codepoint, foreground, background);
    }
    void scroll_up(uint32_t first_row, uint32_t last_row, console::Rgb background) override {
        if (m_display)
            m_display->scroll_up(first_row, last_row, background);
    }
    bool scroll_down(uint32_t first_row, uint32_t last_row, console::Rgb background) override {
        return !m_display || m_display->scroll_down(first_row, last_row, background);
    }
    void clear(console::Rgb background) override {
        if (m_display)
            m_display->clear(background);
    }

private:
    console::FramebufferSurface* m_display = nullptr;
};

// Answers the console gives to queries, waiting to be typed into the terminal.
class PendingReplies final : public console::TextConsole::ReplySink {
public:
    static constexpr size_t capacity = 256;

    void reply(ktl::StringView bytes) override {
        for (char byte : bytes)
            if (m_length < capacity)
                m_bytes[m_length++] = static_cast<uint8_t>(byte); // a flood of queries loses answers
    }
    size_t take(uint8_t* out) {
        size_t length = m_length;
        for (size_t i = 0; i < length; ++i)
            out[i] = m_bytes[i];
        m_length = 0;
        return length;
    }

private:
    uint8_t m_bytes[capacity] = {};
    size_t m_length = 0;
};

struct VirtualConsole {
    TerminalSurface surface;
    PendingReplies replies;
    ktl::OwnPtr<console::TextConsole> text;
};

struct Display {
    VirtualConsole* consoles[virtual_terminal_count] = {};
    uint32_t active = 0; // index of the shown console
    console::FramebufferSurface* framebuffer = nullptr;
    bool started = false; // the terminals own the screen
};
constinit sync::SpinlockProtected<Display> display;
sched::WaitQueue activation_changed; // VT_WAITACTIVE

void write_to_console(Display& state, uint32_t index, ktl::StringView text) {
    if (VirtualConsole* console = state.consoles[index])
        console->text->write(text); // output brings the view back to the live screen, as on Linux
}

void write_to_console(uint32_t index, ktl::StringView text) {
    display.with([&](Display& state) { write_to_console(state, index, text); });
}

// Kernel text (log records, panics) ends lines with a bare LF; the terminals' consoles have LNM off,
// as a VT behind ONLCR does, so each LF goes with a CR.
void write_kernel_text(Display& state, ktl::StringView text) {
    size_t start = 0;
    for (size_t i = 0; i < text.length(); ++i) {
        if (text[i] == '\n') {
            write_to_console(state, state.active, text.substring(start, i - start));
            write_to_console(state, state.active, "\r\n");
            start = i + 1;
        }
    }
    write_to_console(state, state.active, text.substring(start));
}

constexpr const char* terminal_names[virtual_terminal_count] = {"tty1", "tty2", "tty3", "tty4"};

class VirtualTerminal final : public Terminal {
public:
    VirtualTerminal(uint32_t index, uint16_t columns, uint16_t rows) : m_index(index) {
        m_state.with([&](TerminalState& state) { state.window = {rows, columns, 0, 0}; });
    }
    ktl::StringView name() const override { return terminal_names[m_index]; }
    uint64_t device_number() const override { return fs::make_device(tty_major, m_index + 1); }

protected:
    void echo_locked(TerminalState&, const char* bytes, size_t count) override {
        write_to_console(m_index, ktl::StringView(bytes, count));
    }
    ktl::ErrorOr<size_t> transmit(const char* bytes, size_t count, bool) override {
        uint8_t replies[PendingReplies::capacity];
        size_t reply_length = 0;
        display.with([&](Display& state) {
            write_to_console(state, m_index, ktl::StringView(bytes, count));
            if (VirtualConsole* console = state.consoles[m_index])
                reply_length = console->replies.take(replies);
        });
        if (reply_length > 0)
            receive(replies, reply_length); // as if typed, now that no lock is held
        return count;
    }
    ktl::ErrorOr<long> back_end_ioctl(uint64_t request, uint64_t argument) override;

private:
    uint32_t m_index;
};

VirtualTerminal* terminals[virtual_terminal_count] = {}; // made at registration, kept for good

ktl::ErrorOr<long> VirtualTerminal::back_end_ioctl(uint64_t request, uint64_t argument) {
    switch (request) {
    case vt_getstate: {
        VtState state{static_cast<uint16_t>(active_virtual_terminal()), 0, 1};
        for (uint32_t i = 0; i < virtual_terminal_count; ++i)
            if (terminals[i])
                state.state |= static_cast<uint16_t>(1u << (i + 1));
        TRY(mm::copy_to_user(mm::UserPtr<VtState>(argument), &state));
        return 0;
    }
    case vt_activate:
        if (argument == 0 || argument > virtual_terminal_count || !terminals[argument - 1])
            return ktl::Errno::NoDeviceOrAddress;
        activate_virtual_terminal(static_cast<uint32_t>(argument));
        return 0;
    case vt_waitactive: {
        if (argument == 0 || argument > virtual_terminal_count)
            return ktl::Errno::NoDeviceOrAddress;
        auto waited = activation_changed.wait_until_interruptible(
            [&] { return active_virtual_terminal() == argument; });
        if (waited == sched::WaitResult::Interrupted)
            return ktl::Errno::Interrupted;
        return 0;
    }
    case kd_get_keyboard_type: {
        uint8_t type = keyboard_type_101;
        TRY(mm::copy_to_user(mm::UserPtr<uint8_t>(argument), &type));
        return 0;
    }
    case kd_get_mode: {
        int32_t mode = kd_text;
        TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &mode));
        return 0;
    }
    default:
        return ktl::Errno::NotTerminal;
    }
}

// /dev/tty1-4, and /dev/tty0 for whichever is active when it is opened (never a controlling
// terminal, as on Linux).
class VirtualTerminalDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t minor,
                                                uint32_t flags) override {
        uint32_t number = minor == 0 ? active_virtual_terminal() : minor;
        if (number == 0 || number > virtual_terminal_count || !terminals[number - 1])
            return ktl::Errno::NoDeviceOrAddress;
        return open_terminal(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags,
                             ktl::RefPtr<Terminal>(*terminals[number - 1]), minor != 0);
    }
};

// /dev/vcsN: the characters of ttyN's screen, row after row with no line ends (rows x columns
// bytes); /dev/vcs follows the active terminal at each read. Characters outside ASCII read as '?'.
class ScreenTextFile final : public fs::OpenFile {
public:
    ScreenTextFile(fs::RefPtr<fs::Inode> inode, uint32_t flags, uint32_t number)
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags), m_number(number) {}

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        sync::MutexLocker locker(m_position_lock);
        size_t done = TRY(read_at(m_position, buffer, length));
        m_position += done;
        return done;
    }
    ktl::ErrorOr<size_t> write(fs::IoBuffer, size_t) override { return ktl::Errno::NotPermitted; }
    ktl::ErrorOr<size_t> write_at(uint64_t, fs::IoBuffer, size_t) override {
        return ktl::Errno::NotPermitted;
    }
    ktl::ErrorOr<size_t> read_at(uint64_t offset, fs::IoBuffer buffer, size_t length) override {
        size_t done = 0;
        while (done < length) {
            char chunk[256];
            size_t want = length - done < sizeof chunk ? length - done : sizeof chunk;
            size_t got = display.with([&](Display& state) -> size_t {
                uint32_t index = (m_number ? m_number : state.active + 1) - 1;
                VirtualConsole* console = state.consoles[index];
                if (!console)
                    return 0;
                const console::TextConsole& screen = *console->text;
                uint64_t size = uint64_t(screen.columns()) * screen.rows();
                size_t n = 0;
                for (uint64_t at = offset + done; n < want && at < size; ++at, ++n) {
                    char32_t codepoint =
                        screen.cell(at % screen.columns(), at / screen.columns()).character();
                    chunk[n] = codepoint >= 0x20 && codepoint < 0x7f ? static_cast<char>(codepoint)
                               : codepoint == 0                      ? ' '
                                                                     : '?';
                }
                return n;
            });
            if (got == 0)
                break;
            auto copied = buffer.write(chunk, got, done);
            if (copied.is_error())
                return done > 0 ? ktl::ErrorOr<size_t>(done) : copied.error();
            done += got;
        }
        return done;
    }
    ktl::ErrorOr<int64_t> seek(int64_t offset, fs::Whence whence) override {
        sync::MutexLocker locker(m_position_lock);
        int64_t base = whence == fs::Whence::Set       ? 0
                       : whence == fs::Whence::Current ? static_cast<int64_t>(m_position)
                       : whence == fs::Whence::End     ? static_cast<int64_t>(screen_size())
                                                       : -1;
        if (base < 0 || (offset < 0 && base + offset < 0) || (offset > 0 && offset > INT64_MAX - base))
            return ktl::Errno::InvalidArgument;
        m_position = static_cast<uint64_t>(base + offset);
        return static_cast<int64_t>(m_position);
    }
    const char* kind() const override { return "device"; }

private:
    uint64_t screen_size() {
        return display.with([&](Display& state) -> uint64_t {
            VirtualConsole* console = state.consoles[(m_number ? m_number : state.active + 1) - 1];
            return console ? uint64_t(console->text->columns()) * console->text->rows() : 0;
        });
    }

    uint32_t m_number; // 0: the active terminal
    sync::Mutex m_position_lock;
    uint64_t m_position = 0;
};

class ScreenTextDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t minor,
                                                uint32_t flags) override {
        if (minor > virtual_terminal_count || (minor > 0 && !terminals[minor - 1]))
            return ktl::Errno::NoDeviceOrAddress;
        auto file = TRY(ktl::try_make_ref_counted<ScreenTextFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode),
                                                                  flags, minor));
        return fs::RefPtr<fs::OpenFile>(file.ptr());
    }
};

constinit VirtualTerminalDevice virtual_terminal_device;
constinit ScreenTextDevice screen_text_device;

// The kernel log's way onto the screen once the terminals have it: the active terminal.
class LogScreen final : public console::ScreenOwner {
public:
    void write(ktl::StringView text) override {
        display.with([&](Display& state) { write_kernel_text(state, text); });
    }
    void write_emergency(ktl::StringView text) override {
        write_kernel_text(display.unlocked_for_crash_reporting(), text);
    }
};
constinit LogScreen log_screen;

// What the running program asked of the terminal that changes the keys' bytes (DECCKM, DECKPAM).
input::TerminalModes keyboard_modes(Display& state, uint32_t index) {
    VirtualConsole* console = state.consoles[index];
    if (!console)
        return {};
    return {console->text->application_cursor_keys(), console->text->application_keypad()};
}

void act_on_key(const input::KeyResult& result) {
    switch (result.action) {
    case input::Action::None:
        break;
    case input::Action::SwitchConsole:
        activate_virtual_terminal(result.argument); // Alt-F5 and up name no terminal: nothing
        break;
    case input::Action::PreviousConsole:
    case input::Action::NextConsole: {
        uint32_t active = active_virtual_terminal() - 1;
        uint32_t step = result.action == input::Action::NextConsole ? 1 : virtual_terminal_count - 1;
        activate_virtual_terminal((active + step) % virtual_terminal_count + 1);
        break;
    }
    case input::Action::ScrollBack:
    case input::Action::ScrollForward:
        display.with([&](Display& state) {
            VirtualConsole* console = state.consoles[state.active];
            if (!console)
                return;
            int32_t half = static_cast<int32_t>(console->text->rows() / 2);
            console->text->scroll_view(result.action == input::Action::ScrollBack ? half : -half);
        });
        break;
    case input::Action::CtrlAltDelete:
        // As Linux: an immediate restart while reboot(2)'s CAD_ON stands (the boot default), else
        // SIGINT to init, which goes down in order (init turns CAD off first thing).
        if (power::ctrl_alt_del_reboots())
            power::restart({});
        if (!proc::signal_process_from_kernel(1, proc::sigint))
            klog::warn("vt", "Ctrl-Alt-Delete: there is no init to tell");
        break;
    }
}

// The keyboard's input task: scancodes to key events to bytes for the active terminal's line
// discipline (which may signal, so it cannot run in the interrupt).
[[noreturn]] void feed_keyboard_input(void*) {
    input::ScancodeDecoder decoder;
    input::Keyboard keyboard;
    for (;;) {
        dev::i8042::scancodes_ready().wait_until([] { return dev::i8042::has_scancodes(); });
        uint8_t bytes[64];
        size_t count = dev::i8042::take_scancodes(bytes, sizeof bytes);
        for (size_t i = 0; i < count; ++i) {
            input::KeyEvent event;
            if (!decoder.feed(bytes[i], event))
                continue;
            uint32_t active = 0;
            input::TerminalModes modes = display.with([&](Display& state) {
                active = state.active;
                return keyboard_modes(state, active);
            });
            input::KeyResult result = keyboard.handle(event, modes);
            if (result.leds_changed)
                dev::i8042::set_leds(keyboard.leds());
            act_on_key(result);
            if (result.length > 0 && terminals[active]) {
                display.with([&](Display& state) {
                    if (state.consoles[active])
                        state.consoles[active]->text->reset_view(); // typing brings the view back
                });
                terminals[active]->receive(reinterpret_cast<const uint8_t*>(result.bytes), result.length);
            }
        }
    }
}

// Appends `codepoint` as UTF-8.
void append_utf8(ktl::BufferSink& out, char32_t codepoint) {
    char bytes[4];
    size_t length;
    if (codepoint < 0x80) {
        bytes[0] = static_cast<char>(codepoint);
        length = 1;
    } else if (codepoint < 0x800) {
        bytes[0] = static_cast<char>(0xc0 | (codepoint >> 6));
        bytes[1] = static_cast<char>(0x80 | (codepoint & 0x3f));
        length = 2;
    } else if (codepoint < 0x10000) {
        bytes[0] = static_cast<char>(0xe0 | (codepoint >> 12));
        bytes[1] = static_cast<char>(0x80 | ((codepoint >> 6) & 0x3f));
        bytes[2] = static_cast<char>(0x80 | (codepoint & 0x3f));
        length = 3;
    } else {
        bytes[0] = static_cast<char>(0xf0 | (codepoint >> 18));
        bytes[1] = static_cast<char>(0x80 | ((codepoint >> 12) & 0x3f));
        bytes[2] = static_cast<char>(0x80 | ((codepoint >> 6) & 0x3f));
        bytes[3] = static_cast<char>(0x80 | (codepoint & 0x3f));
        length = 4;
    }
    out.write(ktl::StringView(bytes, length));
}

// The SGR parameters that give a cell's colour (`base` 30 for the foreground, 40 the background).
void append_color(ktl::BufferSink& out, const console::CellColor& color, int base) {
    switch (color.kind) {
    case console::CellColor::Kind::Default:
        break;
    case console::CellColor::Kind::Palette:
        ktl::format_to(out, ";{}",
                       color.index_or_red < 8 ? base + color.index_or_red
                                              : base + 60 + (color.index_or_red - 8));
        break;
    case console::CellColor::Kind::Direct:
        ktl::format_to(out, ";{};2;{};{};{}", base + 8, color.index_or_red, color.green, color.blue);
        break;
    }
}

bool same_style(const console::Cell& a, const console::Cell& b) {
    return a.attributes == b.attributes && a.foreground == b.foreground && a.background == b.background;
}

bool is_blank(const console::Cell& cell) {
    return cell.character() == U' ' && same_style(cell, console::Cell{});
}

// Writes the boot console's screen into `target` (hidden, so nothing is drawn: the framebuffer shows
// the same already), cell by cell with its colours and attributes, and puts the cursor where the
// boot console had it.
void adopt_boot_screen(console::TextConsole& target) {
    const console::TextConsole* boot = console::boot_text_console();
    if (!boot)
        return;
    uint32_t rows = boot->rows() < target.rows() ? boot->rows() : target.rows();
    uint32_t columns = boot->columns() < target.columns() ? boot->columns() : target.columns();
    for (uint32_t row = 0; row < rows; ++row) {
        uint32_t end = columns;
        while (end > 0 && is_blank(boot->cell(end - 1, row)))
            --end;
        char text[256];
        ktl::BufferSink out(text, sizeof text);
        console::Cell style;
        for (uint32_t column = 0; column < end; ++column) {
            if (out.length() > sizeof text - 80) { // room for the longest SGR, a character, the row's end
                target.write(out.view());
                out.clear();
            }
            const console::Cell& cell = boot->cell(column, row);
            if (column == 0 || !same_style(cell, style)) {
                out.write("\x1b[0");
                constexpr uint8_t attributes[] = {
                    console::cell_attribute::bold,    console::cell_attribute::dim,
                    console::cell_attribute::italic,  console::cell_attribute::underline,
                    console::cell_attribute::blink,   0,
                    console::cell_attribute::reverse, console::cell_attribute::concealed,
                    console::cell_attribute::strike};
                for (size_t i = 0; i < sizeof attributes; ++i)
                    if (attributes[i] && cell.has(attributes[i]))
                        ktl::format_to(out, ";{}", i + 1);
                append_color(out, cell.foreground, 30);
                append_color(out, cell.background, 40);
                out.write("m");
                style = cell;
            }
            append_utf8(out, cell.character());
        }
        out.write("\x1b[0m");
        if (row + 1 < rows)
            out.write("\r\n");
        target.write(out.view());
    }
    char move[24];
    target.write(ktl::format_into(move, sizeof move, "\x1b[{};{}H", boot->cursor_row() + 1,
                                  boot->cursor_column() + 1));
}

} // namespace

uint32_t active_virtual_terminal() {
    return display.with([](Display& state) { return state.active + 1; });
}

bool activate_virtual_terminal(uint32_t number) {
    if (number == 0 || number > virtual_terminal_count)
        return false;
    bool exists = true, changed = false;
    display.with([&](Display& state) {
        uint32_t index = number - 1;
        if (!state.consoles[index]) {
            exists = false;
            return;
        }
        if (state.active == index)
            return;
        if (state.started) {
            state.consoles[state.active]->surface.show(nullptr);
            state.consoles[index]->surface.show(state.framebuffer);
            state.consoles[index]->text->repaint();
        }
        state.active = index;
        changed = true;
    });
    if (changed)
        activation_changed.wake_all();
    return exists;
}

bool change_display(const boot::FramebufferInfo& info, uint8_t* pixels) {
    // The new cells come from the heap before the display lock is taken, and the old ones go back
    // after it is dropped. The grid size needs the font's cell size, so it is computed here as the
    // surface will compute it.
    const console::PsfFont* font = console::console_font();
    if (!font || font->width() == 0 || font->height() == 0)
        return false;
    uint32_t columns = info.width / font->width();
    uint32_t rows = info.height / font->height();
    size_t count = console::TextConsole::cells_needed(columns, rows, scrollback_lines);
    console::Cell* fresh[virtual_terminal_count] = {};
    console::Cell* old[virtual_terminal_count] = {};
    bool allocated = true;
    for (uint32_t i = 0; i < virtual_terminal_count; ++i)
        allocated &= (fresh[i] = console::TextConsole::allocate_cells(count)) != nullptr;
    bool changed = false;
    if (allocated) {
        display.with([&](Display& state) {
            if (!console::change_framebuffer(info, pixels))
                return;
            changed = true;
            state.framebuffer = console::framebuffer_surface();
            columns = state.framebuffer->columns();
            rows = state.framebuffer->rows();
            for (uint32_t i = 0; i < virtual_terminal_count; ++i) {
                VirtualConsole* console = state.consoles[i];
                if (!console)
                    continue;
                bool shown = state.started && i == state.active;
                console->surface.show(shown ? state.framebuffer : nullptr);
                if (shown)
                    state.framebuffer->clear(console::default_background); // margins the grid leaves
                old[i] = console->text->resize_onto(fresh[i], count, columns, rows); // redraws if shown
                fresh[i] = nullptr;
            }
        });
    }
    for (uint32_t i = 0; i < virtual_terminal_count; ++i) {
        console::TextConsole::free_cells(fresh[i]);
        console::TextConsole::free_cells(old[i]);
    }
    if (!allocated) {
        klog::warn(log_subsystem, "no memory for {}x{} terminals: the mode stays", columns, rows);
        return false;
    }
    if (!changed)
        return false;
    for (uint32_t i = 0; i < virtual_terminal_count; ++i)
        if (terminals[i])
            terminals[i]->set_window_size(
                {static_cast<uint16_t>(rows), static_cast<uint16_t>(columns), 0, 0});
    klog::info(log_subsystem, "tty1-tty{}: {}x{} text on {}x{} pixels", virtual_terminal_count, columns, rows,
               info.width, info.height);
    return true;
}

void register_virtual_terminals() {
    console::FramebufferSurface* framebuffer = console::framebuffer_surface();
    uint32_t columns = framebuffer ? framebuffer->columns() : headless_columns;
    uint32_t rows = framebuffer ? framebuffer->rows() : headless_rows;
    VirtualConsole* consoles[virtual_terminal_count] = {};
    for (uint32_t i = 0; i < virtual_terminal_count; ++i) {
        // Leaked on purpose, as the serial terminals: the virtual terminals never go away.
        auto* console = new (std::nothrow) VirtualConsole;
        if (console) {
            auto text = console::TextConsole::create(console->surface, columns, rows, scrollback_lines);
            if (!text.is_error())
                console->text = static_cast<ktl::OwnPtr<console::TextConsole>&&>(text.value());
        }
        if (!console || !console->text ||
            !(terminals[i] = new (std::nothrow)
                  VirtualTerminal(i, static_cast<uint16_t>(columns), static_cast<uint16_t>(rows)))) {
            klog::warn(log_subsystem, "no virtual terminals from tty{} on: out of memory", i + 1);
            break;
        }
        // ONLCR already turns the terminal's newlines into CR LF; a bare LF moves down only.
        console->text->set_new_line_mode(false);
        console->text->set_reply_sink(&console->replies);
        consoles[i] = console;
    }
    display.with([&](Display& state) {
        for (uint32_t i = 0; i < virtual_terminal_count; ++i)
            state.consoles[i] = consoles[i];
        state.framebuffer = framebuffer;
    });
    if (!consoles[0])
        return;
    constexpr fs::CharacterDeviceInfo devices[] = {
        {"tty0", tty_major, 0, 0620}, {"tty1", tty_major, 1, 0620}, {"tty2", tty_major, 2, 0620},
        {"tty3", tty_major, 3, 0620}, {"tty4", tty_major, 4, 0620},
    };
    for (const auto& info : devices) {
        if (info.minor > 0 && !terminals[info.minor - 1])
            continue;
        if (auto registered = fs::register_character_device(info, virtual_terminal_device);
            registered.is_error())
            klog::warn(log_subsystem, "cannot register /dev/{}: {}", info.name, registered.error().name());
    }
    constexpr fs::CharacterDeviceInfo screens[] = {
        {"vcs", vcs_major, 0, 0660},  {"vcs1", vcs_major, 1, 0660}, {"vcs2", vcs_major, 2, 0660},
        {"vcs3", vcs_major, 3, 0660}, {"vcs4", vcs_major, 4, 0660},
    };
    for (const auto& info : screens) {
        if (info.minor > 0 && !terminals[info.minor - 1])
            continue;
        if (auto registered = fs::register_character_device(info, screen_text_device); registered.is_error())
            klog::warn(log_subsystem, "cannot register /dev/{}: {}", info.name, registered.error().name());
    }
    klog::info(log_subsystem, "tty1-tty{}: {}x{} text{}", virtual_terminal_count, columns, rows,
               framebuffer ? " on the framebuffer" : ", no framebuffer to show it on");
}

void start_virtual_terminals(int console_loglevel) {
    bool have_terminals = display.with([](Display& state) { return state.consoles[0] != nullptr; });
    if (!have_terminals)
        return;
    if (dev::i8042::initialize_keyboard()) {
        auto task = sched::spawn("keyboard-input", feed_keyboard_input, nullptr, {});
        if (task.is_error())
            klog::warn(log_subsystem, "no keyboard input: no input task ({})", task.error().name());
        else
            task.value().reset();
    }
    // tty1 starts as a copy of the boot console's screen: the boot log stays until it scrolls away.
    display.with([&](Display& state) {
        if (state.active == 0)
            adopt_boot_screen(*state.consoles[0]->text);
    });
    klog::set_console_loglevel(console_loglevel);
    console::hand_over_screen(log_screen);
    display.with([&](Display& state) {
        VirtualConsole* shown = state.consoles[state.active];
        shown->surface.show(state.framebuffer);
        if (state.active != 0)
            shown->text->repaint();
        state.started = true;
    });
    klog::info(log_subsystem,
               "the screen now belongs to tty{}; kernel messages below loglevel {} still show there, "
               "COM1 and /dev/kmsg have all",
               active_virtual_terminal(), console_loglevel);
}

} // namespace tty
