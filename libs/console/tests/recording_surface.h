// Host-test helpers for the terminal: a ConsoleSurface that records what would be on the screen
// (a grid of code points, colours and underlines, plus where the cursor is drawn), failing the test
// on any coordinate outside the grid, and a way to make a console over it.
#pragma once

#include "console/text_console.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace console_test {

inline ktl::StringView view(const std::string& text) {
    return {text.data(), text.size()};
}

struct RecordedCell {
    char32_t codepoint = U' ';
    console::Rgb foreground = console::default_foreground;
    console::Rgb background = console::default_background;
    bool underline = false;
};

class RecordingSurface final : public console::ConsoleSurface {
public:
    RecordingSurface(uint32_t columns, uint32_t rows)
        : m_columns(columns), m_rows(rows), m_cells(size_t(columns) * rows) {}

    void draw_cell(uint32_t column, uint32_t row, char32_t codepoint, console::Rgb foreground,
                   console::Rgb background) override {
        record(column, row, codepoint, foreground, background, false);
    }
    void draw_underlined_cell(uint32_t column, uint32_t row, char32_t codepoint, console::Rgb foreground,
                              console::Rgb background) override {
        record(column, row, codepoint, foreground, background, true);
    }
    // The cell is recorded in its own colours; the cursor's position is kept apart.
    void draw_cursor(uint32_t column, uint32_t row, char32_t codepoint, console::Rgb foreground,
                     console::Rgb background) override {
        record(column, row, codepoint, foreground, background, false);
        cursor_shown = true;
        cursor_column = column;
        cursor_row = row;
        ++cursor_draws;
    }
    void scroll_up(uint32_t first_row, uint32_t last_row, console::Rgb background) override {
        ASSERT_LE(first_row, last_row);
        ASSERT_LT(last_row, m_rows);
        EXPECT_FALSE(cursor_shown) << "the surface scrolled with the cursor drawn";
        for (uint32_t row = first_row; row < last_row; ++row)
            for (uint32_t column = 0; column < m_columns; ++column)
                cell(column, row) = cell(column, row + 1);
        for (uint32_t column = 0; column < m_columns; ++column)
            cell(column, last_row) = {U' ', console::default_foreground, background, false};
        scrolls.push_back({first_row, last_row});
    }
    bool scroll_down(uint32_t first_row, uint32_t last_row, console::Rgb background) override {
        if (!can_scroll_down)
            return false;
        EXPECT_LE(first_row, last_row);
        EXPECT_LT(last_row, m_rows);
        EXPECT_FALSE(cursor_shown) << "the surface scrolled with the cursor drawn";
        for (uint32_t row = last_row; row > first_row; --row)
            for (uint32_t column = 0; column < m_columns; ++column)
                cell(column, row) = cell(column, row - 1);
        for (uint32_t column = 0; column < m_columns; ++column)
            cell(column, first_row) = {U' ', console::default_foreground, background, false};
        down_scrolls.push_back({first_row, last_row});
        return true;
    }
    void clear(console::Rgb background) override {
        for (RecordedCell& each : m_cells)
            each = {U' ', console::default_foreground, background, false};
        cursor_shown = false;
        ++clears;
    }

    uint32_t columns() const { return m_columns; }
    uint32_t rows() const { return m_rows; }
    RecordedCell& cell(uint32_t column, uint32_t row) { return m_cells[size_t(row) * m_columns + column]; }

    // The row as UTF-8, full width.
    std::string utf8(uint32_t row) {
        std::string out;
        for (uint32_t column = 0; column < m_columns; ++column)
            append_utf8(out, cell(column, row).codepoint);
        return out;
    }
    // The row as ASCII ('#' for anything else), full width.
    std::string text(uint32_t row) {
        std::string out;
        for (uint32_t column = 0; column < m_columns; ++column) {
            char32_t codepoint = cell(column, row).codepoint;
            out += codepoint < 0x80 ? static_cast<char>(codepoint) : '#';
        }
        return out;
    }
    // The row without trailing blanks.
    std::string trimmed(uint32_t row) {
        std::string out = text(row);
        out.erase(out.find_last_not_of(' ') + 1);
        return out;
    }
    std::string trimmed_utf8(uint32_t row) {
        std::string out = utf8(row);
        out.erase(out.find_last_not_of(' ') + 1);
        return out;
    }
    // Every row, trimmed, joined with '\n' (handy in failure messages).
    std::string screen() {
        std::string out;
        for (uint32_t row = 0; row < m_rows; ++row)
            out += trimmed_utf8(row) + "\n";
        return out;
    }

    static void append_utf8(std::string& out, char32_t codepoint) {
        char bytes[4];
        out.append(bytes, console::encode_utf8(codepoint, bytes));
    }

    std::vector<std::pair<uint32_t, uint32_t>> scrolls;
    std::vector<std::pair<uint32_t, uint32_t>> down_scrolls;
    bool can_scroll_down = true;
    int draws = 0;
    int clears = 0;
    int cursor_draws = 0;
    bool cursor_shown = false;
    uint32_t cursor_column = 0;
    uint32_t cursor_row = 0;

private:
    void record(uint32_t column, uint32_t row, char32_t codepoint, console::Rgb foreground,
                console::Rgb background, bool underline) {
        ASSERT_LT(column, m_columns);
        ASSERT_LT(row, m_rows);
        cell(column, row) = {codepoint, foreground, background, underline};
        if (cursor_shown && column == cursor_column && row == cursor_row)
            cursor_shown = false;
        ++draws;
    }

    uint32_t m_columns;
    uint32_t m_rows;
    std::vector<RecordedCell> m_cells;
};

inline ktl::OwnPtr<console::TextConsole> make_console(console::ConsoleSurface& surface, uint32_t columns,
                                                      uint32_t rows, uint32_t scrollback_lines = 0) {
    auto created = console::TextConsole::create(surface, columns, rows, scrollback_lines);
    EXPECT_FALSE(created.is_error());
    return created.release_value();
}

// A console over a recording surface of the same size.
struct Terminal {
    explicit Terminal(uint32_t columns = 10, uint32_t rows = 4, uint32_t scrollback_lines = 0)
        : surface(columns, rows), owned(make_console(surface, columns, rows, scrollback_lines)),
          console(*owned) {}
    RecordingSurface surface;
    ktl::OwnPtr<console::TextConsole> owned;
    console::TextConsole& console;
};

} // namespace console_test
