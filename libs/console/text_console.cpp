// TextConsole: UTF-8 decoding, the escape sequence parser, the cell grids (main, alternate,
// scrollback) and drawing them. The parser follows the shape of the DEC/xterm state machine (Paul
// Williams' VT500 diagram) with the states needed to swallow every sequence it does not implement.
#include "console/text_console.h"

#include <new>

namespace console {

namespace {

constexpr char32_t escape = 0x1B;
constexpr char32_t cancel = 0x18;     // CAN: aborts a sequence
constexpr char32_t substitute = 0x1A; // SUB: aborts a sequence
constexpr char32_t bell = 0x07;       // also ends an OSC string (xterm)
constexpr char32_t del = 0x7F;

constexpr bool is_c0_control(char32_t codepoint) {
    return codepoint < 0x20;
}
constexpr bool is_c1_control(char32_t codepoint) {
    return codepoint >= 0x80 && codepoint <= 0x9F;
}
constexpr bool is_final_byte(char32_t codepoint) {
    return codepoint >= 0x40 && codepoint <= 0x7E;
}
constexpr bool is_intermediate_byte(char32_t codepoint) {
    return codepoint >= 0x20 && codepoint <= 0x2F;
}
constexpr bool is_private_marker(char32_t codepoint) {
    return codepoint >= 0x3C && codepoint <= 0x3F; // < = > ?
}

// Code points that take no cell of their own (combining marks, zero-width characters): dropped, as
// the font has no way to overlay them.
constexpr bool is_zero_width(char32_t codepoint) {
    return (codepoint >= 0x0300 && codepoint <= 0x036F) || (codepoint >= 0x200B && codepoint <= 0x200F) ||
           (codepoint >= 0xFE00 && codepoint <= 0xFE0F) || codepoint == 0xFEFF;
}

// The DEC special graphics set (ESC ( 0) for 0x5F-0x7E, as the Linux console maps it to Unicode,
// except where the console font (Terminus) has no glyph: the diamond, the control pictures and the
// scan lines 1, 3, 7 and 9 take the nearest character it has.
constexpr char32_t dec_graphics[] = {
    0x00A0, // _ blank
    0x25A0, // ` diamond (U+25C6: no glyph; black square)
    0x2592, // a checkerboard
    0x2192, // b HT (U+2409: no glyph)
    0x00B6, // c FF (U+240C: no glyph)
    0x2190, // d CR (U+240D: no glyph)
    0x2193, // e LF (U+240A: no glyph)
    0x00B0, // f degree
    0x00B1, // g plus/minus
    0x21B5, // h NL (U+2424: no glyph)
    0x2195, // i VT (U+240B: no glyph)
    0x2518, // j lower right corner
    0x2510, // k upper right corner
    0x250C, // l upper left corner
    0x2514, // m lower left corner
    0x253C, // n crossing lines
    0x00AF, // o scan line 1 (U+23BA: no glyph; macron)
    0x2500, // p scan line 3 (U+23BB: no glyph)
    0x2500, // q horizontal line (scan line 5)
    0x2500, // r scan line 7 (U+23BC: no glyph)
    0x005F, // s scan line 9 (U+23BD: no glyph; underscore)
    0x251C, // t left tee
    0x2524, // u right tee
    0x2534, // v bottom tee
    0x252C, // w top tee
    0x2502, // x vertical line
    0x2264, // y less than or equal
    0x2265, // z greater than or equal
    0x03C0, // { pi
    0x2260, // | not equal
    0x00A3, // } pound
    0x00B7, // ~ centred dot
};

constexpr int hex_value(char32_t codepoint) {
    if (codepoint >= U'0' && codepoint <= U'9')
        return static_cast<int>(codepoint - U'0');
    if (codepoint >= U'a' && codepoint <= U'f')
        return static_cast<int>(codepoint - U'a' + 10);
    if (codepoint >= U'A' && codepoint <= U'F')
        return static_cast<int>(codepoint - U'A' + 10);
    return -1;
}

void copy_cells(Cell* destination, const Cell* source, size_t count) {
    if (destination < source) {
        for (size_t i = 0; i < count; ++i)
            destination[i] = source[i];
    } else if (destination > source) {
        for (size_t i = count; i > 0; --i)
            destination[i - 1] = source[i - 1];
    }
}

// "12" into `out` (room for 10 digits); returns the end.
char* format_decimal(char* out, uint32_t value) {
    char digits[10];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
        *out++ = digits[--count];
    return out;
}

} // namespace

TextConsole::TextConsole(ConsoleSurface& surface, uint32_t columns, uint32_t rows, Cell* cells,
                         size_t cell_count)
    : m_surface(surface), m_cells(cells), m_cell_count(cells ? cell_count : 0) {
    for (uint32_t i = 0; i < 16; ++i)
        m_palette[i] = ansi_palette[i];
    lay_out(columns, rows);
    // The caller's cells may hold anything.
    for (size_t i = 0; i < 2 * static_cast<size_t>(m_columns) * m_rows; ++i)
        m_cells[i] = Cell();
}

ktl::ErrorOr<ktl::OwnPtr<TextConsole>> TextConsole::create(ConsoleSurface& surface, uint32_t columns,
                                                           uint32_t rows, uint32_t scrollback_lines) {
    size_t count = cells_needed(columns, rows, scrollback_lines);
    Cell* cells = nullptr;
    if (count > 0) {
        if (count > SIZE_MAX / sizeof(Cell))
            return ktl::Errno::NoMemory;
        void* storage = ::operator new(count * sizeof(Cell), std::nothrow);
        if (!storage)
            return ktl::Errno::NoMemory;
        cells = static_cast<Cell*>(storage);
        for (size_t i = 0; i < count; ++i)
            new (&cells[i]) Cell();
    }
    auto* console = new (std::nothrow) TextConsole(surface, columns, rows, cells, count);
    if (!console) {
        ::operator delete(cells);
        return ktl::Errno::NoMemory;
    }
    console->m_owns_cells = true;
    return ktl::adopt_own(console);
}

TextConsole::~TextConsole() {
    if (m_owns_cells)
        ::operator delete(m_cells);
}

// Carves the cells into the two screens and the history ring and resets the terminal state.
void TextConsole::lay_out(uint32_t columns, uint32_t rows) {
    m_columns = 0;
    m_rows = 0;
    if (columns != 0 && rows != 0 && m_cell_count >= 2 * static_cast<size_t>(columns)) {
        size_t fitting_rows = m_cell_count / (2 * static_cast<size_t>(columns));
        m_columns = columns;
        m_rows = rows < fitting_rows ? rows : static_cast<uint32_t>(fitting_rows);
    }
    size_t screen_cells = static_cast<size_t>(m_columns) * m_rows;
    m_main = m_cells;
    m_alternate = m_cells + screen_cells;
    m_screen = m_main;
    m_history = m_cells + 2 * screen_cells;
    size_t history_lines = m_columns == 0 ? 0 : (m_cell_count - 2 * screen_cells) / m_columns;
    m_history_capacity = history_lines > 0xFFFFFFu ? 0xFFFFFFu : static_cast<uint32_t>(history_lines);
    m_history_count = 0;
    m_history_start = 0;
    m_view_offset = 0;
    if (m_pinned_rows >= m_rows)
        m_pinned_rows = m_rows == 0 ? 0 : m_rows - 1;
    m_scroll_top = m_pinned_rows;
    m_scroll_bottom = m_rows == 0 ? 0 : m_rows - 1;
    m_cursor_drawn = false;
    reset_tab_stops();
}

void TextConsole::write(ktl::StringView bytes) {
    if (bytes.is_empty())
        return;
    if (m_view_offset != 0)
        reset_view();
    for (char byte : bytes)
        m_decoder.feed(static_cast<uint8_t>(byte), [this](char32_t codepoint) { process(codepoint); });
    update_cursor();
}

void TextConsole::set_pinned_rows(uint32_t count) {
    if (m_rows == 0)
        return;
    m_pinned_rows = count < m_rows ? count : m_rows - 1;
    m_scroll_top = m_pinned_rows;
    m_scroll_bottom = m_rows - 1;
    if (m_row < m_pinned_rows) {
        m_row = m_pinned_rows;
        m_column = 0;
        m_wrap_pending = false;
    }
}

void TextConsole::draw_at(uint32_t column, uint32_t row, ktl::StringView text, Rgb foreground,
                          Rgb background) {
    if (row >= m_rows)
        return;
    // A decoder of its own: the stream's decoder may be in the middle of a character.
    Utf8Decoder decoder;
    Cell* cells = screen_row(row);
    bool visible = row < m_pinned_rows || m_view_offset == 0;
    auto put = [&](char32_t codepoint) {
        if (is_c0_control(codepoint) || codepoint == del || is_c1_control(codepoint))
            return;
        if (column >= m_columns)
            return;
        cells[column] = {static_cast<uint32_t>(codepoint), 0, CellColor::direct(foreground),
                         CellColor::direct(background)};
        if (visible)
            draw(column, row);
        ++column;
    };
    for (char byte : text)
        decoder.feed(static_cast<uint8_t>(byte), put);
    decoder.finish(put);
}

void TextConsole::clear() {
    if (m_rows == 0)
        return;
    Cell blank_cell = blank();
    for (uint32_t row = 0; row < m_rows; ++row) {
        Cell* cells = screen_row(row);
        for (uint32_t column = 0; column < m_columns; ++column)
            cells[column] = blank_cell;
    }
    m_view_offset = 0;
    m_cursor_drawn = false;
    Rgb foreground_color, background_color;
    resolve(blank_cell, foreground_color, background_color);
    m_surface.clear(background_color);
    m_row = m_pinned_rows;
    m_column = 0;
    m_wrap_pending = false;
}

void TextConsole::repaint() {
    if (m_rows == 0)
        return;
    m_cursor_drawn = false;
    draw_rows(0, m_rows - 1);
    update_cursor();
}

void TextConsole::scroll_view(int32_t rows) {
    if (m_rows == 0 || m_screen != m_main)
        return;
    int64_t offset = static_cast<int64_t>(m_view_offset) + rows;
    if (offset < 0)
        offset = 0;
    if (offset > m_history_count)
        offset = m_history_count;
    if (static_cast<uint32_t>(offset) == m_view_offset)
        return;
    m_view_offset = static_cast<uint32_t>(offset);
    hide_cursor();
    draw_rows(m_pinned_rows, m_rows - 1);
    update_cursor();
}

void TextConsole::reset_view() {
    if (m_view_offset == 0)
        return;
    m_view_offset = 0;
    draw_rows(m_pinned_rows, m_rows - 1);
    update_cursor();
}

void TextConsole::set_new_line_mode(bool on) {
    m_new_line_mode = on;
    m_initial_new_line_mode = on;
}

void TextConsole::resize(uint32_t columns, uint32_t rows) {
    uint32_t old_columns = m_columns;
    uint32_t old_rows = m_rows;
    uint32_t cursor_line = m_row; // absolute row of the main screen's cursor
    if (m_screen != m_main)
        cursor_line = m_saved[0].row + m_pinned_rows;
    bool was_alternate = m_screen != m_main;
    uint32_t column = m_column;
    lay_out(columns, rows);
    if (m_rows == 0)
        return;

    // Keep the main screen's top-left part; drop lines from the top so the cursor stays on screen.
    uint32_t shift = 0;
    if (old_rows > 0 && cursor_line >= m_rows)
        shift = cursor_line - m_rows + 1;
    if (shift > 0 && old_columns > 0) {
        // First move the kept lines up in the old layout (a forward copy), then change the stride.
        uint32_t kept = old_rows - shift;
        for (uint32_t row = m_pinned_rows; row < kept; ++row)
            copy_cells(m_main + static_cast<size_t>(row) * old_columns,
                       m_main + static_cast<size_t>(row + shift) * old_columns, old_columns);
        cursor_line -= shift;
    }
    uint32_t copy_rows = old_rows < m_rows ? old_rows : m_rows;
    uint32_t copy_columns = old_columns < m_columns ? old_columns : m_columns;
    Cell blank_cell;
    if (m_columns <= old_columns) {
        for (uint32_t row = 0; row < copy_rows; ++row)
            copy_cells(m_main + static_cast<size_t>(row) * m_columns,
                       m_main + static_cast<size_t>(row) * old_columns, copy_columns);
    } else {
        for (uint32_t row = copy_rows; row > 0; --row) {
            Cell* destination = m_main + static_cast<size_t>(row - 1) * m_columns;
            copy_cells(destination, m_main + static_cast<size_t>(row - 1) * old_columns, copy_columns);
            for (uint32_t each = copy_columns; each < m_columns; ++each)
                destination[each] = blank_cell;
        }
    }
    for (uint32_t row = copy_rows; row < m_rows; ++row)
        for (uint32_t each = 0; each < m_columns; ++each)
            m_main[static_cast<size_t>(row) * m_columns + each] = blank_cell;
    clear_screen_cells(m_alternate);

    if (was_alternate) {
        m_screen = m_alternate;
        cursor_line = m_row;
    }
    auto clamp_column = [&](uint32_t value) { return value < m_columns ? value : m_columns - 1; };
    auto clamp_row = [&](uint32_t value) {
        if (value < m_pinned_rows)
            return m_pinned_rows;
        return value < m_rows ? value : m_rows - 1;
    };
    m_row = clamp_row(was_alternate ? m_row : cursor_line);
    m_column = clamp_column(column);
    m_wrap_pending = false;
    for (SavedCursor& saved : m_saved) {
        saved.column = clamp_column(saved.column);
        if (saved.row + m_pinned_rows >= m_rows)
            saved.row = m_rows - 1 - m_pinned_rows;
    }
    repaint();
}

const Cell& TextConsole::cell(uint32_t column, uint32_t row) const {
    static const Cell outside;
    if (column >= m_columns || row >= m_rows)
        return outside;
    return screen_row(row)[column];
}

Cell* TextConsole::screen_row(uint32_t row) {
    return (row < m_pinned_rows ? m_main : m_screen) + static_cast<size_t>(row) * m_columns;
}

const Cell* TextConsole::screen_row(uint32_t row) const {
    return (row < m_pinned_rows ? m_main : m_screen) + static_cast<size_t>(row) * m_columns;
}

// What the view shows at (column, row): with the view `offset` lines back, the top `offset` rows
// below the pinned ones come from the history ring.
const Cell& TextConsole::visible_cell(uint32_t column, uint32_t row) const {
    if (m_view_offset != 0 && row >= m_pinned_rows) {
        uint32_t line = row - m_pinned_rows;
        if (line < m_view_offset) {
            uint32_t index = m_history_count - m_view_offset + line;
            uint32_t slot = (m_history_start + index) % m_history_capacity;
            return m_history[static_cast<size_t>(slot) * m_columns + column];
        }
        return screen_row(row - m_view_offset)[column];
    }
    return screen_row(row)[column];
}

// An erased cell: blank in the pen's colours, no attributes (xterm's "bce").
Cell TextConsole::blank() const {
    return {U' ', 0, {}, m_pen.background};
}

Rgb TextConsole::resolve_color(CellColor color, bool is_foreground, bool bold) const {
    switch (color.kind) {
    case CellColor::Kind::Default:
        if (!is_foreground)
            return m_palette[0];
        return m_palette[bold ? 15 : 7];
    case CellColor::Kind::Palette: {
        uint8_t index = color.index_or_red & 15;
        if (is_foreground && bold && index < 8)
            index = static_cast<uint8_t>(index + 8);
        return m_palette[index];
    }
    case CellColor::Kind::Direct:
        return {color.index_or_red, color.green, color.blue};
    }
    return m_palette[is_foreground ? 7 : 0];
}

void TextConsole::resolve(const Cell& cell, Rgb& foreground, Rgb& background) const {
    foreground = resolve_color(cell.foreground, true, cell.has(cell_attribute::bold));
    background = resolve_color(cell.background, false, false);
    if (cell.has(cell_attribute::dim)) {
        foreground.r = static_cast<uint8_t>(foreground.r * 2 / 3);
        foreground.g = static_cast<uint8_t>(foreground.g * 2 / 3);
        foreground.b = static_cast<uint8_t>(foreground.b * 2 / 3);
    }
    if (cell.has(cell_attribute::reverse) != m_reverse_screen) {
        Rgb swapped = foreground;
        foreground = background;
        background = swapped;
    }
    if (cell.has(cell_attribute::concealed))
        foreground = background;
}

Rgb TextConsole::foreground() const {
    Rgb foreground_color, background_color;
    resolve(m_pen, foreground_color, background_color);
    return foreground_color;
}

Rgb TextConsole::background() const {
    Rgb foreground_color, background_color;
    resolve(m_pen, foreground_color, background_color);
    return background_color;
}

void TextConsole::draw_resolved(uint32_t column, uint32_t row, const Cell& cell, bool with_cursor) {
    Rgb foreground_color, background_color;
    resolve(cell, foreground_color, background_color);
    char32_t codepoint = cell.character();
    if (with_cursor)
        m_surface.draw_cursor(column, row, codepoint, foreground_color, background_color);
    else if (cell.has(cell_attribute::underline))
        m_surface.draw_underlined_cell(column, row, codepoint, foreground_color, background_color);
    else
        m_surface.draw_cell(column, row, codepoint, foreground_color, background_color);
}

// Draws the visible cell at (column, row); a cursor drawn there is gone afterwards.
void TextConsole::draw(uint32_t column, uint32_t row) {
    if (m_cursor_drawn && column == m_cursor_drawn_column && row == m_cursor_drawn_row)
        m_cursor_drawn = false;
    draw_resolved(column, row, visible_cell(column, row), false);
}

void TextConsole::draw_row(uint32_t row, uint32_t first_column) {
    for (uint32_t column = first_column; column < m_columns; ++column)
        draw(column, row);
}

void TextConsole::draw_rows(uint32_t first, uint32_t last) {
    for (uint32_t row = first; row <= last && row < m_rows; ++row)
        draw_row(row);
}

// Takes the cursor off the surface (before the surface moves pixels around).
void TextConsole::hide_cursor() {
    if (!m_cursor_drawn)
        return;
    m_cursor_drawn = false;
    if (m_cursor_drawn_column < m_columns && m_cursor_drawn_row < m_rows)
        draw_resolved(m_cursor_drawn_column, m_cursor_drawn_row,
                      visible_cell(m_cursor_drawn_column, m_cursor_drawn_row), false);
}

// Puts the cursor where it belongs, if it is to be seen.
void TextConsole::update_cursor() {
    if (m_rows == 0)
        return;
    bool wanted = m_cursor_visible && m_view_offset == 0;
    if (m_cursor_drawn && (!wanted || m_cursor_drawn_column != m_column || m_cursor_drawn_row != m_row))
        hide_cursor();
    if (wanted && !m_cursor_drawn) {
        draw_resolved(m_column, m_row, visible_cell(m_column, m_row), true);
        m_cursor_drawn = true;
        m_cursor_drawn_column = m_column;
        m_cursor_drawn_row = m_row;
    }
}

// ---- Parsing ----

void TextConsole::process(char32_t codepoint) {
    switch (m_state) {
    case ParserState::Ground:
        if (codepoint == escape)
            m_state = ParserState::Escape;
        else if (is_c0_control(codepoint))
            execute_control(codepoint);
        else if (codepoint != del && !is_c1_control(codepoint))
            put_printable(codepoint);
        return;
    case ParserState::OscStart:
        if (codepoint == U'P') {
            m_state = ParserState::LinuxPalette;
            m_palette_digits = 0;
            m_palette_value = 0;
            return;
        }
        if (codepoint == U'R') {
            // Linux: reset the palette.
            m_state = ParserState::Ground;
            for (uint32_t i = 0; i < 16; ++i)
                m_palette[i] = ansi_palette[i];
            repaint();
            return;
        }
        m_state = ParserState::String;
        process(codepoint);
        return;
    case ParserState::LinuxPalette:
        process_linux_palette(codepoint);
        return;
    case ParserState::String:
        if (codepoint == bell || codepoint == cancel || codepoint == substitute)
            m_state = ParserState::Ground;
        else if (codepoint == escape)
            m_state = ParserState::StringEscape;
        return;
    case ParserState::StringEscape:
        // ESC '\' is the string terminator; ESC anything else ends the string and starts a new escape.
        m_state = ParserState::Escape;
        if (codepoint == U'\\')
            m_state = ParserState::Ground;
        else
            process(codepoint);
        return;
    default:
        break;
    }

    // Inside ESC / CSI: controls still act (as on a VT100), CAN/SUB abort, ESC starts over.
    if (codepoint == cancel || codepoint == substitute) {
        m_state = ParserState::Ground;
    } else if (codepoint == escape) {
        m_state = ParserState::Escape;
    } else if (is_c0_control(codepoint)) {
        execute_control(codepoint);
    } else if (codepoint == del) {
        // ignored everywhere
    } else if (codepoint > del) {
        // No sequence contains non-ASCII: drop the sequence and the character.
        m_state = ParserState::Ground;
    } else if (m_state == ParserState::Escape) {
        process_escape(codepoint);
    } else if (m_state == ParserState::EscapeIntermediate) {
        if (!is_intermediate_byte(codepoint)) {
            m_state = ParserState::Ground;
            dispatch_escape(m_intermediate, codepoint);
        }
    } else {
        process_csi(codepoint);
    }
}

void TextConsole::process_linux_palette(char32_t codepoint) {
    int value = hex_value(codepoint);
    if (value < 0) {
        // Not a palette sequence after all: drop it, and let the byte act.
        m_state = ParserState::Ground;
        process(codepoint);
        return;
    }
    m_palette_value = (m_palette_value << 4) | static_cast<uint32_t>(value);
    if (++m_palette_digits < 7)
        return;
    m_state = ParserState::Ground;
    uint32_t index = (m_palette_value >> 24) & 15;
    m_palette[index] = {static_cast<uint8_t>(m_palette_value >> 16), static_cast<uint8_t>(m_palette_value >> 8),
                        static_cast<uint8_t>(m_palette_value)};
    repaint();
}

void TextConsole::process_escape(char32_t codepoint) {
    switch (codepoint) {
    case U'[':
        start_csi();
        m_state = ParserState::Csi;
        return;
    case U']':
        m_state = ParserState::OscStart;
        return;
    case U'P': // DCS
    case U'X': // SOS
    case U'^': // PM
    case U'_': // APC
        m_state = ParserState::String;
        return;
    default:
        if (is_intermediate_byte(codepoint)) {
            m_intermediate = codepoint;
            m_state = ParserState::EscapeIntermediate;
            return;
        }
        m_state = ParserState::Ground;
        dispatch_escape(0, codepoint);
        return;
    }
}

void TextConsole::dispatch_escape(char32_t intermediate, char32_t final_byte) {
    if (m_rows == 0)
        return;
    if (intermediate == U'(' || intermediate == U')') {
        // Character set designation: '0' is DEC special graphics, anything else (B, U, K...) ASCII.
        bool graphics = final_byte == U'0';
        (intermediate == U'(' ? m_g0_graphics : m_g1_graphics) = graphics;
        return;
    }
    if (intermediate == U'#' && final_byte == U'8') {
        // DECALN: the screen full of 'E', margins reset, cursor home.
        for (uint32_t row = m_pinned_rows; row < m_rows; ++row) {
            Cell* cells = screen_row(row);
            for (uint32_t column = 0; column < m_columns; ++column)
                cells[column] = {U'E', 0, {}, {}};
            draw_row(row);
        }
        m_scroll_top = m_pinned_rows;
        m_scroll_bottom = m_rows - 1;
        move_to(0, m_pinned_rows);
        return;
    }
    if (intermediate != 0)
        return; // ESC % G (UTF-8) and the like: nothing to do
    switch (final_byte) {
    case U'7':
        save_cursor();
        return;
    case U'8':
        restore_cursor();
        return;
    case U'D': // IND
        line_feed();
        return;
    case U'E': // NEL
        carriage_return();
        line_feed();
        return;
    case U'M': // RI
        reverse_index();
        return;
    case U'H': // HTS
        if (m_column < max_tab_stop_columns)
            m_tab_stops[m_column / 64] |= uint64_t(1) << (m_column % 64);
        return;
    case U'c': // RIS
        full_reset();
        return;
    case U'=': // DECKPAM
        m_application_keypad = true;
        return;
    case U'>': // DECKPNM
        m_application_keypad = false;
        return;
    case U'Z': // DECID: as DA
        reply("\033[?6c");
        return;
    default:
        return;
    }
}

void TextConsole::start_csi() {
    for (uint16_t& parameter : m_parameters)
        parameter = 0;
    m_parameter_index = 0;
    m_subparameters = 0;
    m_has_parameters = false;
    m_private_marker = 0;
    m_intermediate = 0;
}

void TextConsole::process_csi(char32_t codepoint) {
    if (m_state == ParserState::CsiIgnore) {
        if (is_final_byte(codepoint))
            m_state = ParserState::Ground;
        return;
    }
    if (m_intermediate != 0 && !is_intermediate_byte(codepoint) && !is_final_byte(codepoint)) {
        m_state = ParserState::CsiIgnore; // parameters after an intermediate byte
        return;
    }
    if (codepoint >= U'0' && codepoint <= U'9') {
        m_has_parameters = true;
        if (m_parameter_index < max_parameters) {
            uint32_t value = m_parameters[m_parameter_index] * 10u + (codepoint - U'0');
            m_parameters[m_parameter_index] =
                static_cast<uint16_t>(value > max_parameter_value ? max_parameter_value : value);
        }
    } else if (codepoint == U';' || codepoint == U':') {
        m_has_parameters = true;
        if (m_parameter_index < max_parameters) {
            ++m_parameter_index;
            if (codepoint == U':' && m_parameter_index < max_parameters)
                m_subparameters |= 1u << m_parameter_index;
        }
    } else if (is_private_marker(codepoint)) {
        if (m_has_parameters || m_private_marker != 0)
            m_state = ParserState::CsiIgnore; // only right after CSI
        else
            m_private_marker = codepoint;
    } else if (is_intermediate_byte(codepoint)) {
        if (m_intermediate != 0)
            m_state = ParserState::CsiIgnore; // no sequence here has two
        else
            m_intermediate = codepoint;
    } else if (is_final_byte(codepoint)) {
        m_state = ParserState::Ground;
        dispatch_csi(codepoint);
    }
}

uint32_t TextConsole::parameter_count() const {
    if (!m_has_parameters)
        return 0;
    return m_parameter_index < max_parameters ? m_parameter_index + 1 : max_parameters;
}

uint32_t TextConsole::parameter(uint32_t index, uint32_t fallback) const {
    return index < parameter_count() ? m_parameters[index] : fallback;
}

uint32_t TextConsole::count_parameter(uint32_t index) const {
    uint32_t value = parameter(index, 1);
    return value == 0 ? 1 : value;
}

void TextConsole::reply(ktl::StringView bytes) {
    if (m_reply_sink)
        m_reply_sink->reply(bytes);
}

void TextConsole::report_cursor_position() {
    uint32_t origin = m_origin_mode ? m_scroll_top : m_pinned_rows;
    char text[32];
    char* end = text;
    *end++ = '\033';
    *end++ = '[';
    end = format_decimal(end, m_row - origin + 1);
    *end++ = ';';
    end = format_decimal(end, m_column + 1);
    *end++ = 'R';
    reply(ktl::StringView(text, static_cast<size_t>(end - text)));
}

void TextConsole::dispatch_csi(char32_t final_byte) {
    if (m_rows == 0)
        return;
    if (m_intermediate != 0) {
        if (m_intermediate == U'!' && final_byte == U'p' && m_private_marker == 0)
            soft_reset(); // DECSTR
        return;           // DECSCUSR (CSI Ps SP q) and the like: ignored
    }
    if (m_private_marker == U'?') {
        if (final_byte == U'h' || final_byte == U'l') {
            for (uint32_t i = 0; i < parameter_count(); ++i)
                set_mode(true, m_parameters[i], final_byte == U'h');
        }
        return; // ESC[?1c (Linux cursor shape), ESC[?6n, ESC[?r and others: ignored
    }
    if (m_private_marker == U'>') {
        if (final_byte == U'c' && parameter(0, 0) == 0)
            reply("\033[>0;10;0c"); // secondary DA: a VT100, firmware 10
        return;
    }
    if (m_private_marker != 0)
        return;

    uint32_t origin = m_origin_mode ? m_scroll_top : m_pinned_rows;
    switch (final_byte) {
    case U'@': // ICH
        insert_cells(count_parameter(0));
        return;
    case U'A': // CUU
        move_up(count_parameter(0));
        return;
    case U'B': // CUD
    case U'e': // VPR
        move_down(count_parameter(0));
        return;
    case U'C': // CUF
    case U'a': // HPR
        m_column = m_column + count_parameter(0) < m_columns ? m_column + count_parameter(0) : m_columns - 1;
        m_wrap_pending = false;
        return;
    case U'D': // CUB
        m_column = m_column > count_parameter(0) ? m_column - count_parameter(0) : 0;
        m_wrap_pending = false;
        return;
    case U'E': // CNL
        move_down(count_parameter(0));
        m_column = 0;
        return;
    case U'F': // CPL
        move_up(count_parameter(0));
        m_column = 0;
        return;
    case U'G': // CHA
    case U'`': // HPA
        move_to(count_parameter(0) - 1 < m_columns ? count_parameter(0) - 1 : m_columns - 1, m_row);
        return;
    case U'H': // CUP
    case U'f': // HVP
        move_to_addressed(count_parameter(1), count_parameter(0));
        return;
    case U'I': // CHT
        tab_forward(count_parameter(0));
        return;
    case U'J': // ED
        erase_in_display(parameter(0, 0));
        return;
    case U'K': // EL
        erase_in_line(parameter(0, 0));
        return;
    case U'L': // IL
        insert_lines(count_parameter(0));
        return;
    case U'M': // DL
        delete_lines(count_parameter(0));
        return;
    case U'P': // DCH
        delete_cells(count_parameter(0));
        return;
    case U'S': // SU
        scroll_region_up(m_scroll_top, m_scroll_bottom, count_parameter(0), true);
        return;
    case U'T': // SD (with 5 parameters it is xterm's mouse tracking: ignored)
        if (parameter_count() <= 1)
            scroll_region_down(m_scroll_top, m_scroll_bottom, count_parameter(0));
        return;
    case U'X': { // ECH
        uint32_t count = count_parameter(0);
        uint32_t end = count < m_columns - m_column ? m_column + count : m_columns;
        erase_cells(m_row, m_column, end);
        m_wrap_pending = false;
        return;
    }
    case U'Z': // CBT
        tab_backward(count_parameter(0));
        return;
    case U'b': { // REP: the last printed character again, at most a screenful
        uint32_t count = count_parameter(0);
        uint32_t limit = m_columns * (m_rows - m_pinned_rows);
        if (m_last_printed == 0)
            return;
        char32_t character = m_last_printed;
        for (uint32_t i = 0; i < count && i < limit; ++i)
            put_printable(character);
        return;
    }
    case U'c': // DA
        if (parameter(0, 0) == 0)
            reply("\033[?6c");
        return;
    case U'd': { // VPA
        uint32_t row = origin + count_parameter(0) - 1;
        uint32_t bottom = m_origin_mode ? m_scroll_bottom : m_rows - 1;
        move_to(m_column, row < bottom ? row : bottom);
        return;
    }
    case U'g': // TBC
        if (parameter(0, 0) == 0) {
            if (m_column < max_tab_stop_columns)
                m_tab_stops[m_column / 64] &= ~(uint64_t(1) << (m_column % 64));
        } else if (parameter(0, 0) == 3) {
            for (uint64_t& word : m_tab_stops)
                word = 0;
        }
        return;
    case U'h': // SM
    case U'l': // RM
        for (uint32_t i = 0; i < parameter_count(); ++i)
            set_mode(false, m_parameters[i], final_byte == U'h');
        return;
    case U'm': // SGR
        select_graphic_rendition();
        return;
    case U'n': // DSR
        if (parameter(0, 0) == 5)
            reply("\033[0n");
        else if (parameter(0, 0) == 6)
            report_cursor_position();
        return;
    case U'r': // DECSTBM
        set_scroll_region(parameter(0, 0), parameter(1, 0));
        return;
    case U's': // SCOSC
        save_cursor();
        return;
    case U'u': // SCORC
        restore_cursor();
        return;
    default:
        return;
    }
}

void TextConsole::set_mode(bool private_mode, uint32_t mode, bool on) {
    if (!private_mode) {
        if (mode == 4)
            m_insert_mode = on; // IRM
        else if (mode == 20)
            m_new_line_mode = on; // LNM
        return;
    }
    switch (mode) {
    case 1: // DECCKM
        m_application_cursor_keys = on;
        return;
    case 5: // DECSCNM: the whole screen in reverse video
        if (m_reverse_screen != on) {
            m_reverse_screen = on;
            repaint();
        }
        return;
    case 6: // DECOM: homes the cursor, to the top margin when on
        m_origin_mode = on;
        move_to(0, on ? m_scroll_top : m_pinned_rows);
        return;
    case 7: // DECAWM
        m_autowrap = on;
        if (!on)
            m_wrap_pending = false;
        return;
    case 25: // DECTCEM
        m_cursor_visible = on;
        return;
    case 47: // the alternate screen
        switch_screen(on);
        return;
    case 1047: // the alternate screen, cleared when leaving it
        if (!on && m_screen == m_alternate) {
            clear_screen_cells(m_alternate);
        }
        switch_screen(on);
        return;
    case 1048: // save / restore the cursor
        if (on)
            save_cursor();
        else
            restore_cursor();
        return;
    case 1049: // save the cursor, switch to the alternate screen and clear it; back and restore
        if (on) {
            save_cursor(); // into the slot of the screen in use, as xterm
            clear_screen_cells(m_alternate);
            if (m_screen == m_alternate)
                draw_rows(m_pinned_rows, m_rows - 1);
            switch_screen(true);
        } else {
            switch_screen(false);
            restore_cursor();
        }
        return;
    default:
        return; // mouse reporting, bracketed paste, cursor blink...: nothing to do
    }
}

void TextConsole::select_graphic_rendition() {
    uint32_t count = parameter_count();
    if (count == 0)
        count = 1; // ESC[m is ESC[0m; the parameters are all zero
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t code = m_parameters[i];
        // Sub-parameters (ESC[4:3m) belong to the code before them; the ones not read are skipped.
        uint32_t end = i + 1;
        while (end < count && is_subparameter(end))
            ++end;
        uint32_t subparameters = end - i - 1;
        auto set = [&](uint8_t attribute, bool on) {
            uint32_t value = m_pen.attributes;
            m_pen.attributes = on ? (value | attribute) : (value & ~static_cast<uint32_t>(attribute));
        };
        if (code == 0) {
            m_pen = {};
        } else if (code == 1) {
            set(cell_attribute::bold, true);
        } else if (code == 2) {
            set(cell_attribute::dim, true);
        } else if (code == 3) {
            set(cell_attribute::italic, true);
        } else if (code == 4) {
            set(cell_attribute::underline, subparameters == 0 || m_parameters[i + 1] != 0);
        } else if (code == 5 || code == 6) {
            set(cell_attribute::blink, true);
        } else if (code == 7) {
            set(cell_attribute::reverse, true);
        } else if (code == 8) {
            set(cell_attribute::concealed, true);
        } else if (code == 9) {
            set(cell_attribute::strike, true);
        } else if (code == 21) {
            set(cell_attribute::underline, true); // double underline, drawn single
        } else if (code == 22) {
            set(cell_attribute::bold, false);
            set(cell_attribute::dim, false);
        } else if (code == 23) {
            set(cell_attribute::italic, false);
        } else if (code == 24) {
            set(cell_attribute::underline, false);
        } else if (code == 25) {
            set(cell_attribute::blink, false);
        } else if (code == 27) {
            set(cell_attribute::reverse, false);
        } else if (code == 28) {
            set(cell_attribute::concealed, false);
        } else if (code == 29) {
            set(cell_attribute::strike, false);
        } else if (code >= 30 && code <= 37) {
            m_pen.foreground = CellColor::palette(static_cast<uint8_t>(code - 30));
        } else if (code >= 90 && code <= 97) {
            m_pen.foreground = CellColor::palette(static_cast<uint8_t>(code - 90 + 8));
        } else if (code == 39) {
            m_pen.foreground = {};
        } else if (code >= 40 && code <= 47) {
            m_pen.background = CellColor::palette(static_cast<uint8_t>(code - 40));
        } else if (code >= 100 && code <= 107) {
            m_pen.background = CellColor::palette(static_cast<uint8_t>(code - 100 + 8));
        } else if (code == 49) {
            m_pen.background = {};
        } else if (code == 38 || code == 48) {
            CellColor& target = code == 38 ? m_pen.foreground : m_pen.background;
            // ESC[38;5;n / 38;2;r;g;b, or with colons: 38:5:n, 38:2:r:g:b, 38:2:space:r:g:b.
            bool colon_form = subparameters > 0;
            uint32_t available = colon_form ? subparameters : count - i - 1;
            uint32_t mode = available > 0 ? m_parameters[i + 1] : 0;
            if (mode == 5 && available >= 2) {
                uint32_t index = m_parameters[i + 2];
                if (index < 16)
                    target = CellColor::palette(static_cast<uint8_t>(index));
                else if (index < 256)
                    target = CellColor::direct(xterm_256_color(static_cast<uint8_t>(index)));
                end = colon_form ? end : i + 3;
            } else if (mode == 2 && available >= 4) {
                uint32_t first = colon_form && available >= 5 ? i + 3 : i + 2;
                auto channel = [&](uint32_t index) {
                    uint32_t value = m_parameters[index];
                    return static_cast<uint8_t>(value > 255 ? 255 : value);
                };
                target = CellColor::direct({channel(first), channel(first + 1), channel(first + 2)});
                end = colon_form ? end : i + 5;
            } else if (!colon_form) {
                // Unknown or incomplete colour: the length of the rest is unknowable, stop here.
                return;
            }
        }
        // Anything else (fonts, frames, overline...) is ignored.
        i = end - 1;
    }
}

