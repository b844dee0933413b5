// TextConsole over a recording surface (a grid of code points and colours): cursor movement,
// wrapping, scrolling with pinned rows, SGR colours and the escape sequences it must swallow.
#include "console/tests/recording_surface.h"
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
using console_test::view;
using Fixture = console_test::Terminal;

TEST(TextConsole, PrintsAndAdvancesTheCursor) {
    Fixture f;
    EXPECT_EQ(f.console.columns(), 10u);
    EXPECT_EQ(f.console.rows(), 4u);
    f.console.write("abc");
    EXPECT_EQ(f.surface.trimmed(0), "abc");
    EXPECT_EQ(f.console.cursor_column(), 3u);
    EXPECT_EQ(f.console.cursor_row(), 0u);
    EXPECT_EQ(f.surface.cell(0, 0).foreground, default_foreground);
    EXPECT_EQ(f.surface.cell(0, 0).background, default_background);
}

TEST(TextConsole, WrapIsDeferredUntilTheNextCharacter) {
    Fixture f;
    f.console.write("0123456789");
    EXPECT_EQ(f.surface.text(0), "0123456789");
    EXPECT_EQ(f.console.cursor_column(), 9u);
    EXPECT_EQ(f.console.cursor_row(), 0u);
    EXPECT_TRUE(f.console.wrap_pending());
    f.console.write("A");
    EXPECT_FALSE(f.console.wrap_pending());
    EXPECT_EQ(f.surface.trimmed(1), "A");
    EXPECT_EQ(f.console.cursor_column(), 1u);
    EXPECT_EQ(f.console.cursor_row(), 1u);
    // A full line then '\n' is one line break, not two.
    f.console.write("\r0123456789\nB");
    EXPECT_EQ(f.surface.trimmed(2), "B");
    // '\r' cancels a pending wrap: the next character overwrites column 0 of the same row.
    f.console.write("\r0123456789\rC");
    EXPECT_EQ(f.surface.text(2), "C123456789");
    EXPECT_EQ(f.console.cursor_row(), 2u);
}

TEST(TextConsole, LongTextWrapsOverSeveralRows) {
    Fixture f;
    f.console.write("abcdefghijklmnopqrstuvwxy");
    EXPECT_EQ(f.surface.text(0), "abcdefghij");
    EXPECT_EQ(f.surface.text(1), "klmnopqrst");
    EXPECT_EQ(f.surface.trimmed(2), "uvwxy");
    EXPECT_EQ(f.console.cursor_column(), 5u);
    EXPECT_EQ(f.console.cursor_row(), 2u);
}

TEST(TextConsole, NewlineCarriageReturnTabBackspace) {
    Fixture f(20, 4);
    f.console.write("abc\rX");
    EXPECT_EQ(f.surface.trimmed(0), "Xbc");
    f.console.write("\nab\b\bc");
    EXPECT_EQ(f.surface.trimmed(1), "cb");
    EXPECT_EQ(f.console.cursor_column(), 1u);
    f.console.write("\b\b\bd"); // not past column 0
    EXPECT_EQ(f.surface.trimmed(1), "db");
    f.console.write("\n\tY\tZ");
    EXPECT_EQ(f.surface.trimmed(2), "        Y       Z");
    f.console.write("\t\tV"); // tabs stop at the last column
    EXPECT_EQ(f.surface.cell(19, 2).codepoint, U'V');
    EXPECT_EQ(f.console.cursor_row(), 2u);
    f.console.write("\n1234567\t8");
    EXPECT_EQ(f.surface.trimmed(3), "1234567 8");
}

TEST(TextConsole, BackspaceAfterAFullLineStaysOnTheLine) {
    Fixture f;
    f.console.write("0123456789\bX");
    EXPECT_EQ(f.surface.text(0), "01234567X9");
    EXPECT_EQ(f.console.cursor_row(), 0u);
}

