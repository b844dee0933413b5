// The TextConsole's escape sequences one by one, as a user would see them: bytes in, then the
// recorded screen (text, colours, underline), the cursor where the surface drew it, and the answers
// the terminal sends back.
#include "console/psf.h"
#include "console/tests/recording_surface.h"
#include "console/tests/test_font.h"
#include "console/text_console.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using console::ansi_palette;
using console::default_background;
using console::default_foreground;
using console::Rgb;
using console::TextConsole;
using console_test::RecordingSurface;
using console_test::Terminal;
using console_test::view;

// A terminal behind a tty (LF does not return to column 0), as the virtual terminals use it.
struct Vt : Terminal {
    explicit Vt(uint32_t columns = 10, uint32_t rows = 5, uint32_t scrollback_lines = 0)
        : Terminal(columns, rows, scrollback_lines) {
        console.set_new_line_mode(false);
    }
    void write(const std::string& bytes) { console.write(view(bytes)); }
    std::string row(uint32_t index) { return surface.trimmed(index); }
    std::string screen() { return surface.screen(); }
    // The console's cursor, checked against where the surface drew it.
    std::pair<uint32_t, uint32_t> cursor() {
        if (console.cursor_visible()) {
            EXPECT_TRUE(surface.cursor_shown);
            EXPECT_EQ(surface.cursor_column, console.cursor_column());
            EXPECT_EQ(surface.cursor_row, console.cursor_row());
        }
        return {console.cursor_column(), console.cursor_row()};
    }
};

using Position = std::pair<uint32_t, uint32_t>; // column, row

class Replies final : public TextConsole::ReplySink {
public:
    void reply(ktl::StringView bytes) override { text.append(bytes.data(), bytes.length()); }
    std::string take() { return std::exchange(text, {}); }
    std::string text;
};

// ---- Cursor movement ----

TEST(TerminalCursor, AbsolutePositioning) {
    Vt t(10, 5);
    t.write("\x1b[3;4HA");
    EXPECT_EQ(t.row(2), "   A");
    EXPECT_EQ(t.cursor(), Position(4, 2));
    t.write("\x1b[HB\x1b[;5fC\x1b[2;H"
            "D");
    EXPECT_EQ(t.row(0), "B   C");
    EXPECT_EQ(t.row(1), "D");
    t.write("\x1b[99;99HE"); // clamped to the last row and column
    EXPECT_EQ(t.surface.cell(9, 4).codepoint, U'E');
    t.write("\x1b[0;0HF"); // 0 is 1
    EXPECT_EQ(t.surface.cell(0, 0).codepoint, U'F');
    t.write("\x1b[4GG\x1b[2`H"); // CHA, HPA
    EXPECT_EQ(t.row(0), "FH GC");
    t.write("\x1b[3dI\x1b[99dJ"); // VPA keeps the column
    EXPECT_EQ(t.row(2), "  IA");
    EXPECT_EQ(t.surface.cell(3, 4).codepoint, U'J');
    EXPECT_EQ(t.cursor(), Position(4, 4));
}

TEST(TerminalCursor, RelativeMovementStopsAtTheEdges) {
    Vt t(10, 5);
    t.write("\x1b[3;3H\x1b[A"
            "a\x1b[2B"
            "b\x1b[3C"
            "c\x1b[4D"
            "d");
    EXPECT_EQ(t.row(1), "  a");
    EXPECT_EQ(t.row(3), "   bd  c");
    t.write("\x1b[99A"
            "e\x1b[99B"
            "f\x1b[99C"
            "g\x1b[99D"
            "h");
    EXPECT_EQ(t.surface.cell(5, 0).codepoint, U'e');
    EXPECT_EQ(t.surface.cell(6, 4).codepoint, U'f');
    EXPECT_EQ(t.surface.cell(9, 4).codepoint, U'g');
    EXPECT_EQ(t.surface.cell(0, 4).codepoint, U'h');
    t.write("\x1b[0A"
            "i"); // 0 is 1
    EXPECT_EQ(t.surface.cell(1, 3).codepoint, U'i');
    t.write("\x1b[2F"
            "j\x1b[E"
            "k"); // CPL, CNL: to column 0
    EXPECT_EQ(t.row(1), "j a");
    EXPECT_EQ(t.surface.cell(0, 2).codepoint, U'k');
    t.write("\x1b[3a"
            "l\x1b[2e"
            "m"); // HPR, VPR
    EXPECT_EQ(t.surface.cell(4, 2).codepoint, U'l');
    EXPECT_EQ(t.surface.cell(5, 4).codepoint, U'm');
}

TEST(TerminalCursor, MovementCancelsAPendingWrap) {
    Vt t(5, 3);
    t.write("abcde");
    EXPECT_TRUE(t.console.wrap_pending());
    t.write("\x1b[D"
            "X");
    EXPECT_EQ(t.row(0), "abcXe");
    t.write("\x1b[1;5H"
            "Y"
            "\x1b[1;5H"
            "Z");
    EXPECT_EQ(t.row(0), "abcXZ");
    EXPECT_EQ(t.row(1), "");
}