// ---- Terminal operations ----

void TextConsole::execute_control(char32_t codepoint) {
    if (m_rows == 0)
        return;
    switch (codepoint) {
    case U'\n':
    case 0x0B: // VT
    case 0x0C: // FF
        if (m_new_line_mode)
            carriage_return();
        line_feed();
        return;
    case U'\r':
        carriage_return();
        return;
    case U'\t':
        tab_forward(1);
        return;
    case U'\b':
        if (m_column > 0)
            --m_column;
        m_wrap_pending = false;
        return;
    case 0x0E: // SO: G1 into GL
        m_shift_out = true;
        return;
    case 0x0F: // SI: G0 into GL
        m_shift_out = false;
        return;
    default:
        return; // BEL, ENQ...: nothing to show
    }
}

void TextConsole::put_printable(char32_t codepoint) {
    if (m_rows == 0)
        return;
    if (is_zero_width(codepoint))
        return;
    if ((m_shift_out ? m_g1_graphics : m_g0_graphics) && codepoint >= 0x5F && codepoint <= 0x7E)
        codepoint = dec_graphics[codepoint - 0x5F];
    if (m_wrap_pending) {
        carriage_return();
        line_feed();
    }
    Cell* cells = screen_row(m_row);
    if (m_insert_mode && m_column + 1 < m_columns) {
        copy_cells(cells + m_column + 1, cells + m_column, m_columns - m_column - 1);
        cells[m_column] = m_pen;
        cells[m_column].codepoint = static_cast<uint32_t>(codepoint);
        draw_row(m_row, m_column);
    } else {
        cells[m_column] = m_pen;
        cells[m_column].codepoint = static_cast<uint32_t>(codepoint);
        draw(m_column, m_row);
    }
    m_last_printed = codepoint;
    if (m_column + 1 < m_columns)
        ++m_column;
    else if (m_autowrap)
        m_wrap_pending = true;
}

