// The terminal emulator of the kernel console: turns a byte stream (UTF-8, control characters,
// escape sequences) into a grid of cells - the screen - and draws the cells that change on an
// abstract surface, so the same logic drives the framebuffer in the kernel and a recording grid in
// host tests. A VT100/xterm subset that also answers like the Linux console, enough for full-screen
// programs (busybox vi, less, top) under TERM=linux or TERM=xterm.
//
// Storage: every cell (code point, colours, attributes) of the main screen, of the alternate screen
// and of a ring of main-screen lines that scrolled off the top (the scrollback) lives in one array
// of Cells the console is given (the boot console, before any heap, passes a static one) or
// allocates (create(), which reports failure). repaint() redraws the surface from the cells, so a
// virtual terminal that was not shown can be brought back, and the view can scroll into history.
//
// Behaviour, xterm-like where it matters (docs/console-and-logging.md lists every sequence):
//   Deferred wrap: a character written in the last column leaves the cursor there with a wrap
//   pending; the next printable character first moves to a new line (with autowrap on, DECAWM).
//   `\n` (and VT, FF) moves down one row, scrolling at the bottom of the scroll region; in new line
//   mode (LNM, ESC[20h - the default, for the kernel's own "\n"-terminated output) it also returns
//   to column 0. A virtual terminal behind a tty with ONLCR wants set_new_line_mode(false), the
//   VT100 default, so raw-mode programs can move down with `\n` and keep their column.
//   `\r`, `\t` (tab stops, every 8 columns by default), `\b` act as on a VT100; SO/SI shift to the G1
//   and G0 character sets; BEL and other C0 controls, DEL and C1 controls are ignored.
//   Pinned rows at the top (the kernel's banner) are outside the terminal: row 1 of cursor
//   addressing is the first unpinned row, nothing scrolls or erases the pinned rows, and only
//   draw_at draws there.
// Drawing: a cell's colours are resolved when it is drawn - bold brightens palette colours 0-7 and
//   the default foreground (as the Linux console), dim scales the foreground to 2/3, reverse (SGR 7,
//   and DECSCNM for the whole screen) swaps foreground and background, concealed draws the
//   foreground in the background colour. Underlined cells go through
//   ConsoleSurface::draw_underlined_cell; italic, blink and strike-through are kept but not drawn.
//   The cursor is the cell under it drawn with ConsoleSurface::draw_cursor (by default in reverse
//   video); it is shown after each write() when visible (DECTCEM) and the view is live.
// Parsing follows the DEC/xterm state machine (Paul Williams' VT500 diagram): at most 16
// parameters, each saturated at 65535, strings (OSC, DCS, APC, PM, SOS) skipped without being
// stored, so state stays bounded however long a sequence is. CAN/SUB abort a sequence, ESC
// restarts one; unknown sequences are consumed silently.
// A TextConsole does no locking: its user serialises every call (the kernel console disables
// interrupts around them).
#pragma once

#include "console/color.h"
#include "console/utf8.h"
#include "ktl/error_or.h"
#include "ktl/own_ptr.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace console {

// Whatever displays the cells. Coordinates passed in are always inside the console's grid.
class ConsoleSurface {
public:
    virtual void draw_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                           Rgb background) = 0;
    // A cell with an underline (SGR 4) in the foreground colour. By default drawn without it.
    virtual void draw_underlined_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                                      Rgb background) {
        draw_cell(column, row, codepoint, foreground, background);
    }
    // The cell under the cursor, with the cursor on it: by default a block, the cell in reverse video.
    // The console removes the cursor by drawing the cell again with draw_cell (or its underlined form).
    virtual void draw_cursor(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                             Rgb background) {
        draw_cell(column, row, codepoint, background, foreground);
    }
    // Moves rows first_row+1..last_row up by one and clears last_row (inclusive bounds).
    virtual void scroll_up(uint32_t first_row, uint32_t last_row, Rgb background) = 0;
    // Moves rows first_row..last_row-1 down by one and clears first_row. Returns false when the
    // surface cannot, and the console redraws the rows cell by cell instead.
    virtual bool scroll_down(uint32_t first_row, uint32_t last_row, Rgb background) {
        (void)first_row;
        (void)last_row;
        (void)background;
        return false;
    }
    virtual void clear(Rgb background) = 0;

protected:
    ~ConsoleSurface() = default;
};

// Where a cell's colour comes from: the default, a palette slot 0-15 (bold can brighten 0-7, the
// Linux palette sequence can change it), or a fixed RGB value (256-colour indices 16-255, 24-bit).
struct CellColor {
    enum class Kind : uint8_t { Default, Palette, Direct };
    Kind kind = Kind::Default;
    uint8_t index_or_red = 0;
    uint8_t green = 0;
    uint8_t blue = 0;