TEST(TextConsole, OtherControlCharactersAreIgnored) {
    Fixture f(20, 2);
    f.console.write("a\x07\x01\x05\x1c\x0e\x0f\x7f"
                    "b\xc2\x85\xc2\x9b"
                    "c\x00"
                    "d");
    EXPECT_EQ(f.surface.trimmed(0), "abc");
    // (the NUL ended the C string literal above) NUL itself is ignored too:
    f.console.write(ktl::StringView("e\0f", 3));
    EXPECT_EQ(f.surface.trimmed(0), "abcef");
}

TEST(TextConsole, InvalidUtf8IsDrawnAsReplacement) {
    Fixture f;
    f.console.write("a\xff"
                    "b\xe2\x82\xac");
    EXPECT_EQ(f.surface.cell(1, 0).codepoint, U'\uFFFD');
    EXPECT_EQ(f.surface.cell(2, 0).codepoint, U'b');
    EXPECT_EQ(f.surface.cell(3, 0).codepoint, U'\u20AC');
}

TEST(TextConsole, ScrollsOnlyTheUnpinnedRows) {
    Fixture f(10, 4);
    f.console.set_pinned_rows(1);
    EXPECT_EQ(f.console.cursor_row(), 1u); // moved out of the pinned row
    f.console.draw_at(0, 0, "PINNED", ansi_palette[15], ansi_palette[4]);
    f.console.write("1\n2\n3");
    EXPECT_TRUE(f.surface.scrolls.empty());
    f.console.write("\n4");
    ASSERT_EQ(f.surface.scrolls.size(), 1u);
    EXPECT_EQ(f.surface.scrolls[0], std::make_pair(1u, 3u));
    EXPECT_EQ(f.surface.trimmed(0), "PINNED");
    EXPECT_EQ(f.surface.cell(0, 0).background, ansi_palette[4]);
    EXPECT_EQ(f.surface.trimmed(1), "2");
    EXPECT_EQ(f.surface.trimmed(2), "3");
    EXPECT_EQ(f.surface.trimmed(3), "4");
    EXPECT_EQ(f.console.cursor_row(), 3u);
    for (int i = 0; i < 20; ++i)
        f.console.write("\nline");
    EXPECT_EQ(f.surface.trimmed(0), "PINNED");
    EXPECT_EQ(f.surface.scrolls.size(), 21u);
}

TEST(TextConsole, ScrollsOnlyWhenARowBelowTheLastIsNeeded) {
    Fixture f(10, 3);
    f.console.write("a\nb\nc");
    EXPECT_TRUE(f.surface.scrolls.empty());
    f.console.write("123456789"); // fills the last row exactly
    EXPECT_EQ(f.surface.text(2), "c123456789");
    EXPECT_TRUE(f.surface.scrolls.empty());
    EXPECT_TRUE(f.console.wrap_pending());
    f.console.write("X");
    ASSERT_EQ(f.surface.scrolls.size(), 1u);
    EXPECT_EQ(f.surface.scrolls[0], std::make_pair(0u, 2u));
    EXPECT_EQ(f.surface.text(1), "c123456789");
    EXPECT_EQ(f.surface.trimmed(2), "X");
    f.console.write("\n");
    EXPECT_EQ(f.surface.scrolls.size(), 2u);
    EXPECT_EQ(f.surface.trimmed(1), "X");
    EXPECT_EQ(f.surface.trimmed(2), "");
}

TEST(TextConsole, PinnedRowsAreClampedAndMoveTheCursor) {
    Fixture f(10, 4);
    f.console.set_pinned_rows(10);
    EXPECT_EQ(f.console.pinned_rows(), 3u); // at least one row scrolls
    EXPECT_EQ(f.console.cursor_row(), 3u);
    f.console.write("a\nb");
    EXPECT_EQ(f.surface.scrolls.back(), std::make_pair(3u, 3u));
    EXPECT_EQ(f.surface.trimmed(3), "b");
    f.console.set_pinned_rows(1); // the cursor is below: it stays
    EXPECT_EQ(f.console.cursor_row(), 3u);
    EXPECT_EQ(f.console.cursor_column(), 1u);
}