void TextConsole::carriage_return() {
    m_column = 0;
    m_wrap_pending = false;
}

void TextConsole::line_feed() {
    m_wrap_pending = false;
    if (m_row == m_scroll_bottom)
        scroll_region_up(m_scroll_top, m_scroll_bottom, 1, true);
    else if (m_row + 1 < m_rows)
        ++m_row;
}

void TextConsole::reverse_index() {
    m_wrap_pending = false;
    if (m_row == m_scroll_top)
        scroll_region_down(m_scroll_top, m_scroll_bottom, 1);
    else if (m_row > m_pinned_rows)
        --m_row;
}

void TextConsole::reset_tab_stops() {
    for (uint64_t& word : m_tab_stops)
        word = 0;
    for (uint32_t column = default_tab_width; column < max_tab_stop_columns; column += default_tab_width)
        m_tab_stops[column / 64] |= uint64_t(1) << (column % 64);
}

void TextConsole::tab_forward(uint32_t count) {
    if (m_columns == 0)
        return;
    for (uint32_t i = 0; i < count && m_column + 1 < m_columns; ++i) {
        uint32_t column = m_column + 1;
        while (column + 1 < m_columns) {
            if (column < max_tab_stop_columns ? (m_tab_stops[column / 64] >> (column % 64)) & 1
                                              : column % default_tab_width == 0)
                break;
            ++column;
        }
        m_column = column;
    }
}