TEST(TerminalCursor, UpAndDownStopAtTheScrollMargins) {
    Vt t(10, 8);
    t.write("\x1b[3;6r"); // rows 2..5
    t.write("\x1b[4;1H\x1b[9A"
            "a"); // inside: stops at the top margin
    EXPECT_EQ(t.surface.cell(0, 2).codepoint, U'a');
    t.write("\x1b[9B"
            "b"); // and at the bottom margin
    EXPECT_EQ(t.surface.cell(1, 5).codepoint, U'b');
    t.write("\x1b[2;1H\x1b[9A"
            "c"); // above the region: up to the screen's top
    EXPECT_EQ(t.surface.cell(0, 0).codepoint, U'c');
    t.write("\x1b[8;1H\x1b[9A"
            "d"); // below the region: up to the top margin (xterm)
    EXPECT_EQ(t.surface.cell(0, 2).codepoint, U'd');
    EXPECT_EQ(t.cursor(), Position(1, 2));
    t.write("\x1b[7;1H\x1b[9B"
            "e"); // below the region: down to the screen's bottom
    EXPECT_EQ(t.surface.cell(0, 7).codepoint, U'e');
}

// ---- Erasing ----

TEST(TerminalErase, EraseInDisplay) {
    Vt t(4, 3);
    auto fill = [&] {
        t.write("\x1b[H"
                "abcd"
                "efgh"
                "ijk");
    };
    fill();
    t.write("\x1b[2;2H\x1b[J");
    EXPECT_EQ(t.screen(), "abcd\ne\n\n");
    fill();
    t.write("\x1b[2;2H\x1b[1J");
    EXPECT_EQ(t.screen(), "\n  gh\nijk\n");
    fill();
    t.write("\x1b[2;2H\x1b[44m\x1b[2J");
    EXPECT_EQ(t.screen(), "\n\n\n");
    EXPECT_EQ(t.cursor(), Position(1, 1));                            // ED does not move the cursor
    EXPECT_EQ(t.surface.cell(3, 2).background, ansi_palette[4]);      // in the current background
    EXPECT_EQ(t.console.cell(3, 2).foreground, console::CellColor{}); // only the background is kept
}

TEST(TerminalErase, EraseCharacters) {
    Vt t(8, 2);
    t.write("abcdefgh\r\x1b[2C\x1b[41m\x1b[3X");
    EXPECT_EQ(t.surface.text(0), "ab   fgh");
    EXPECT_EQ(t.surface.cell(2, 0).background, ansi_palette[1]);
    EXPECT_EQ(t.cursor(), Position(2, 0));
    t.write("\x1b[X\x1b[99X"); // default 1, clamped to the line
    EXPECT_EQ(t.surface.text(0), "ab      ");
}

TEST(TerminalErase, ErasedScrollbackWithEd3) {
    Vt t(4, 2, 10);
    t.write("1\r\n2\r\n3\r\n4");
    EXPECT_EQ(t.console.scrollback_lines(), 2u);
    t.write("\x1b[3J");
    EXPECT_EQ(t.console.scrollback_lines(), 0u);
    EXPECT_EQ(t.screen(), "3\n4\n"); // the screen stays (xterm)
}

// ---- Inserting and deleting ----

TEST(TerminalEdit, InsertAndDeleteCharacters) {
    Vt t(8, 2);
    t.write("abcdefgh\x1b[1;3H\x1b[42m\x1b[2@");
    EXPECT_EQ(t.surface.text(0), "ab  cdef");
    EXPECT_EQ(t.surface.cell(2, 0).background, ansi_palette[2]);
    EXPECT_EQ(t.surface.cell(4, 0).background, default_background);
    EXPECT_EQ(t.cursor(), Position(2, 0));
    t.write("\x1b[0m\x1b[3P");
    EXPECT_EQ(t.surface.text(0), "abdef   ");
    t.write("\x1b[99@");
    EXPECT_EQ(t.surface.text(0), "ab      ");
    t.write("\r12345678\x1b[1;6H\x1b[99P");
    EXPECT_EQ(t.surface.text(0), "12345   ");
}

TEST(TerminalEdit, InsertMode) {
    Vt t(8, 2);
    t.write("abcdef\r\x1b[4hXY\x1b[4lZ");
    EXPECT_EQ(t.surface.text(0), "XYZbcdef");
    t.write("\r\x1b[4h12345678");
    EXPECT_EQ(t.surface.text(0), "12345678");
    EXPECT_EQ(t.row(1), ""); // what was pushed past the edge is gone
}

TEST(TerminalEdit, InsertAndDeleteLinesInsideTheScrollRegion) {
    Vt t(4, 6);
    t.write("a\r\nb\r\nc\r\nd\r\ne\r\nf");
    t.write("\x1b[2;5r\x1b[3;3H\x1b[L");
    EXPECT_EQ(t.screen(), "a\nb\n\nc\nd\nf\n"); // e fell off the region's bottom; f stays
    EXPECT_EQ(t.cursor(), Position(0, 2));      // IL returns to column 0
    t.write("\x1b[2M");
    EXPECT_EQ(t.screen(), "a\nb\nd\n\n\nf\n");
    t.write("\x1b[1;1H\x1b[L"); // outside the region: nothing
    EXPECT_EQ(t.screen(), "a\nb\nd\n\n\nf\n");
    t.write("\x1b[2;1H\x1b[99M");
    EXPECT_EQ(t.screen(), "a\n\n\n\n\nf\n");
}