    static constexpr CellColor palette(uint8_t index) { return {Kind::Palette, index, 0, 0}; }
    static constexpr CellColor direct(Rgb rgb) { return {Kind::Direct, rgb.r, rgb.g, rgb.b}; }
    constexpr bool operator==(const CellColor&) const = default;
};

// SGR attributes a cell keeps.
namespace cell_attribute {
inline constexpr uint8_t bold = 1 << 0;
inline constexpr uint8_t dim = 1 << 1;
inline constexpr uint8_t italic = 1 << 2;
inline constexpr uint8_t underline = 1 << 3;
inline constexpr uint8_t blink = 1 << 4;
inline constexpr uint8_t reverse = 1 << 5;
inline constexpr uint8_t concealed = 1 << 6;
inline constexpr uint8_t strike = 1 << 7;
} // namespace cell_attribute

// One character cell: 12 bytes.
struct Cell {
    uint32_t codepoint : 21 = U' ';
    uint32_t attributes : 8 = 0; // cell_attribute bits
    CellColor foreground;
    CellColor background;

    char32_t character() const { return static_cast<char32_t>(codepoint); }
    bool has(uint8_t attribute) const { return (attributes & attribute) != 0; }
};
static_assert(sizeof(Cell) == 12);

class TextConsole {
public:
    static constexpr uint32_t default_tab_width = 8;
    static constexpr uint32_t max_parameters = 16;
    static constexpr uint32_t max_parameter_value = 65535;
    // Columns past this one have fixed tab stops every 8 columns (HTS/TBC do not reach them).
    static constexpr uint32_t max_tab_stop_columns = 1024;

    // Where answers to terminal queries (device attributes, cursor position) go: the input side of
    // the terminal, as if typed. Called from inside write(), so it must not write to the console.
    class ReplySink {
    public:
        virtual void reply(ktl::StringView bytes) = 0;

    protected:
        ~ReplySink() = default;
    };

    // The cells a console of `columns` x `rows` with `scrollback_lines` of history uses.
    static constexpr size_t cells_needed(uint32_t columns, uint32_t rows, uint32_t scrollback_lines) {
        return static_cast<size_t>(columns) * (2 * static_cast<size_t>(rows) + scrollback_lines);
    }

    // A console on `cells` (cell_count of them, owned by the caller, outliving the console): the main
    // and the alternate screen come first; whole lines left over make the scrollback. With fewer than
    // 2 x columns x rows cells the console has fewer rows; with 0 columns or rows, or no cells, it
    // accepts everything and draws nothing. Nothing is drawn until something is written (or repaint()).
    TextConsole(ConsoleSurface& surface, uint32_t columns, uint32_t rows, Cell* cells, size_t cell_count);
    // A console whose cells are on the heap: ENOMEM when they cannot be had.
    static ktl::ErrorOr<ktl::OwnPtr<TextConsole>> create(ConsoleSurface& surface, uint32_t columns,
                                                         uint32_t rows, uint32_t scrollback_lines);
    ~TextConsole();
    TextConsole(const TextConsole&) = delete;
    TextConsole& operator=(const TextConsole&) = delete;

    // Interprets `bytes`; sequences (UTF-8 or escapes) may be split across calls. Output brings the
    // view back to the live screen first.
    void write(ktl::StringView bytes);

    // Rows at the top that never scroll (the kernel's banner). Clamped so at least one row scrolls;
    // a cursor inside the pinned area moves to the start of the first scrolling row. Resets the
    // scroll region.
    void set_pinned_rows(uint32_t count);
    uint32_t pinned_rows() const { return m_pinned_rows; }

    // Draws UTF-8 `text` from (column, row) without moving the cursor or touching the attributes;
    // clipped at the right edge, no wrapping, control characters skipped. Meant for pinned rows; the
    // cells are kept, so repaint() draws them again.
    void draw_at(uint32_t column, uint32_t row, ktl::StringView text, Rgb foreground, Rgb background);

    // Clears the whole surface (pinned rows too) in the current background and homes the cursor to
    // the first scrolling row.
    void clear();

    // Draws every visible cell and the cursor (a virtual terminal being switched to).
    void repaint();

    // Scrollback: moves the view `rows` lines back into history (negative: forward), clamped to the
    // lines kept; reset_view() returns to the live screen. The alternate screen has no history.
    void scroll_view(int32_t rows);
    void reset_view();
    bool viewing_history() const { return m_view_offset != 0; }
    uint32_t view_offset() const { return m_view_offset; }
    uint32_t scrollback_lines() const { return m_history_count; }
    uint32_t scrollback_capacity() const { return m_history_capacity; }