TEST(TextConsole, DrawAtDoesNotMoveTheCursorAndClips) {
    Fixture f(10, 3);
    f.console.write("ab");
    f.console.draw_at(6, 0, "WXYZ\xe2\x94\x80tail", ansi_palette[1], ansi_palette[2]);
    EXPECT_EQ(f.surface.text(0), "ab    WXYZ");
    EXPECT_EQ(f.console.cursor_column(), 2u);
    EXPECT_EQ(f.console.cursor_row(), 0u);
    EXPECT_EQ(f.surface.cell(6, 0).foreground, ansi_palette[1]);
    EXPECT_EQ(f.surface.cell(6, 0).background, ansi_palette[2]);
    f.console.draw_at(0, 1,
                      "\xe2\x94\x80\n\x1b"
                      "c",
                      ansi_palette[1], ansi_palette[2]); // controls skipped
    EXPECT_EQ(f.surface.cell(0, 1).codepoint, U'\u2500');
    EXPECT_EQ(f.surface.cell(1, 1).codepoint, U'c');
    int draws = f.surface.draws;
    f.console.draw_at(0, 3, "off screen", ansi_palette[1], ansi_palette[2]);
    f.console.draw_at(10, 0, "off screen", ansi_palette[1], ansi_palette[2]);
    EXPECT_EQ(f.surface.draws, draws);
    // The stream's own decoder is not disturbed by draw_at in the middle of a character.
    f.console.write("\xe2\x82");
    f.console.draw_at(0, 2, "x", ansi_palette[1], ansi_palette[2]);
    f.console.write("\xac");
    EXPECT_EQ(f.surface.cell(2, 0).codepoint, U'\u20AC');
}

TEST(TextConsole, SgrForegroundBackgroundBoldAndReset) {
    Fixture f(40, 2);
    f.console.write("\x1b[31mR\x1b[1mB\x1b[22mr\x1b[0mN\x1b[1;34mb\x1b[m\x1b[34;1mb\x1b[0;1mW\x1b[0m");
    EXPECT_EQ(f.surface.trimmed(0), "RBrNbbW");
    EXPECT_EQ(f.surface.cell(0, 0).foreground, ansi_palette[1]);
    EXPECT_EQ(f.surface.cell(1, 0).foreground, ansi_palette[9]); // bold -> bright
    EXPECT_EQ(f.surface.cell(2, 0).foreground, ansi_palette[1]);
    EXPECT_EQ(f.surface.cell(3, 0).foreground, default_foreground);
    EXPECT_EQ(f.surface.cell(4, 0).foreground, ansi_palette[12]);
    EXPECT_EQ(f.surface.cell(5, 0).foreground, ansi_palette[12]); // order of 1 and 34 irrelevant
    EXPECT_EQ(f.surface.cell(6, 0).foreground, ansi_palette[15]); // bold default -> white
    EXPECT_EQ(f.console.foreground(), default_foreground);
    EXPECT_EQ(f.console.background(), default_background);

    f.console.write("\x1b[44;93ma\x1b[39mb\x1b[49mc\x1b[101;30md\x1b[97;40me\x1b[1;90mf\x1b[0m");
    EXPECT_EQ(f.surface.cell(7, 0).background, ansi_palette[4]);
    EXPECT_EQ(f.surface.cell(7, 0).foreground, ansi_palette[11]);
    EXPECT_EQ(f.surface.cell(8, 0).foreground, default_foreground);
    EXPECT_EQ(f.surface.cell(8, 0).background, ansi_palette[4]);
    EXPECT_EQ(f.surface.cell(9, 0).background, default_background);
    EXPECT_EQ(f.surface.cell(10, 0).background, ansi_palette[9]);
    EXPECT_EQ(f.surface.cell(10, 0).foreground, ansi_palette[0]);
    EXPECT_EQ(f.surface.cell(11, 0).foreground, ansi_palette[15]);
    EXPECT_EQ(f.surface.cell(11, 0).background, ansi_palette[0]);
    EXPECT_EQ(f.surface.cell(12, 0).foreground, ansi_palette[8]); // bright stays bright
}