TEST(TerminalEdit, ScrollUpAndDown) {
    Vt t(4, 5, 10);
    t.write("a\r\nb\r\nc\r\nd\r\ne");
    t.write("\x1b[2;4r\x1b[S");
    EXPECT_EQ(t.screen(), "a\nc\nd\n\ne\n");
    EXPECT_EQ(t.console.scrollback_lines(), 0u); // the region does not start at the top
    t.write("\x1b[2T");
    EXPECT_EQ(t.screen(), "a\n\n\nc\ne\n");
    ASSERT_EQ(t.surface.down_scrolls.size(), 2u); // the surface moved the pixels
    EXPECT_EQ(t.surface.down_scrolls[0], std::make_pair(1u, 3u));
    t.write("\x1b[r\x1b[2S");
    EXPECT_EQ(t.screen(), "\nc\ne\n\n\n");
    EXPECT_EQ(t.console.scrollback_lines(), 2u);
    t.write("\x1b[1;2;3;4;5T"); // xterm's mouse highlight tracking: not a scroll
    EXPECT_EQ(t.screen(), "\nc\ne\n\n\n");
}

TEST(TerminalEdit, ScrollingDownRedrawsWhenTheSurfaceCannot) {
    Vt t(4, 4);
    t.surface.can_scroll_down = false;
    t.write("a\r\nb\r\nc\r\nd\x1b[H\x1bM");
    EXPECT_EQ(t.screen(), "\na\nb\nc\n");
    EXPECT_TRUE(t.surface.down_scrolls.empty());
    t.write("\x1b[9T");
    EXPECT_EQ(t.screen(), "\n\n\n\n");
}

// ---- Scroll regions, index, origin mode ----

TEST(TerminalRegion, LineFeedScrollsOnlyTheRegion) {
    Vt t(6, 6, 10);
    t.write("top\r\n1\r\n2\r\n3\r\n4\r\nbottom");
    t.write("\x1b[2;5r");
    EXPECT_EQ(t.cursor(), Position(0, 0)); // DECSTBM homes the cursor
    t.write("\x1b[5;1H\nx");
    EXPECT_EQ(t.screen(), "top\n2\n3\n4\nx\nbottom\n");
    EXPECT_EQ(t.console.scrollback_lines(), 0u);
    t.write("\x1b[6;1H\n\ny"); // below the region: no scrolling at the screen's bottom
    EXPECT_EQ(t.screen(), "top\n2\n3\n4\nx\nyottom\n");
    t.write("\x1b[5;4r\x1b[1;1r"); // invalid regions are ignored
    t.write("\x1b[5;1H\n");
    EXPECT_EQ(t.screen(), "top\n3\n4\nx\n\nyottom\n");
}

TEST(TerminalRegion, IndexNextLineReverseIndex) {
    Vt t(4, 4);
    t.write("a\r\nb\r\nc\r\nd");
    t.write("\x1b[2;3r\x1b[2;2H\x1bM"); // RI at the top margin scrolls the region down
    EXPECT_EQ(t.screen(), "a\n\nb\nd\n");
    EXPECT_EQ(t.cursor(), Position(1, 1));
    t.write("\x1b[3;3H\x1b"
            "D"); // IND at the bottom margin scrolls it up
    EXPECT_EQ(t.screen(), "a\nb\n\nd\n");
    EXPECT_EQ(t.cursor(), Position(2, 2));
    t.write("\x1b"
            "Ex"); // NEL: index and column 0
    EXPECT_EQ(t.screen(), "a\n\nx\nd\n");
    t.write("\x1b[1;1H\x1bMy"); // RI above the region at the screen's top: stays
    EXPECT_EQ(t.screen(), "y\n\nx\nd\n");
}

TEST(TerminalRegion, OriginModeAddressesInsideTheRegion) {
    Vt t(6, 6);
    Replies replies;
    t.console.set_reply_sink(&replies);
    t.write("\x1b[3;5r\x1b[?6h");
    EXPECT_EQ(t.cursor(), Position(0, 2)); // homed to the top margin
    t.write("\x1b[2;3Ha\x1b[99;1Hb");
    EXPECT_EQ(t.surface.cell(2, 3).codepoint, U'a');
    EXPECT_EQ(t.surface.cell(0, 4).codepoint, U'b'); // clamped to the bottom margin
    t.write("\x1b[2;3H\x1b[6n");
    EXPECT_EQ(replies.take(), "\x1b[2;3R"); // relative to the region
    t.write("\x1b[d"
            "c");
    EXPECT_EQ(t.surface.cell(2, 2).codepoint, U'c');
    t.write("\x1b[?6l");
    EXPECT_EQ(t.cursor(), Position(0, 0));
    t.write("\x1b[4;3H\x1b[6n");
    EXPECT_EQ(replies.take(), "\x1b[4;3R");
}

TEST(TerminalRegion, PinnedRowsAreOutsideTheTerminal) {
    Vt t(6, 5);
    Replies replies;
    t.console.set_reply_sink(&replies);
    t.console.set_pinned_rows(1);
    t.console.draw_at(0, 0, "BANNER", ansi_palette[15], ansi_palette[4]);
    t.write("\x1b[1;1Ha\x1b[6n");
    EXPECT_EQ(replies.take(), "\x1b[1;2R");
    EXPECT_EQ(t.row(1), "a");
    t.write("\x1b[2;3r\x1b[3;1H\nb\x1bM\x1bM\x1bMc\x1b[2J\x1b[L\x1b[9S");
    EXPECT_EQ(t.row(0), "BANNER");
    t.write("\x1b[?1049hd\x1b[r\x1b[9T");
    EXPECT_EQ(t.row(0), "BANNER"); // the alternate screen leaves it too
    t.write("\x1b[?1049l");
    EXPECT_EQ(t.row(0), "BANNER");
    EXPECT_EQ(t.surface.cell(0, 0).background, ansi_palette[4]);
}

// ---- Modes ----