void TextConsole::tab_backward(uint32_t count) {
    for (uint32_t i = 0; i < count && m_column > 0; ++i) {
        uint32_t column = m_column - 1;
        while (column > 0) {
            if (column < max_tab_stop_columns ? (m_tab_stops[column / 64] >> (column % 64)) & 1
                                              : column % default_tab_width == 0)
                break;
            --column;
        }
        m_column = column;
    }
    m_wrap_pending = false;
}

void TextConsole::move_to(uint32_t column, uint32_t row) {
    m_column = column < m_columns ? column : m_columns - 1;
    m_row = row < m_rows ? row : m_rows - 1;
    if (m_row < m_pinned_rows)
        m_row = m_pinned_rows;
    m_wrap_pending = false;
}

// CUP's 1-based parameters, relative to the scroll region in origin mode.
void TextConsole::move_to_addressed(uint32_t column_parameter, uint32_t row_parameter) {
    uint32_t top = m_origin_mode ? m_scroll_top : m_pinned_rows;
    uint32_t bottom = m_origin_mode ? m_scroll_bottom : m_rows - 1;
    uint32_t row = row_parameter - 1 <= bottom - top ? top + row_parameter - 1 : bottom;
    move_to(column_parameter - 1, row);
}

// Up and down stop at the scroll margins when the cursor is inside them, else at the screen's edge.
void TextConsole::move_up(uint32_t count) {
    uint32_t top = m_row >= m_scroll_top ? m_scroll_top : m_pinned_rows;
    m_row = m_row - top > count ? m_row - count : top;
    m_wrap_pending = false;
}