TEST(TextConsole, Sgr256AndTrueColor) {
    Fixture f(40, 2);
    f.console.write("\x1b[38;5;9ma\x1b[38;5;196mb\x1b[48;5;244mc\x1b[38;5;16md\x1b[38;5;231me");
    EXPECT_EQ(f.surface.cell(0, 0).foreground, ansi_palette[9]);
    EXPECT_EQ(f.surface.cell(1, 0).foreground, (Rgb{255, 0, 0}));
    EXPECT_EQ(f.surface.cell(2, 0).background, (Rgb{128, 128, 128}));
    EXPECT_EQ(f.surface.cell(3, 0).foreground, (Rgb{0, 0, 0}));
    EXPECT_EQ(f.surface.cell(4, 0).foreground, (Rgb{255, 255, 255}));
    f.console.write("\x1b[0;38;2;1;2;300;48;2;4;5;6;1mf");
    EXPECT_EQ(f.surface.cell(5, 0).foreground, (Rgb{1, 2, 255})); // direct colours ignore bold
    EXPECT_EQ(f.surface.cell(5, 0).background, (Rgb{4, 5, 6}));
    // 38;5;1 is a palette colour: bold brightens it. ':' works as a separator too.
    f.console.write("\x1b[0;1;38:5:1mg");
    EXPECT_EQ(f.surface.cell(6, 0).foreground, ansi_palette[9]);
    // Incomplete or unknown extended colours end the list without changing the colour.
    f.console.write("\x1b[0;32;38;5mh\x1b[38;7;1mi\x1b[38;5;999mj\x1b[0m");
    EXPECT_EQ(f.surface.cell(7, 0).foreground, ansi_palette[2]);
    EXPECT_EQ(f.surface.cell(8, 0).foreground, ansi_palette[2]);
    EXPECT_EQ(f.surface.cell(9, 0).foreground, ansi_palette[2]);
    EXPECT_EQ(f.surface.trimmed(0), "abcdefghij");
}

TEST(TextConsole, UnknownEscapesAreSwallowed) {
    Fixture f(40, 2);
    f.console.write("a\x1b[?1000hb\x1b[22;0;0tc\x1b[1 qd\x1b]0;window title\x07"
                    "e\x1b%Gf\x1b]2;x\x1b\\g\x1b[?2004h"
                    "h\x1bP1;2|data\x1b\\i\x1b[>4;1mj\x1b[?1cka\x1b[5bl\x1b_apc\x07m\x1b^pm\x1b\\n"
                    "\x1b[$po\x1b[1;2$rp\x1b[?12;25$zq\x1bXsos\x1b\\r\x1b[=1cs\x1b[<5ut\x1bl\x1bmu");
    EXPECT_EQ(f.surface.trimmed(0), "abcdefghijkaaaaaalmnopqrstu");
    EXPECT_EQ(f.console.cursor_row(), 0u);
    EXPECT_EQ(f.console.foreground(), default_foreground);
    EXPECT_FALSE(f.console.application_cursor_keys());
}

TEST(TextConsole, MalformedAndAbortedSequences) {
    Fixture f(40, 2);
    // CAN and SUB abort: what follows is printed normally, with the old colours.
    f.console.write("\x1b[31\x18"
                    "a\x1b[1\x1a"
                    "b");
    EXPECT_EQ(f.surface.trimmed(0), "ab");
    EXPECT_EQ(f.surface.cell(0, 0).foreground, default_foreground);
    // ESC inside a sequence starts a new one.
    f.console.write("\x1b[3\x1b[32mc");
    EXPECT_EQ(f.surface.cell(2, 0).foreground, ansi_palette[2]);
    // Non-ASCII inside a sequence drops the sequence and the character.
    f.console.write("\x1b[0\xc3\xa9"
                    "d");
    EXPECT_EQ(f.surface.trimmed(0), "abcd");
    // A private marker after parameters: ignored up to the final byte.
    f.console.write("\x1b[0?1me");
    EXPECT_EQ(f.surface.cell(4, 0).foreground, ansi_palette[2]);
    // A control character inside a sequence acts and the sequence goes on.
    f.console.write("\x1b[3\r4mF");
    EXPECT_EQ(f.surface.cell(0, 0).codepoint, U'F');
    EXPECT_EQ(f.surface.cell(0, 0).foreground, ansi_palette[4]);
}

