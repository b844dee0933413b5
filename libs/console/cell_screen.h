// A screen kept as cells: a ConsoleSurface that remembers what was drawn on it (character and
// colours per cell) and the rows that scrolled off its top, and passes the drawing on to a display
// only while it is shown there. A virtual terminal's screen: hidden, it keeps its text; shown, it
// repaints; scrolled back, it shows its history.
#pragma once

#include "console/color.h"
#include "console/text_console.h"

#include <cstdint>

namespace console {

struct Cell {
    char32_t codepoint = ' ';
    Rgb foreground = default_foreground;
    Rgb background = default_background;
};

class CellScreen final : public ConsoleSurface {
public:
    static constexpr uint32_t default_history_rows = 200;

    CellScreen() = default;
    ~CellScreen();
    CellScreen(const CellScreen&) = delete;
    CellScreen& operator=(const CellScreen&) = delete;

    // Makes the grid (blank) and room for `history_rows` rows of history; false when out of memory.
    bool allocate(uint32_t columns, uint32_t rows, uint32_t history_rows = default_history_rows);
    uint32_t columns() const { return m_columns; }
    uint32_t rows() const { return m_rows; }

    void draw_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                   Rgb background) override;
    // Scrolling from the top row keeps that row in the history.
    void scroll_up(uint32_t first_row, uint32_t last_row, Rgb background) override;
    void clear(Rgb background) override;

    // Shows the screen on `display` (null hides it), the live screen in view. `repaint` false takes
    // what the display shows as it is (the boot log under the first terminal).
    void show(ConsoleSurface* display, bool repaint);
    bool is_shown() const { return m_display != nullptr; }

    // Moves the view `rows` further into the history (negative: back towards the live screen),
    // clamped to what the history holds; repaints a shown screen when the view moves.
    void scroll_view(int32_t rows);
    void reset_view() { scroll_view(-static_cast<int32_t>(m_view_offset)); }
    bool viewing_history() const { return m_view_offset > 0; }
    uint32_t view_offset() const { return m_view_offset; }
    uint32_t history_size() const { return m_history_count; }

    // The live screen's cell, whatever the view shows.
    const Cell& cell(uint32_t column, uint32_t row) const { return m_cells[index(column, row)]; }
    // The cell the view shows at (column, row): history rows above the live screen's.
    const Cell& visible_cell(uint32_t column, uint32_t row) const;

private:
    size_t index(uint32_t column, uint32_t row) const { return size_t(row) * m_columns + column; }
    void keep_in_history(const Cell* row);
    void repaint();

    Cell* m_cells = nullptr;
    Cell* m_history = nullptr; // a ring of m_history_capacity rows
    uint32_t m_columns = 0, m_rows = 0;
    uint32_t m_history_capacity = 0, m_history_start = 0, m_history_count = 0;
    uint32_t m_view_offset = 0; // rows of history the view shows above the live screen
    ConsoleSurface* m_display = nullptr;
};

} // namespace console