void TextConsole::move_down(uint32_t count) {
    uint32_t bottom = m_row <= m_scroll_bottom ? m_scroll_bottom : m_rows - 1;
    m_row = bottom - m_row > count ? m_row + count : bottom;
    m_wrap_pending = false;
}

void TextConsole::erase_cells(uint32_t row, uint32_t first_column, uint32_t end_column) {
    Cell* cells = screen_row(row);
    Cell blank_cell = blank();
    for (uint32_t column = first_column; column < end_column && column < m_columns; ++column) {
        cells[column] = blank_cell;
        draw(column, row);
    }
}

void TextConsole::erase_in_line(uint32_t mode) {
    if (m_rows == 0)
        return;
    m_wrap_pending = false;
    if (mode == 0)
        erase_cells(m_row, m_column, m_columns);
    else if (mode == 1)
        erase_cells(m_row, 0, m_column + 1);
    else if (mode == 2)
        erase_cells(m_row, 0, m_columns);
}

// 0 below, 1 above, 2 all (not moving the cursor), 3 the scrollback (xterm).
void TextConsole::erase_in_display(uint32_t mode) {
    if (m_rows == 0)
        return;
    m_wrap_pending = false;
    if (mode == 0) {
        erase_cells(m_row, m_column, m_columns);
        for (uint32_t row = m_row + 1; row < m_rows; ++row)
            erase_cells(row, 0, m_columns);
    } else if (mode == 1) {
        for (uint32_t row = m_pinned_rows; row < m_row; ++row)
            erase_cells(row, 0, m_columns);
        erase_cells(m_row, 0, m_column + 1);
    } else if (mode == 2) {
        for (uint32_t row = m_pinned_rows; row < m_rows; ++row)
            erase_cells(row, 0, m_columns);
    } else if (mode == 3) {
        m_history_count = 0;
        m_history_start = 0;
    }
}