TEST(TextConsole, OverlongParameterListsAreBounded) {
    Fixture f(40, 2);
    std::string sequence = "\x1b[";
    for (int i = 0; i < 1000; ++i)
        sequence += "1;";
    sequence += "31mX";
    f.console.write(view(sequence));
    EXPECT_EQ(f.surface.trimmed(0), "X");
    EXPECT_EQ(f.surface.cell(0, 0).foreground, ansi_palette[15]); // bold kept, the 1001st parameter lost
    f.console.write("\x1b[0m\x1b[99999999999999999999999;32mY\x1b[0m");
    EXPECT_EQ(f.surface.cell(1, 0).foreground, ansi_palette[2]);
    std::string digits = "\x1b[" + std::string(100000, '9') + "mZ";
    f.console.write(view(digits));
    EXPECT_EQ(f.surface.trimmed(0), "XYZ");
    std::string osc = "\x1b]" + std::string(100000, 'x') + "\x07W";
    f.console.write(view(osc));
    EXPECT_EQ(f.surface.trimmed(0), "XYZW");
}

TEST(TextConsole, SequencesSplitAcrossWrites) {
    Fixture f(40, 2);
    const std::string text = "a\x1b[1;31mb\x1b]0;t\x1b\\c\xe2\x82\xac\x1b[0md";
    for (size_t split = 0; split <= text.size(); ++split) {
        RecordingSurface surface(40, 2);
        auto owned = console_test::make_console(surface, 40, 2);
        TextConsole& console = *owned;
        console.write(ktl::StringView(text.data(), split));
        console.write(ktl::StringView(text.data() + split, text.size() - split));
        EXPECT_EQ(surface.trimmed(0), "abc#d") << "split at " << split;
        EXPECT_EQ(surface.cell(1, 0).foreground, ansi_palette[9]);
        EXPECT_EQ(surface.cell(3, 0).codepoint, U'\u20AC');
        EXPECT_EQ(surface.cell(4, 0).foreground, default_foreground);
    }
    // Byte by byte.
    for (char byte : text)
        f.console.write(ktl::StringView(&byte, 1));
    EXPECT_EQ(f.surface.trimmed(0), "abc#d");
    EXPECT_EQ(f.surface.cell(1, 0).foreground, ansi_palette[9]);
}

TEST(TextConsole, EraseInLine) {
    Fixture f(10, 3);
    f.console.write("abcdefghij\rabcdef\b\b\b\x1b[K");
    EXPECT_EQ(f.surface.text(0), "abc       ");
    EXPECT_EQ(f.console.cursor_column(), 3u);
    f.console.write("\n0123456789\r\b\x1b[2Gx\b"); // ESC[2G: column 1, x, back on it
    f.console.write("\x1b[44m\x1b[1K");
    EXPECT_EQ(f.surface.text(1), "  23456789");
    EXPECT_EQ(f.surface.cell(0, 1).background, ansi_palette[4]); // erased in the current background
    EXPECT_EQ(f.surface.cell(1, 1).background, ansi_palette[4]);
    EXPECT_EQ(f.surface.cell(2, 1).background, default_background);
    f.console.write("\x1b[2K");
    EXPECT_EQ(f.surface.text(1), "          ");
    EXPECT_EQ(f.console.cursor_column(), 1u);
    // Erase after a full line (wrap pending) clears the last cell and cancels the wrap.
    f.console.write("\x1b[0m\n0123456789\x1b[K");
    EXPECT_EQ(f.surface.text(2), "012345678 ");
    EXPECT_FALSE(f.console.wrap_pending());
    f.console.write("Z");
    EXPECT_EQ(f.surface.text(2), "012345678Z");
    EXPECT_TRUE(f.surface.scrolls.empty());
}