TEST(TerminalModes, AutowrapOff) {
    Vt t(5, 2);
    t.write("\x1b[?7labcdefg");
    EXPECT_EQ(t.row(0), "abcdg");
    EXPECT_FALSE(t.console.wrap_pending());
    t.write("\x1b[?7h\rabcdefg");
    EXPECT_EQ(t.row(0), "abcde");
    EXPECT_EQ(t.row(1), "fg");
}

TEST(TerminalModes, NewLineMode) {
    Vt t(5, 3);
    t.write("ab\ncd");
    EXPECT_EQ(t.screen(), "ab\n  cd\n\n");
    t.write("\x1b[20h\ne\x0b"
            "f\x0c"
            "g"); // LNM: LF, VT and FF also return to column 0
    EXPECT_EQ(t.screen(), "e\nf\ng\n");
    t.write("\x1b[20l\nh");
    EXPECT_EQ(t.screen(), "f\ng\n h\n");
    EXPECT_FALSE(t.console.new_line_mode());
}

TEST(TerminalModes, KeyboardModes) {
    Vt t;
    EXPECT_FALSE(t.console.application_cursor_keys());
    EXPECT_FALSE(t.console.application_keypad());
    t.write("\x1b[?1h\x1b=");
    EXPECT_TRUE(t.console.application_cursor_keys());
    EXPECT_TRUE(t.console.application_keypad());
    t.write("\x1b[?1l\x1b>");
    EXPECT_FALSE(t.console.application_cursor_keys());
    EXPECT_FALSE(t.console.application_keypad());
    t.write("\x1b[?1;25;1049h"); // several modes in one sequence
    EXPECT_TRUE(t.console.application_cursor_keys());
    EXPECT_TRUE(t.console.alternate_screen_active());
}

TEST(TerminalModes, CursorShowAndHide) {
    Vt t(6, 3);
    t.write("ab");
    EXPECT_TRUE(t.surface.cursor_shown);
    EXPECT_EQ(t.cursor(), Position(2, 0));
    t.write("\x1b[?25l");
    EXPECT_FALSE(t.console.cursor_visible());
    EXPECT_FALSE(t.surface.cursor_shown);
    t.write("cd\x1b[?25h");
    EXPECT_TRUE(t.surface.cursor_shown);
    EXPECT_EQ(t.cursor(), Position(4, 0));
    // Only one cursor draw per write, however much it moved in between.
    int draws = t.surface.cursor_draws;
    t.write("\x1b[2;2Hx\x1b[3;3Hy\x1b[1;1H");
    EXPECT_EQ(t.surface.cursor_draws, draws + 1);
    EXPECT_EQ(t.cursor(), Position(0, 0));
}

TEST(TerminalModes, ReverseScreen) {
    Vt t(4, 2);
    t.write("a\x1b[7mb\x1b[?5h");
    EXPECT_EQ(t.surface.cell(0, 0).foreground, default_background);
    EXPECT_EQ(t.surface.cell(0, 0).background, default_foreground);
    EXPECT_EQ(t.surface.cell(1, 0).foreground, default_foreground); // reverse twice is normal
    EXPECT_EQ(t.surface.cell(3, 1).background, default_foreground);
    t.write("\x1b[?5l");
    EXPECT_EQ(t.surface.cell(0, 0).foreground, default_foreground);
}

// ---- Saving the cursor ----

TEST(TerminalSaveCursor, RestoresPositionAttributesAndCharacterSets) {
    Vt t(8, 4);
    t.write("\x1b[2;3H\x1b[1;31m\x1b(0\x1b"
            "7");
    t.write("\x1b[H\x1b[0m\x1b(Bq\x1b"
            "8q");
    EXPECT_EQ(t.surface.cell(0, 0).codepoint, U'q');
    EXPECT_EQ(t.surface.cell(2, 1).codepoint, U'\u2500');
    EXPECT_EQ(t.surface.cell(2, 1).foreground, ansi_palette[9]);
    t.write("\x1b[0m\x1b(B\x1b[3;5H\x1b[s\x1b[Hx\x1b[uy");
    EXPECT_EQ(t.surface.cell(4, 2).codepoint, U'y');
    EXPECT_EQ(t.surface.cell(4, 2).foreground, default_foreground);
    t.write("\x1b[1;7H\x1b[?1048h\x1b[4;1H\x1b[?1048lz");
    EXPECT_EQ(t.surface.cell(6, 0).codepoint, U'z');
}

TEST(TerminalSaveCursor, RestoresAPendingWrapAndDefaultsWithoutSave) {
    Vt t(4, 3);
    t.write("abcd\x1b"
            "7\x1b[3;1H\x1b"
            "8e");
    EXPECT_EQ(t.screen(), "abcd\ne\n\n");
    Vt fresh(4, 3);
    fresh.write("\x1b[2;3H\x1b[31m\x1b(0\x1b"
                "8q");
    EXPECT_EQ(fresh.surface.cell(0, 0).codepoint, U'q'); // home, ASCII
    EXPECT_EQ(fresh.surface.cell(0, 0).foreground, default_foreground);
}

TEST(TerminalSaveCursor, EachScreenHasItsOwn) {
    Vt t(6, 3);
    t.write("\x1b[2;2H\x1b"
            "7\x1b[?1049h\x1b[3;3H\x1b"
            "7\x1b[H\x1b"
            "8");
    EXPECT_EQ(t.cursor(), Position(2, 2));
    t.write("\x1b[?1049l");
    EXPECT_EQ(t.cursor(), Position(1, 1));
}

// ---- Tabs ----