    // Answers to DA, secondary DA and DSR go here; without a sink they are dropped.
    void set_reply_sink(ReplySink* sink) { m_reply_sink = sink; }

    // Modes the keyboard translation reads: DECCKM (ESC[?1h: cursor keys send ESC O A) and
    // DECKPAM (ESC =: the keypad sends application sequences).
    bool application_cursor_keys() const { return m_application_cursor_keys; }
    bool application_keypad() const { return m_application_keypad; }
    bool cursor_visible() const { return m_cursor_visible; }
    bool alternate_screen_active() const { return m_screen == m_alternate; }

    // LNM: whether `\n`, VT and FF also return to column 0 (see the header comment). On by default;
    // this is also the state RIS goes back to.
    void set_new_line_mode(bool on);
    bool new_line_mode() const { return m_new_line_mode; }

    // A new grid size within the cells the console has (rows are clamped to what fits): the main
    // screen keeps its top-left part (lines above a cursor that would fall off the bottom go), the
    // alternate screen is cleared, the scrollback is dropped, the scroll region reset. Redraws.
    void resize(uint32_t columns, uint32_t rows);
    // resize() to a grid that may need more cells than the console has: one that allocated its cells
    // (create()) moves to a new array with room for `scrollback_lines` of history (ENOMEM leaves it
    // as it was); one on the caller's cells is clamped as resize() clamps.
    ktl::ErrorOr<void> resize_with_storage(uint32_t columns, uint32_t rows, uint32_t scrollback_lines);
    // The same in two steps, for a caller that must not allocate where it resizes (under a spinlock):
    // allocate_cells() makes `count` blank cells (null without memory); resize_onto() moves the
    // console onto them (it owns them from then on) and returns the cells it owned before, for
    // free_cells() once the caller may free (null when the caller owns them).
    static Cell* allocate_cells(size_t count);
    static void free_cells(Cell* cells);
    [[nodiscard]] Cell* resize_onto(Cell* cells, size_t count, uint32_t columns, uint32_t rows);

    uint32_t cursor_column() const { return m_column; }
    uint32_t cursor_row() const { return m_row; }
    bool wrap_pending() const { return m_wrap_pending; }
    uint32_t columns() const { return m_columns; }
    uint32_t rows() const { return m_rows; }

    // The live screen's cell (the alternate screen's while it is shown; pinned rows from the main one).
    const Cell& cell(uint32_t column, uint32_t row) const;

    // The colours the next character would be drawn in (SGR state resolved, bold applied).
    Rgb foreground() const;
    Rgb background() const;

private:
    enum class ParserState : uint8_t {
        Ground,
        Escape,             // after ESC
        EscapeIntermediate, // ESC followed by 0x20-0x2F, waiting for the final byte
        Csi,                // ESC [ parameters
        CsiIgnore,          // a malformed CSI, swallowed up to its final byte
        OscStart,           // after ESC ]: the Linux palette sequences or an OSC string
        LinuxPalette,       // ESC ] P nrrggbb
        String,             // OSC / DCS / SOS / PM / APC body, ends with BEL or ESC '\'
        StringEscape,       // ESC inside a string
    };
    struct SavedCursor {
        uint32_t column = 0;
        uint32_t row = 0; // relative to the first unpinned row
        bool wrap_pending = false;
        bool origin_mode = false;
        Cell pen;
        bool g0_graphics = false;
        bool g1_graphics = false;
        bool shift_out = false;
    };

    // Parsing.
    void process(char32_t codepoint);
    void process_escape(char32_t codepoint);
    void dispatch_escape(char32_t intermediate, char32_t final_byte);
    void process_csi(char32_t codepoint);
    void process_linux_palette(char32_t codepoint);
    void execute_control(char32_t codepoint);
    void dispatch_csi(char32_t final_byte);
    void set_mode(bool private_mode, uint32_t mode, bool on);
    void select_graphic_rendition();
    void start_csi();
    uint32_t parameter(uint32_t index, uint32_t fallback) const;
    uint32_t count_parameter(uint32_t index) const; // omitted or 0 reads as 1
    uint32_t parameter_count() const;
    bool is_subparameter(uint32_t index) const { return (m_subparameters >> index) & 1; }