void TextConsole::insert_cells(uint32_t count) {
    m_wrap_pending = false;
    Cell* cells = screen_row(m_row);
    uint32_t room = m_columns - m_column;
    if (count > room)
        count = room;
    copy_cells(cells + m_column + count, cells + m_column, room - count);
    Cell blank_cell = blank();
    for (uint32_t i = 0; i < count; ++i)
        cells[m_column + i] = blank_cell;
    draw_row(m_row, m_column);
}

void TextConsole::delete_cells(uint32_t count) {
    m_wrap_pending = false;
    Cell* cells = screen_row(m_row);
    uint32_t room = m_columns - m_column;
    if (count > room)
        count = room;
    copy_cells(cells + m_column, cells + m_column + count, room - count);
    Cell blank_cell = blank();
    for (uint32_t column = m_columns - count; column < m_columns; ++column)
        cells[column] = blank_cell;
    draw_row(m_row, m_column);
}

// IL and DL act on the lines from the cursor to the bottom margin, only inside the scroll region;
// the cursor goes to column 0.
void TextConsole::insert_lines(uint32_t count) {
    if (m_row < m_scroll_top || m_row > m_scroll_bottom)
        return;
    scroll_region_down(m_row, m_scroll_bottom, count);
    carriage_return();
}

void TextConsole::delete_lines(uint32_t count) {
    if (m_row < m_scroll_top || m_row > m_scroll_bottom)
        return;
    scroll_region_up(m_row, m_scroll_bottom, count, false);
    carriage_return();
}