TEST(TerminalTabs, StopsSetClearedAndMovedBetween) {
    Vt t(30, 2);
    t.write("\ta\tb");
    EXPECT_EQ(t.row(0), "        a       b");
    t.write("\r\x1b[3g\x1b[4C\x1bH\x1b[6C\x1bH\r\tx\ty\tz");
    EXPECT_EQ(t.row(0), "    x   a y     b            z"); // no more stops: the last column
    t.write("\r\x1b[2Ip\x1b[2Zq");
    EXPECT_EQ(t.surface.cell(10, 0).codepoint, U'p');
    EXPECT_EQ(t.surface.cell(4, 0).codepoint, U'q'); // CBT back over the stops at 10 and 4
    t.write("\x1b[1;11H\x1b[g\r\x1b[2I"
            "r");
    EXPECT_EQ(t.surface.cell(29, 0).codepoint, U'r'); // the stop at 10 is gone
    t.write("\x1b[9Zs");
    EXPECT_EQ(t.surface.cell(0, 0).codepoint, U's');
}

TEST(TerminalTabs, ResetRestoresEveryEighthColumn) {
    Vt t(20, 2);
    t.write("\x1b[3g\x1b"
            "c\tx");
    EXPECT_EQ(t.surface.cell(8, 0).codepoint, U'x');
}

// ---- Characters ----

TEST(TerminalCharacters, RepeatTheLastCharacter) {
    Vt t(6, 3);
    t.write("\x1b[b"
            "a\x1b[3b"
            "b\x1b[b");
    EXPECT_EQ(t.row(0), "aaaabb");
    t.write("\x1b[65535b"); // bounded to a screenful
    EXPECT_EQ(t.screen(), "bbbbbb\nbbbbbb\nbbbbbb\n");
}

TEST(TerminalCharacters, DecSpecialGraphics) {
    Vt t(12, 3);
    t.write("\x1b(0lqkxmjtun\x1b(Bq");
    EXPECT_EQ(t.surface.trimmed_utf8(0), "┌─┐│└┘├┤┼q");
    t.write("\r\n\x1b)0a\x0e"
            "aq`~\x0f"
            "a");
    EXPECT_EQ(t.surface.trimmed_utf8(1), "a▒─■·a"); // the font has no U+25C6
    t.write("\r\n\x1b(0ABC");                       // only 0x5f-0x7e change
    EXPECT_EQ(t.row(2), "ABC");
}

// Every DEC graphics character has a glyph in the console's font (Terminus), so none shows as a
// replacement box.
TEST(TerminalCharacters, DecGraphicsAreInTheFont) {
    std::vector<uint8_t> font_bytes = console_test::read_console_font();
    ASSERT_FALSE(font_bytes.empty());
    auto font = console::PsfFont::parse(ktl::ByteReader(font_bytes.data(), font_bytes.size()));
    ASSERT_FALSE(font.is_error());
    Vt t(40, 1);
    std::string graphics;
    for (char c = 0x5f; c <= 0x7e; ++c)
        graphics += c;
    t.write("\x1b(0" + graphics);
    uint32_t replacement = font.value().glyph_for(U'\uFFFD');
    for (uint32_t column = 0; column < graphics.size(); ++column) {
        char32_t codepoint = t.surface.cell(column, 0).codepoint;
        EXPECT_NE(codepoint, static_cast<char32_t>(graphics[column])) << "not mapped: " << graphics[column];
        EXPECT_NE(font.value().glyph_for(codepoint), replacement)
            << "no glyph for U+" << std::hex << uint32_t(codepoint) << " ('" << graphics[column] << "')";
    }
}

TEST(TerminalCharacters, ZeroWidthCharactersTakeNoCell) {
    Vt t(10, 1);
    t.write("e\xcc\x81x\xe2\x80\x8by\xef\xbb\xbfz");
    EXPECT_EQ(t.row(0), "exyz");
}

// ---- Attributes ----

TEST(TerminalAttributes, RenditionsAsDrawn) {
    Vt t(20, 2);
    t.write("\x1b[2ma\x1b[22;4mb\x1b[24;7mc\x1b[27;8md\x1b[28me\x1b[4:3mf\x1b[4:0mg\x1b[0;1;2mh");
    Rgb grey = default_foreground;
    EXPECT_EQ(t.surface.cell(0, 0).foreground,
              (Rgb{uint8_t(grey.r * 2 / 3), uint8_t(grey.g * 2 / 3), uint8_t(grey.b * 2 / 3)}));
    EXPECT_TRUE(t.surface.cell(1, 0).underline);
    EXPECT_EQ(t.surface.cell(1, 0).foreground, grey);
    EXPECT_FALSE(t.surface.cell(2, 0).underline);
    EXPECT_EQ(t.surface.cell(2, 0).foreground, default_background); // reverse
    EXPECT_EQ(t.surface.cell(2, 0).background, grey);
    EXPECT_EQ(t.surface.cell(3, 0).foreground, default_background); // concealed
    EXPECT_EQ(t.surface.cell(4, 0).foreground, grey);
    EXPECT_TRUE(t.surface.cell(5, 0).underline);                      // 4:3, curly, drawn plain
    EXPECT_FALSE(t.surface.cell(6, 0).underline);                     // 4:0 is off, not "underline, reset"
    EXPECT_EQ(t.surface.cell(7, 0).foreground, (Rgb{170, 170, 170})); // bold white, dimmed
    EXPECT_EQ(t.surface.trimmed(0), "abcdefgh");
}