    // Terminal operations.
    void put_printable(char32_t codepoint);
    void carriage_return();
    void line_feed();
    void reverse_index();
    void tab_forward(uint32_t count);
    void tab_backward(uint32_t count);
    void move_to(uint32_t column, uint32_t row);
    void move_to_addressed(uint32_t column_parameter, uint32_t row_parameter);
    void move_up(uint32_t count);
    void move_down(uint32_t count);
    void erase_in_display(uint32_t mode);
    void erase_in_line(uint32_t mode);
    void erase_cells(uint32_t row, uint32_t first_column, uint32_t end_column);
    void insert_cells(uint32_t count);
    void delete_cells(uint32_t count);
    void insert_lines(uint32_t count);
    void delete_lines(uint32_t count);
    void scroll_region_up(uint32_t top, uint32_t bottom, uint32_t count, bool keep_in_history);
    void scroll_region_down(uint32_t top, uint32_t bottom, uint32_t count);
    void set_scroll_region(uint32_t top_parameter, uint32_t bottom_parameter);
    void save_cursor();
    void restore_cursor();
    void switch_screen(bool alternate);
    void clear_screen_cells(Cell* screen);
    void reset_tab_stops();
    void soft_reset();
    void full_reset();
    void reply(ktl::StringView bytes);
    void report_cursor_position();
    void push_history(const Cell* line);

    // Storage and drawing.
    static void copy_cells(Cell* destination, const Cell* source, size_t count); // overlap allowed
    void lay_out(uint32_t columns, uint32_t rows);
    Cell* screen_row(uint32_t row);
    const Cell* screen_row(uint32_t row) const;
    const Cell& visible_cell(uint32_t column, uint32_t row) const;
    Cell blank() const;
    void draw(uint32_t column, uint32_t row);
    void draw_row(uint32_t row, uint32_t first_column = 0);
    void draw_rows(uint32_t first_row, uint32_t last_row);
    void draw_resolved(uint32_t column, uint32_t row, const Cell& cell, bool with_cursor);
    void resolve(const Cell& cell, Rgb& foreground, Rgb& background) const;
    Rgb resolve_color(CellColor color, bool is_foreground, bool bold) const;
    void hide_cursor();
    void update_cursor();
    uint32_t first_row() const { return m_pinned_rows; }
    uint32_t last_row() const { return m_rows - 1; }

    ConsoleSurface& m_surface;
    Cell* m_cells;
    size_t m_cell_count;
    bool m_owns_cells = false;
    uint32_t m_columns = 0;
    uint32_t m_rows = 0;
    uint32_t m_pinned_rows = 0;

    Cell* m_main = nullptr;
    Cell* m_alternate = nullptr;
    Cell* m_screen = nullptr; // m_main or m_alternate
    Cell* m_history = nullptr;
    uint32_t m_history_capacity = 0; // lines
    uint32_t m_history_count = 0;
    uint32_t m_history_start = 0; // ring index of the oldest line
    uint32_t m_view_offset = 0;

    // Cursor and the pen (the attributes of the next character).
    uint32_t m_column = 0;
    uint32_t m_row = 0;
    bool m_wrap_pending = false;
    Cell m_pen;
    uint32_t m_scroll_top = 0; // absolute rows, inclusive
    uint32_t m_scroll_bottom = 0;
    SavedCursor m_saved[2]; // main screen, alternate screen
    char32_t m_last_printed = 0;
    uint64_t m_tab_stops[max_tab_stop_columns / 64] = {};

    // Modes.
    bool m_origin_mode = false;
    bool m_autowrap = true;
    bool m_insert_mode = false;
    bool m_new_line_mode = true;
    bool m_initial_new_line_mode = true;
    bool m_cursor_visible = true;
    bool m_reverse_screen = false;
    bool m_application_cursor_keys = false;
    bool m_application_keypad = false;
    bool m_g0_graphics = false;
    bool m_g1_graphics = false;
    bool m_shift_out = false;
    Rgb m_palette[16];

    // The cursor as drawn on the surface.
    bool m_cursor_drawn = false;
    uint32_t m_cursor_drawn_column = 0;
    uint32_t m_cursor_drawn_row = 0;

    ReplySink* m_reply_sink = nullptr;

    // Parser.
    Utf8Decoder m_decoder;
    ParserState m_state = ParserState::Ground;
    uint16_t m_parameters[max_parameters] = {};
    uint32_t m_parameter_index = 0; // parameter the next digit goes to; max_parameters once full
    uint32_t m_subparameters = 0;   // bit i: parameter i followed a ':'
    bool m_has_parameters = false;  // a digit or separator was seen
    char32_t m_private_marker = 0;  // '?', '>', '=', '<' right after CSI
    char32_t m_intermediate = 0;    // the first intermediate byte (CSI ! p, ESC ( 0)
    uint8_t m_palette_digits = 0;   // hex digits of ESC ] P nrrggbb seen
    uint32_t m_palette_value = 0;
};

} // namespace console