TEST(TextConsole, EraseInDisplayKeepsPinnedRows) {
    Fixture f(10, 4);
    f.console.set_pinned_rows(1);
    f.console.draw_at(0, 0, "PIN", ansi_palette[15], ansi_palette[4]);
    f.console.write("one\ntwo\nthree");
    f.console.write("\x1b[2J");
    EXPECT_EQ(f.surface.trimmed(0), "PIN");
    EXPECT_EQ(f.surface.trimmed(1), "");
    EXPECT_EQ(f.surface.trimmed(2), "");
    EXPECT_EQ(f.surface.trimmed(3), "");
    EXPECT_EQ(f.console.cursor_row(), 3u); // ED does not move the cursor
    EXPECT_EQ(f.console.cursor_column(), 5u);
    EXPECT_EQ(f.surface.clears, 0);
    f.console.write("\x1b[Ha\nbcd\nef");
    f.console.write("\r\x1b[1J");
    EXPECT_EQ(f.surface.trimmed(0), "PIN");
    EXPECT_EQ(f.surface.trimmed(1), "");
    EXPECT_EQ(f.surface.trimmed(2), "");
    EXPECT_EQ(f.surface.text(3), " f        ");
    f.console.write("\x1b[3;2H\x1b[J"); // row 3 of the terminal is screen row 3 (one pinned)
    EXPECT_EQ(f.surface.text(3), "          ");
    EXPECT_EQ(f.surface.trimmed(0), "PIN");
}

TEST(TextConsole, ClearClearsEverythingAndHomes) {
    Fixture f(10, 4);
    f.console.set_pinned_rows(1);
    f.console.write("a\nb\nc\x1b[41m");
    f.console.clear();
    EXPECT_EQ(f.surface.clears, 1);
    EXPECT_EQ(f.surface.cell(0, 0).background, ansi_palette[1]);
    EXPECT_EQ(f.console.cursor_row(), 1u);
    EXPECT_EQ(f.console.cursor_column(), 0u);
}

TEST(TextConsole, ZeroSizedConsoleDrawsNothing) {
    RecordingSurface surface(1, 1);
    auto owned = console_test::make_console(surface, 0, 5);
    TextConsole& empty = *owned;
    empty.write("abc\n\n\t\b\x1b[2J\x1b[K\x1b[31mxyz");
    empty.set_pinned_rows(3);
    empty.draw_at(0, 0, "x", ansi_palette[1], ansi_palette[2]);
    empty.clear();
    EXPECT_EQ(surface.draws, 0);
    EXPECT_TRUE(surface.scrolls.empty());
    EXPECT_EQ(surface.clears, 0);
    EXPECT_EQ(empty.columns(), 0u);
    EXPECT_EQ(empty.rows(), 0u);
}

TEST(TextConsole, OneByOneConsole) {
    Fixture f(1, 1);
    f.console.write("ab\tc\nd\b\x1b[Ke");
    EXPECT_EQ(f.surface.cell(0, 0).codepoint, U'e');
    EXPECT_EQ(f.console.cursor_column(), 0u);
    EXPECT_EQ(f.console.cursor_row(), 0u);
}

// Random bytes with a bias towards ESC, '[', digits and controls: the recording surface fails the
// test on any out-of-grid coordinate, and nothing may hang or crash.
TEST(TextConsole, RandomInputStaysInsideTheGrid) {
    const char alphabet[] = "\x1b[];?0123456789mJKHh\n\r\t\b\x18\x07\\ abc\xc3\xa9\xe2\x82\xac\xff";
    std::mt19937 random(99);
    for (uint32_t pinned = 0; pinned < 3; ++pinned) {
        Fixture f(13, 5);
        f.console.set_pinned_rows(pinned);
        std::string chunk;
        for (int i = 0; i < 200000; ++i) {
            chunk += (random() % 4 == 0) ? static_cast<char>(random())
                                         : alphabet[random() % (sizeof alphabet - 1)];
            if (chunk.size() == 37) {
                f.console.write(ktl::StringView(chunk.data(), chunk.size()));
                chunk.clear();
                ASSERT_LT(f.console.cursor_row(), 5u);
                ASSERT_GE(f.console.cursor_row(), pinned);
                ASSERT_LT(f.console.cursor_column(), 13u);
            }
        }
        for (const auto& scroll : f.surface.scrolls)
            ASSERT_EQ(scroll.first, pinned);
    }
}

} // namespace