void TextConsole::push_history(const Cell* line) {
    if (m_history_capacity == 0)
        return;
    uint32_t slot;
    if (m_history_count < m_history_capacity) {
        slot = (m_history_start + m_history_count) % m_history_capacity;
        ++m_history_count;
    } else {
        slot = m_history_start;
        m_history_start = (m_history_start + 1) % m_history_capacity;
    }
    copy_cells(m_history + static_cast<size_t>(slot) * m_columns, line, m_columns);
}

// Rows top..bottom move up by `count`; the rows leaving at the top go to the scrollback when the
// region starts at the top of the main screen and `keep_in_history` is set.
void TextConsole::scroll_region_up(uint32_t top, uint32_t bottom, uint32_t count, bool keep_in_history) {
    if (m_rows == 0 || top > bottom)
        return;
    uint32_t height = bottom - top + 1;
    if (count > height)
        count = height;
    hide_cursor(); // before the cells move: the surface moves the pixels under it
    if (keep_in_history && m_screen == m_main && top == m_pinned_rows) {
        for (uint32_t row = top; row < top + count; ++row)
            push_history(screen_row(row));
    }
    Cell* first = screen_row(top);
    copy_cells(first, first + static_cast<size_t>(count) * m_columns, static_cast<size_t>(height - count) * m_columns);
    Cell blank_cell = blank();
    for (uint32_t row = bottom - count + 1; row <= bottom; ++row) {
        Cell* cells = screen_row(row);
        for (uint32_t column = 0; column < m_columns; ++column)
            cells[column] = blank_cell;
    }
    // Moving pixels is cheaper than redrawing for a line or two; more lines are redrawn.
    if (count <= 2) {
        Rgb foreground_color, background_color;
        resolve(blank_cell, foreground_color, background_color);
        for (uint32_t i = 0; i < count; ++i)
            m_surface.scroll_up(top, bottom, background_color);
    } else {
        draw_rows(top, bottom);
    }
}