TEST(TerminalAttributes, ReverseSwapsAfterBoldBrightens) {
    Vt t(10, 1);
    t.write("\x1b[1;7;31;44ma");
    EXPECT_EQ(t.surface.cell(0, 0).foreground, ansi_palette[4]);
    EXPECT_EQ(t.surface.cell(0, 0).background, ansi_palette[9]);
    EXPECT_TRUE(t.console.cell(0, 0).has(console::cell_attribute::reverse));
}

TEST(TerminalAttributes, ColonColours) {
    Vt t(10, 1);
    t.write("\x1b[38:2::10:20:30ma\x1b[38:2:40:50:60mb\x1b[48:5:196mc\x1b[38:5:3:1md\x1b[0;58:2::1:2:3;32me");
    EXPECT_EQ(t.surface.cell(0, 0).foreground, (Rgb{10, 20, 30}));
    EXPECT_EQ(t.surface.cell(1, 0).foreground, (Rgb{40, 50, 60}));
    EXPECT_EQ(t.surface.cell(2, 0).background, (Rgb{255, 0, 0}));
    EXPECT_EQ(t.surface.cell(3, 0).foreground, ansi_palette[3]); // the extra sub-parameter is skipped
    EXPECT_EQ(t.surface.cell(4, 0).foreground, ansi_palette[2]); // underline colour skipped whole
}

TEST(TerminalAttributes, LinuxPaletteSequences) {
    Vt t(10, 2);
    t.write("\x1b[31ma\x1b]P1123456b");
    EXPECT_EQ(t.surface.cell(0, 0).foreground, (Rgb{0x12, 0x34, 0x56})); // redrawn in the new colour
    EXPECT_EQ(t.surface.trimmed(0), "ab");
    t.write("\x1b]Rc");
    EXPECT_EQ(t.surface.cell(0, 0).foreground, ansi_palette[1]);
    t.write("\x1b]PZ"
            "d\x1b]0;title\x07"
            "e"); // not a palette sequence: dropped, Z shows
    EXPECT_EQ(t.surface.trimmed(0), "abcZde");
}

// ---- Answers ----

TEST(TerminalReplies, DeviceAttributesAndStatus) {
    Vt t(10, 5);
    Replies replies;
    t.write("\x1b[c\x1b[6n"); // no sink: dropped
    t.console.set_reply_sink(&replies);
    t.write("\x1b[c");
    EXPECT_EQ(replies.take(), "\x1b[?6c");
    t.write("\x1b[0c\x1bZ");
    EXPECT_EQ(replies.take(), "\x1b[?6c\x1b[?6c");
    t.write("\x1b[>c\x1b[>0c");
    EXPECT_EQ(replies.take(), "\x1b[>0;10;0c\x1b[>0;10;0c");
    t.write("\x1b[5n");
    EXPECT_EQ(replies.take(), "\x1b[0n");
    t.write("\x1b[3;7H\x1b[6n");
    EXPECT_EQ(replies.take(), "\x1b[3;7R");
    t.write("\x1b[5;10Hx\x1b[6n"); // a pending wrap reports the last column
    EXPECT_EQ(replies.take(), "\x1b[5;10R");
    t.write("\x1b[?1c\x1b[?0c\x1b[1c\x1b[?6n\x1b[7n\x1b[=c"); // Linux cursor shapes and the like
    EXPECT_EQ(replies.take(), "");
}

// ---- Screens ----

TEST(TerminalScreens, AlternateScreenKeepsTheMainOne) {
    Vt t(6, 3);
    t.write("main\r\nmenu\x1b[?1049h");
    EXPECT_TRUE(t.console.alternate_screen_active());
    EXPECT_EQ(t.screen(), "\n\n\n");
    t.write("\x1b[Hvi\x1b[3;1H~");
    EXPECT_EQ(t.screen(), "vi\n\n~\n");
    t.write("\x1b[?1049l");
    EXPECT_FALSE(t.console.alternate_screen_active());
    EXPECT_EQ(t.screen(), "main\nmenu\n\n");
    EXPECT_EQ(t.cursor(), Position(4, 1));
    t.write("\x1b[?1049h"); // cleared again on entry
    EXPECT_EQ(t.screen(), "\n\n\n");
}

TEST(TerminalScreens, Modes47And1047) {
    Vt t(6, 3);
    t.write("ma\x1b[?47hxy\x1b[?47l");
    EXPECT_EQ(t.screen(), "ma\n\n\n");
    EXPECT_EQ(t.cursor(), Position(4, 0)); // 47 does not save or restore the cursor
    t.write("\x1b[?47h");
    EXPECT_EQ(t.screen(), "  xy\n\n\n"); // and keeps the alternate screen's contents
    t.write("\x1b[?1047l\x1b[?1047h");
    EXPECT_EQ(t.screen(), "\n\n\n"); // 1047 clears it when leaving
}

TEST(TerminalScreens, ResetAndSoftReset) {
    Vt t(6, 3);
    t.write("\x1b[2;3r\x1b[?6h\x1b[?7l\x1b[4h\x1b[?25l\x1b[31m\x1b(0\x1b[?1h\x1b=\x1b[?1049hx");
    t.write("\x1b[!p");
    EXPECT_TRUE(t.console.cursor_visible());
    EXPECT_FALSE(t.console.application_cursor_keys());
    EXPECT_TRUE(t.console.alternate_screen_active()); // DECSTR keeps the screen
    t.write("\x1b[Hq");
    EXPECT_EQ(t.surface.trimmed(0), "q"); // no origin mode, ASCII
    EXPECT_EQ(t.surface.cell(0, 0).foreground, default_foreground);
    t.write("\x1b[3;1Habcdefg");
    EXPECT_EQ(t.row(1), "abcdef"); // autowrap back on, no region: it scrolled
    EXPECT_EQ(t.row(2), "g");
    t.write("\x1b[?25l\x1b"
            "c");
    EXPECT_FALSE(t.console.alternate_screen_active());
    EXPECT_TRUE(t.console.cursor_visible());
    EXPECT_EQ(t.screen(), "\n\n\n");
    EXPECT_EQ(t.cursor(), Position(0, 0));
}

