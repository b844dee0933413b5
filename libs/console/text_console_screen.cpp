// TextConsole's screen operations: what printing, the control characters and the escape
// sequences do to the cells, the cursor, the margins, the modes and the two screens.
#include "console/text_console.h"

namespace console {

namespace {

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

} // namespace

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
    copy_cells(first, first + static_cast<size_t>(count) * m_columns,
               static_cast<size_t>(height - count) * m_columns);
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
    copy_cells(first + static_cast<size_t>(count) * m_columns, first,
               static_cast<size_t>(height - count) * m_columns);
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