void TextConsole::scroll_region_down(uint32_t top, uint32_t bottom, uint32_t count) {
    if (m_rows == 0 || top > bottom)
        return;
    uint32_t height = bottom - top + 1;
    if (count > height)
        count = height;
    hide_cursor();
    Cell* first = screen_row(top);
    copy_cells(first + static_cast<size_t>(count) * m_columns, first, static_cast<size_t>(height - count) * m_columns);
    Cell blank_cell = blank();
    for (uint32_t row = top; row < top + count; ++row) {
        Cell* cells = screen_row(row);
        for (uint32_t column = 0; column < m_columns; ++column)
            cells[column] = blank_cell;
    }
    bool moved = false;
    if (count <= 2) {
        Rgb foreground_color, background_color;
        resolve(blank_cell, foreground_color, background_color);
        moved = true;
        for (uint32_t i = 0; i < count && moved; ++i)
            moved = m_surface.scroll_down(top, bottom, background_color);
    }
    if (!moved)
        draw_rows(top, bottom);
}

void TextConsole::set_scroll_region(uint32_t top_parameter, uint32_t bottom_parameter) {
    uint32_t lines = m_rows - m_pinned_rows;
    uint32_t top = top_parameter == 0 ? 1 : top_parameter;
    uint32_t bottom = bottom_parameter == 0 || bottom_parameter > lines ? lines : bottom_parameter;
    if (top >= bottom)
        return; // a region needs two lines at least (xterm ignores it)
    m_scroll_top = m_pinned_rows + top - 1;
    m_scroll_bottom = m_pinned_rows + bottom - 1;
    move_to(0, m_origin_mode ? m_scroll_top : m_pinned_rows);
}

void TextConsole::save_cursor() {
    SavedCursor& saved = m_saved[m_screen == m_main ? 0 : 1];
    saved.column = m_column;
    saved.row = m_row - m_pinned_rows;
    saved.wrap_pending = m_wrap_pending;
    saved.origin_mode = m_origin_mode;
    saved.pen = m_pen;
    saved.g0_graphics = m_g0_graphics;
    saved.g1_graphics = m_g1_graphics;
    saved.shift_out = m_shift_out;
}

void TextConsole::restore_cursor() {
    const SavedCursor& saved = m_saved[m_screen == m_main ? 0 : 1];
    move_to(saved.column, m_pinned_rows + saved.row);
    m_wrap_pending = saved.wrap_pending && m_autowrap;
    m_origin_mode = saved.origin_mode;
    m_pen = saved.pen;
    m_g0_graphics = saved.g0_graphics;
    m_g1_graphics = saved.g1_graphics;
    m_shift_out = saved.shift_out;
}

void TextConsole::clear_screen_cells(Cell* screen) {
    Cell blank_cell = blank();
    for (uint32_t row = m_pinned_rows; row < m_rows; ++row) {
        Cell* cells = screen + static_cast<size_t>(row) * m_columns;
        for (uint32_t column = 0; column < m_columns; ++column)
            cells[column] = blank_cell;
    }
}

void TextConsole::switch_screen(bool alternate) {
    Cell* wanted = alternate ? m_alternate : m_main;
    if (m_screen == wanted)
        return;
    m_screen = wanted;
    m_view_offset = 0;
    hide_cursor();
    draw_rows(m_pinned_rows, m_rows - 1);
}

void TextConsole::soft_reset() {
    m_cursor_visible = true;
    m_insert_mode = false;
    m_origin_mode = false;
    m_autowrap = true;
    m_application_cursor_keys = false;
    m_application_keypad = false;
    m_scroll_top = m_pinned_rows;
    m_scroll_bottom = m_rows - 1;
    m_pen = {};
    m_g0_graphics = false;
    m_g1_graphics = false;
    m_shift_out = false;
    for (SavedCursor& saved : m_saved)
        saved = {};
}

void TextConsole::full_reset() {
    soft_reset();
    m_new_line_mode = m_initial_new_line_mode;
    m_reverse_screen = false;
    m_last_printed = 0;
    for (uint32_t i = 0; i < 16; ++i)
        m_palette[i] = ansi_palette[i];
    reset_tab_stops();
    m_screen = m_main;
    clear_screen_cells(m_main);
    clear_screen_cells(m_alternate);
    m_row = m_pinned_rows;
    m_column = 0;
    hide_cursor();
    draw_rows(m_pinned_rows, m_rows - 1);
}

} // namespace console