// ---- Scrollback and repainting ----

TEST(TerminalScrollback, ViewMovesIntoHistory) {
    Vt t(4, 3, 5);
    t.write("l1\r\nl2\r\nl3\r\nl4\r\nl5");
    EXPECT_EQ(t.console.scrollback_lines(), 2u);
    EXPECT_EQ(t.screen(), "l3\nl4\nl5\n");
    t.console.scroll_view(1);
    EXPECT_TRUE(t.console.viewing_history());
    EXPECT_EQ(t.screen(), "l2\nl3\nl4\n");
    EXPECT_FALSE(t.surface.cursor_shown); // no cursor while looking back
    t.console.scroll_view(10);            // clamped to what is kept
    EXPECT_EQ(t.console.view_offset(), 2u);
    EXPECT_EQ(t.screen(), "l1\nl2\nl3\n");
    t.console.scroll_view(-1);
    EXPECT_EQ(t.screen(), "l2\nl3\nl4\n");
    t.console.reset_view();
    EXPECT_FALSE(t.console.viewing_history());
    EXPECT_EQ(t.screen(), "l3\nl4\nl5\n");
    EXPECT_EQ(t.cursor(), Position(2, 2));
    // New output brings the view back first.
    t.console.scroll_view(2);
    t.write("!");
    EXPECT_FALSE(t.console.viewing_history());
    EXPECT_EQ(t.screen(), "l3\nl4\nl5!\n");
}

TEST(TerminalScrollback, RingKeepsTheNewestLinesWithTheirColours) {
    Vt t(6, 2, 3);
    for (int i = 0; i < 10; ++i)
        t.write("\x1b[3" + std::to_string(i % 8) + "mline" + std::to_string(i) + "\r\n");
    EXPECT_EQ(t.console.scrollback_lines(), 3u);
    t.console.scroll_view(3);
    EXPECT_EQ(t.screen(), "line6\nline7\n");
    t.console.scroll_view(-1);
    EXPECT_EQ(t.screen(), "line7\nline8\n");
    EXPECT_EQ(t.surface.cell(0, 0).foreground, ansi_palette[7]);
    EXPECT_EQ(t.surface.cell(0, 1).foreground, ansi_palette[0]);
}

TEST(TerminalScrollback, NoHistoryFromTheAlternateScreenOrWithout) {
    Vt t(4, 2, 5);
    t.write("\x1b[?1049h1\r\n2\r\n3\r\n4");
    EXPECT_EQ(t.console.scrollback_lines(), 0u);
    t.console.scroll_view(1);
    EXPECT_FALSE(t.console.viewing_history());
    Vt none(4, 2, 0);
    none.write("1\r\n2\r\n3");
    none.console.scroll_view(1);
    EXPECT_FALSE(none.console.viewing_history());
    EXPECT_EQ(none.console.scrollback_capacity(), 0u);
}

TEST(TerminalScrollback, RepaintDrawsEverythingAgain) {
    Vt t(6, 3, 4);
    t.console.set_pinned_rows(1);
    t.console.draw_at(0, 0, "PIN", ansi_palette[15], ansi_palette[4]);
    t.write("\x1b[32ma\r\nb\r\nc\x1b[4mu");
    t.surface.clear(Rgb{1, 2, 3}); // another VT drew over everything
    t.console.repaint();
    EXPECT_EQ(t.screen(), "PIN\nb\ncu\n");
    EXPECT_EQ(t.surface.cell(0, 0).background, ansi_palette[4]);
    EXPECT_EQ(t.surface.cell(0, 2).foreground, ansi_palette[2]);
    EXPECT_TRUE(t.surface.cell(1, 2).underline);
    EXPECT_EQ(t.surface.cell(5, 1).background, default_background);
    EXPECT_EQ(t.cursor(), Position(2, 2));
    t.console.scroll_view(1);
    EXPECT_EQ(t.screen(), "PIN\na\nb\n");
}

// ---- Storage ----

TEST(TerminalStorage, CallerCellsShrinkRowsOrBecomeScrollback) {
    RecordingSurface surface(10, 10);
    std::vector<console::Cell> cells(TextConsole::cells_needed(10, 4, 0));
    TextConsole small(surface, 10, 10, cells.data(), cells.size());
    EXPECT_EQ(small.rows(), 4u); // what fits, with both screens
    EXPECT_EQ(small.scrollback_capacity(), 0u);
    std::vector<console::Cell> more(TextConsole::cells_needed(10, 10, 7) + 5);
    TextConsole roomy(surface, 10, 10, more.data(), more.size());
    EXPECT_EQ(roomy.rows(), 10u);
    EXPECT_EQ(roomy.scrollback_capacity(), 7u);
    TextConsole none(surface, 10, 10, nullptr, 100);
    EXPECT_EQ(none.rows(), 0u);
    none.write("abc\x1b[2J");
    none.repaint();
    none.scroll_view(3);
}

