// TextConsole: the cell storage (both screens and the scrollback ring), the public operations
// and drawing cells and the cursor on the surface. The escape sequence parser is in
// text_console_parser.cpp, what the sequences do to the screen in text_console_screen.cpp.
#include "console/text_console.h"
#include "console/control_characters.h"

#include <new>

namespace console {

using namespace control;

void TextConsole::copy_cells(Cell* destination, const Cell* source, size_t count) {
    if (destination < source) {
        for (size_t i = 0; i < count; ++i)
            destination[i] = source[i];
    } else if (destination > source) {
        for (size_t i = count; i > 0; --i)
            destination[i - 1] = source[i - 1];
    }
}

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

Cell* TextConsole::allocate_cells(size_t count) {
    if (count == 0 || count > SIZE_MAX / sizeof(Cell))
        return nullptr;
    void* storage = ::operator new(count * sizeof(Cell), std::nothrow);
    if (!storage)
        return nullptr;
    Cell* cells = static_cast<Cell*>(storage);
    for (size_t i = 0; i < count; ++i)
        new (&cells[i]) Cell();
    return cells;
}

void TextConsole::free_cells(Cell* cells) {
    ::operator delete(cells);
}

Cell* TextConsole::resize_onto(Cell* cells, size_t count, uint32_t columns, uint32_t rows) {
    // resize() reads the main screen at the start of the cells in the old stride: move it over first.
    size_t screen = static_cast<size_t>(m_columns) * m_rows;
    copy_cells(cells, m_main, screen < count ? screen : count);
    Cell* previous = m_owns_cells ? m_cells : nullptr;
    bool alternate = m_screen != m_main;
    m_cells = cells;
    m_cell_count = count;
    m_owns_cells = true;
    m_main = m_cells;
    // resize() only asks which screen was shown (lay_out points m_screen at the new cells); the
    // alternate screen's contents are dropped by resize() anyway.
    m_screen = alternate ? nullptr : m_main;
    if (screen > count) // a smaller array than the old screen: keep what was copied
        m_rows = m_columns == 0 ? 0 : static_cast<uint32_t>(count / m_columns);
    resize(columns, rows);
    return previous;
}

ktl::ErrorOr<void> TextConsole::resize_with_storage(uint32_t columns, uint32_t rows,
                                                    uint32_t scrollback_lines) {
    size_t wanted = cells_needed(columns, rows, scrollback_lines);
    if (m_owns_cells && wanted > m_cell_count) {
        Cell* cells = allocate_cells(wanted);
        if (!cells)
            return ktl::Errno::NoMemory;
        free_cells(resize_onto(cells, wanted, columns, rows));
        return {};
    }
    resize(columns, rows);
    return {};
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

} // namespace console
