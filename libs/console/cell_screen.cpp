#include "console/cell_screen.h"

#include <new>

namespace console {

CellScreen::~CellScreen() {
    delete[] m_cells;
    delete[] m_history;
}

bool CellScreen::allocate(uint32_t columns, uint32_t rows, uint32_t history_rows) {
    Cell* cells = new (std::nothrow) Cell[size_t(columns) * rows];
    Cell* history = history_rows ? new (std::nothrow) Cell[size_t(columns) * history_rows] : nullptr;
    if (!cells || (history_rows && !history)) {
        delete[] cells;
        delete[] history;
        return false;
    }
    delete[] m_cells;
    delete[] m_history;
    m_cells = cells;
    m_history = history;
    m_columns = columns;
    m_rows = rows;
    m_history_capacity = history_rows;
    m_history_start = m_history_count = m_view_offset = 0;
    return true;
}

void CellScreen::draw_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                           Rgb background) {
    m_cells[index(column, row)] = {codepoint, foreground, background};
    if (m_display && m_view_offset == 0)
        m_display->draw_cell(column, row, codepoint, foreground, background);
}

void CellScreen::scroll_up(uint32_t first_row, uint32_t last_row, Rgb background) {
    if (first_row == 0)
        keep_in_history(&m_cells[0]);
    for (uint32_t row = first_row; row < last_row; ++row)
        for (uint32_t column = 0; column < m_columns; ++column)
            m_cells[index(column, row)] = m_cells[index(column, row + 1)];
    for (uint32_t column = 0; column < m_columns; ++column)
        m_cells[index(column, last_row)] = {' ', default_foreground, background};
    if (m_display && m_view_offset == 0)
        m_display->scroll_up(first_row, last_row, background);
}

void CellScreen::clear(Rgb background) {
    for (size_t i = 0; i < size_t(m_columns) * m_rows; ++i)
        m_cells[i] = {' ', default_foreground, background};
    if (m_display && m_view_offset == 0)
        m_display->clear(background);
}

void CellScreen::show(ConsoleSurface* display, bool repaint) {
    m_display = display;
    m_view_offset = 0;
    if (display && repaint)
        this->repaint();
}

void CellScreen::scroll_view(int32_t rows) {
    int64_t wanted = int64_t(m_view_offset) + rows;
    uint32_t offset = wanted < 0                 ? 0
                      : wanted > m_history_count ? m_history_count
                                                 : static_cast<uint32_t>(wanted);
    if (offset == m_view_offset)
        return;
    m_view_offset = offset;
    if (m_display)
        repaint();
}

const Cell& CellScreen::visible_cell(uint32_t column, uint32_t row) const {
    if (row < m_view_offset) {
        uint32_t history_row = (m_history_start + m_history_count - m_view_offset + row) % m_history_capacity;
        return m_history[size_t(history_row) * m_columns + column];
    }
    return m_cells[index(column, row - m_view_offset)];
}

void CellScreen::keep_in_history(const Cell* row) {
    if (m_history_capacity == 0)
        return;
    uint32_t slot;
    if (m_history_count < m_history_capacity) {
        slot = (m_history_start + m_history_count++) % m_history_capacity;
    } else {
        slot = m_history_start;
        m_history_start = (m_history_start + 1) % m_history_capacity;
    }
    for (uint32_t column = 0; column < m_columns; ++column)
        m_history[size_t(slot) * m_columns + column] = row[column];
    // A view into the history stays on the rows it showed while output scrolls under it.
    if (m_view_offset > 0 && m_view_offset < m_history_count)
        ++m_view_offset;
}

void CellScreen::repaint() {
    for (uint32_t row = 0; row < m_rows; ++row) {
        for (uint32_t column = 0; column < m_columns; ++column) {
            const Cell& shown = visible_cell(column, row);
            m_display->draw_cell(column, row, shown.codepoint, shown.foreground, shown.background);
        }
    }
}

} // namespace console