TEST(TerminalStorage, CreateReportsExhaustion) {
    RecordingSurface surface(1, 1);
    auto created = TextConsole::create(surface, 65535, 65535, 0xFFFFFFFFu);
    ASSERT_TRUE(created.is_error());
    EXPECT_EQ(created.error().code(), ktl::Errno::NoMemory);
}

TEST(TerminalStorage, ResizeKeepsTheMainScreen) {
    RecordingSurface surface(8, 8);
    auto owned = console_test::make_console(surface, 6, 4, 3);
    TextConsole& console = *owned;
    console.set_new_line_mode(false);
    auto row = [&](uint32_t index) {
        std::string text = surface.text(index).substr(0, console.columns());
        return text.erase(text.find_last_not_of(' ') + 1);
    };
    console.write("one\r\ntwo\r\nthree\r\nfour");
    console.resize(4, 3); // the cursor's line stays on screen: the top one goes
    EXPECT_EQ(console.columns(), 4u);
    EXPECT_EQ(console.rows(), 3u);
    EXPECT_EQ(row(0), "two");
    EXPECT_EQ(row(1), "thre");
    EXPECT_EQ(row(2), "four");
    EXPECT_EQ(console.cursor_column(), 3u);
    EXPECT_EQ(console.cursor_row(), 2u);
    EXPECT_TRUE(surface.cursor_shown);
    console.resize(6, 4);
    EXPECT_EQ(surface.text(1).substr(0, 6), "thre  ");
    EXPECT_EQ(row(3), "");
    console.write("\r\n5\r\n6");
    EXPECT_EQ(console.scrollback_lines(), 1u);
    console.resize(6, 99); // clamped to the cells it has: 6 x (2 x 4 + 3) cells make 5 rows
    EXPECT_EQ(console.rows(), 5u);
    EXPECT_EQ(console.scrollback_capacity(), 1u);
    EXPECT_EQ(row(2), "5");
}

TEST(TerminalStorage, ResizeWithStorageGrowsPastTheCellsItHad) {
    RecordingSurface surface(12, 10);
    auto owned = console_test::make_console(surface, 6, 4, 3);
    TextConsole& console = *owned;
    console.set_new_line_mode(false);
    console.write("one\r\ntwo\r\nthree");
    ASSERT_FALSE(console.resize_with_storage(12, 10, 5).is_error()); // 6 x 11 cells would give 5 rows
    EXPECT_EQ(console.columns(), 12u);
    EXPECT_EQ(console.rows(), 10u);
    EXPECT_EQ(console.scrollback_capacity(), 5u);
    EXPECT_EQ(console.cell(0, 0).character(), U'o');
    EXPECT_EQ(surface.text(0).substr(0, 12), "one         ");
    EXPECT_EQ(surface.text(2).substr(0, 12), "three       ");
    EXPECT_EQ(console.cursor_column(), 5u);
    EXPECT_EQ(console.cursor_row(), 2u);
    console.write("\x1b[10;12HZ"); // the new cells are usable to the last one
    EXPECT_EQ(console.cell(11, 9).character(), U'Z');
    ASSERT_FALSE(console.resize_with_storage(4, 2, 5).is_error()); // shrinking keeps the array
    EXPECT_EQ(console.columns(), 4u);
    EXPECT_EQ(console.rows(), 2u);
    // A full-screen program's alternate screen is cleared and stays the one shown, as with resize().
    console.write("\x1b[HM\x1b[?1049hALT");
    ASSERT_FALSE(console.resize_with_storage(12, 10, 10).is_error()); // more cells than it has
    EXPECT_TRUE(console.alternate_screen_active());
    EXPECT_EQ(console.cell(0, 0).character(), U' ');
    console.write("\x1b[?1049l"); // back on the main screen, whose text moved with it
    EXPECT_EQ(console.cell(0, 0).character(), U'M');
}

// ---- Robustness ----

// Random bytes drawn from every sequence's alphabet, with views into history and resizes: nothing
// may draw outside the grid (the surface fails the test), hang or crash, and the cursor stays in.
TEST(TerminalRobustness, RandomSequencesStayInsideTheGrid) {
    const char alphabet[] = "\x1b[]()#;:?>!=0123456789@ABCDEFGHIJKLMPSTXZ`abcdefghlmnqrsu78DEMcP\\R"
                            "\n\r\t\b\x0b\x0c\x0e\x0f\x18\x07 xy\xc3\xa9\xe2\x82\xac\xff";
    std::mt19937 random(42);
    for (uint32_t pinned = 0; pinned < 3; ++pinned) {
        Vt t(13, 6, 20);
        t.console.set_pinned_rows(pinned);
        Replies replies;
        t.console.set_reply_sink(&replies);
        std::string chunk;
        for (int i = 0; i < 300000; ++i) {
            chunk += (random() % 4 == 0) ? static_cast<char>(random())
                                         : alphabet[random() % (sizeof alphabet - 1)];
            if (chunk.size() == 41) {
                t.console.write(view(chunk));
                chunk.clear();
                ASSERT_LT(t.console.cursor_row(), t.console.rows());
                ASSERT_GE(t.console.cursor_row(), t.console.pinned_rows());
                ASSERT_LT(t.console.cursor_column(), t.console.columns());
                if (random() % 50 == 0)
                    t.console.scroll_view(static_cast<int32_t>(random() % 9) - 4);
                if (random() % 2000 == 0)
                    t.console.resize(5 + random() % 9, pinned + 1 + random() % (6 - pinned));
                replies.text.clear();
            }
        }
        for (const auto& scroll : t.surface.scrolls)
            ASSERT_GE(scroll.first, pinned);
    }
}

} // namespace
