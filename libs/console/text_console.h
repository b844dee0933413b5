// The terminal state machine of the kernel console: turns a byte stream (UTF-8, control
// characters, ANSI escape sequences) into cell drawing on an abstract surface, so the same logic
// drives the framebuffer in the kernel and a recording grid in host tests.
//
// Behaviour, xterm-like where it matters:
//   `\n` goes to column 0 of the next row (`\r\n` and `\n` are the same), `\r` to column 0,
//   `\t` to the next multiple of 8 (never past the last column), `\b` one column left (not past 0).
//   Other C0 controls, DEL and C1 controls are ignored.
//   Deferred wrap: a character written in the last column leaves the cursor there with a wrap
//   pending; the next printable character first moves to a new line. So a line that exactly fills
//   the row followed by `\n` gives one line break, and the screen only scrolls when a character or
//   newline needs a row below the last one. `\r`, `\b` and cursor-affecting sequences cancel it.
//   Scrolling moves rows [pinned_rows, rows) only; the pinned rows above never move.
// Escape sequences: CSI SGR (ESC[...m) 0, 1, 22, 30-37, 38;5;n, 38;2;r;g;b, 39, 40-47, 48;5;n,
//   48;2;r;g;b, 49, 90-97, 100-107 (':' is treated like ';'); ESC[J (0 below, 1 above, 2/3 whole
//   scroll region, which also homes the cursor there) and ESC[K (0 right, 1 left, 2 whole line).
//   Everything else - other CSI finals, private CSI (ESC[?25h), ESC x, OSC/DCS/APC/PM/SOS strings -
//   is consumed and ignored. The parser keeps at most 16 parameters, each saturated at 65535, so
//   state stays bounded however long a sequence is. CAN/SUB abort a sequence, ESC restarts one.
// Bold (SGR 1) turns palette colours 0-7 into their bright versions 8-15, including the default
// foreground (light grey -> white), as the Linux console does.
// Erasing and scrolling fill with the current background colour (xterm's "bce").
#pragma once

#include "console/color.h"
#include "console/utf8.h"
#include "ktl/string_view.h"

#include <cstdint>

namespace console {

// Whatever displays the cells. Coordinates passed in are always inside the console's grid.
class ConsoleSurface {
public:
    virtual void draw_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                           Rgb background) = 0;
    // Moves rows first_row+1..last_row up by one and clears last_row (inclusive bounds).
    virtual void scroll_up(uint32_t first_row, uint32_t last_row, Rgb background) = 0;
    virtual void clear(Rgb background) = 0;

protected:
    ~ConsoleSurface() = default;
};

class TextConsole {
public:
    static constexpr uint32_t tab_width = 8;
    static constexpr uint32_t max_parameters = 16;
    static constexpr uint32_t max_parameter_value = 65535;

    // A console with 0 columns or rows accepts everything and draws nothing.
    TextConsole(ConsoleSurface& surface, uint32_t columns, uint32_t rows);

    // Interprets `bytes`; sequences (UTF-8 or escapes) may be split across calls.
    void write(ktl::StringView bytes);

    // Rows at the top that never scroll (the kernel's banner). Clamped so at least one row scrolls;
    // a cursor inside the pinned area moves to the start of the first scrolling row.
    void set_pinned_rows(uint32_t count);
    uint32_t pinned_rows() const { return m_pinned_rows; }

    // Draws UTF-8 `text` from (column, row) without moving the cursor or touching the attributes;
    // clipped at the right edge, no wrapping, control characters skipped. Meant for pinned rows.
    void draw_at(uint32_t column, uint32_t row, ktl::StringView text, Rgb foreground, Rgb background);

    // Clears the whole surface (pinned rows too) in the current background and homes the cursor
    // to the first scrolling row.
    void clear();

    uint32_t cursor_column() const { return m_column; }
    uint32_t cursor_row() const { return m_row; }
    bool wrap_pending() const { return m_wrap_pending; }
    uint32_t columns() const { return m_columns; }
    uint32_t rows() const { return m_rows; }

    // The colours the next character would be drawn in (SGR state resolved, bold applied).
    Rgb foreground() const;
    Rgb background() const;

private:
    // Where a colour comes from: a palette slot (bold can brighten it), the default, or fixed RGB.
    struct ColorChoice {
        enum class Kind : uint8_t { Default, Palette, Direct };
        Kind kind = Kind::Default;
        uint8_t index = 0;
        Rgb rgb;
    };
    enum class ParserState : uint8_t {
        Ground,
        Escape,             // after ESC
        EscapeIntermediate, // ESC followed by 0x20-0x2F, waiting for the final byte
        Csi,                // ESC [ parameters
        CsiIgnore,          // a malformed or uninteresting CSI, swallowed up to its final byte
        String,             // OSC / DCS / SOS / PM / APC body, ends with BEL or ESC '\'
        StringEscape,       // ESC inside a string
    };

    void process(char32_t codepoint);
    void process_escape(char32_t codepoint);
    void process_csi(char32_t codepoint);
    void execute_control(char32_t codepoint);
    void dispatch_csi(char32_t final_byte);
    void select_graphic_rendition();
    void erase_in_display(uint32_t mode);
    void erase_in_line(uint32_t mode);
    void erase_cells(uint32_t row, uint32_t first_column, uint32_t end_column);

    void put_printable(char32_t codepoint);
    void new_line();
    void start_csi();
    uint32_t parameter(uint32_t index, uint32_t fallback) const;
    uint32_t parameter_count() const;

    ConsoleSurface& m_surface;
    uint32_t m_columns;
    uint32_t m_rows;
    uint32_t m_pinned_rows = 0;
    uint32_t m_column = 0;
    uint32_t m_row = 0;
    bool m_wrap_pending = false;

    ColorChoice m_foreground;
    ColorChoice m_background;
    bool m_bold = false;

    Utf8Decoder m_decoder;
    ParserState m_state = ParserState::Ground;
    uint16_t m_parameters[max_parameters] = {};
    uint32_t m_parameter_index = 0; // parameter the next digit goes to; max_parameters once full
    bool m_has_parameters = false;  // a digit or separator was seen
};

} // namespace console
