// CellScreen: a TextConsole draws into it shown or hidden; what a display shows is always what the
// cells hold (or the history in view), checked against a display that records its own grid.
#include "console/cell_screen.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using console::CellScreen;
using console::Rgb;
using console::TextConsole;

ktl::StringView view(const std::string& text) {
    return {text.data(), text.size()};
}

// A display grid as the framebuffer would show it; every draw and scroll is checked to be in bounds.
class Display final : public console::ConsoleSurface {
public:
    Display(uint32_t columns, uint32_t rows)
        : m_columns(columns), m_rows(rows), m_cells(columns * rows, U'.') {}

    void draw_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb, Rgb) override {
        ASSERT_LT(column, m_columns);
        ASSERT_LT(row, m_rows);
        m_cells[row * m_columns + column] = codepoint;
        ++draws;
    }
    void scroll_up(uint32_t first_row, uint32_t last_row, Rgb) override {
        ASSERT_LE(first_row, last_row);
        ASSERT_LT(last_row, m_rows);
        for (uint32_t row = first_row; row < last_row; ++row)
            for (uint32_t column = 0; column < m_columns; ++column)
                m_cells[row * m_columns + column] = m_cells[(row + 1) * m_columns + column];
        for (uint32_t column = 0; column < m_columns; ++column)
            m_cells[last_row * m_columns + column] = U' ';
        ++draws;
    }
    void clear(Rgb) override {
        for (char32_t& cell : m_cells)
            cell = U' ';
        ++draws;
    }
    std::string text(uint32_t row) const {
        std::string out;
        for (uint32_t column = 0; column < m_columns; ++column) {
            char32_t codepoint = m_cells[row * m_columns + column];
            out += codepoint < 0x80 ? static_cast<char>(codepoint) : '#';
        }
        return out;
    }
    size_t draws = 0;

private:
    uint32_t m_columns, m_rows;
    std::vector<char32_t> m_cells;
};

std::string screen_text(const CellScreen& screen, uint32_t row) {
    std::string out;
    for (uint32_t column = 0; column < screen.columns(); ++column)
        out += static_cast<char>(screen.cell(column, row).codepoint);
    return out;
}

TEST(CellScreen, HiddenScreensKeepTheirTextAndDrawNothing) {
    CellScreen screen;
    ASSERT_TRUE(screen.allocate(6, 3));
    TextConsole console(screen, 6, 3);
    Display display(6, 3);
    console.write("ab\ncd");
    EXPECT_EQ(display.draws, 0u);
    EXPECT_EQ(screen_text(screen, 0), "ab    ");
    EXPECT_EQ(screen_text(screen, 1), "cd    ");
    screen.show(&display, true);
    EXPECT_EQ(display.text(0), "ab    ");
    EXPECT_EQ(display.text(1), "cd    ");
    EXPECT_EQ(display.text(2), "      ");
}

TEST(CellScreen, ShownScreensDrawAsTheyGoAndHidingStopsThat) {
    CellScreen screen;
    ASSERT_TRUE(screen.allocate(4, 2));
    TextConsole console(screen, 4, 2);
    Display display(4, 2);
    screen.show(&display, true);
    console.write("x\ny\nz");
    EXPECT_EQ(display.text(0), "y   ");
    EXPECT_EQ(display.text(1), "z   ");
    screen.show(nullptr, false);
    size_t draws = display.draws;
    console.write("\nhidden");
    EXPECT_EQ(display.draws, draws);
    EXPECT_EQ(display.text(1), "z   ");
}

TEST(CellScreen, ShowingWithoutRepaintKeepsWhatTheDisplayHad) {
    CellScreen screen;
    ASSERT_TRUE(screen.allocate(5, 2));
    Display display(5, 2);
    screen.show(&display, false);
    EXPECT_EQ(display.text(0), ".....");
    EXPECT_EQ(display.draws, 0u);
}

TEST(CellScreen, RowsScrolledOffTheTopGoIntoTheHistoryAndTheViewShowsThem) {
    CellScreen screen;
    ASSERT_TRUE(screen.allocate(3, 2, 4));
    TextConsole console(screen, 3, 2);
    Display display(3, 2);
    screen.show(&display, true);
    console.write("1\n2\n3\n4");
    EXPECT_EQ(screen.history_size(), 2u);
    EXPECT_EQ(display.text(0), "3  ");
    screen.scroll_view(1);
    EXPECT_TRUE(screen.viewing_history());
    EXPECT_EQ(display.text(0), "2  ");
    EXPECT_EQ(display.text(1), "3  ");
    screen.scroll_view(10); // clamped to the history
    EXPECT_EQ(screen.view_offset(), 2u);
    EXPECT_EQ(display.text(0), "1  ");
    EXPECT_EQ(display.text(1), "2  ");
    // The live screen is unchanged, and returning to it repaints it.
    EXPECT_EQ(screen_text(screen, 1), "4  ");
    screen.reset_view();
    EXPECT_FALSE(screen.viewing_history());
    EXPECT_EQ(display.text(0), "3  ");
    EXPECT_EQ(display.text(1), "4  ");
    screen.scroll_view(-5);
    EXPECT_EQ(screen.view_offset(), 0u);
}

TEST(CellScreen, OutputWhileScrolledBackUpdatesCellsNotTheView) {
    CellScreen screen;
    ASSERT_TRUE(screen.allocate(3, 2, 8));
    TextConsole console(screen, 3, 2);
    Display display(3, 2);
    screen.show(&display, true);
    console.write("a\nb\nc");
    screen.scroll_view(1);
    EXPECT_EQ(display.text(0), "a  ");
    console.write("\nd");
    // The view stays on the rows it showed; the cells moved on underneath.
    EXPECT_EQ(display.text(0), "a  ");
    EXPECT_EQ(display.text(1), "b  ");
    EXPECT_EQ(screen_text(screen, 1), "d  ");
    screen.reset_view();
    EXPECT_EQ(display.text(0), "c  ");
    EXPECT_EQ(display.text(1), "d  ");
}

TEST(CellScreen, TheHistoryKeepsItsNewestRowsWhenFull) {
    CellScreen screen;
    ASSERT_TRUE(screen.allocate(4, 1, 3));
    TextConsole console(screen, 4, 1);
    for (int i = 0; i < 10; ++i)
        console.write(view(std::to_string(i) + "\n"));
    EXPECT_EQ(screen.history_size(), 3u);
    Display display(4, 1);
    screen.show(&display, true);
    std::vector<std::string> seen;
    for (int back = 3; back >= 1; --back) {
        screen.reset_view();
        screen.scroll_view(back);
        seen.push_back(display.text(0));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"7   ", "8   ", "9   "}));
}

TEST(CellScreen, WithoutHistoryScrollingStillWorks) {
    CellScreen screen;
    ASSERT_TRUE(screen.allocate(2, 1, 0));
    TextConsole console(screen, 2, 1);
    console.write("a\nb");
    EXPECT_EQ(screen.history_size(), 0u);
    screen.scroll_view(3);
    EXPECT_FALSE(screen.viewing_history());
    EXPECT_EQ(screen_text(screen, 0), "b ");
}

TEST(CellScreen, ClearBlanksTheCellsAndTheDisplay) {
    CellScreen screen;
    ASSERT_TRUE(screen.allocate(3, 2));
    TextConsole console(screen, 3, 2);
    Display display(3, 2);
    screen.show(&display, true);
    console.write("xyz");
    console.clear();
    EXPECT_EQ(screen_text(screen, 0), "   ");
    EXPECT_EQ(display.text(0), "   ");
}

} // namespace
