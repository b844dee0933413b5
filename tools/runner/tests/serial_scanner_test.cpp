// COM1 stream handling: escapes and CRs stripped, lines assembled across reads, markers tracked.
#include "serial_scanner.h"

#include "qemu/exit_codes.h"

#include <gtest/gtest.h>

namespace {

using runner::LineSplitter;
using runner::SerialScanner;
using Lines = std::vector<std::string>;

TEST(runner_serial_scanner, SplitsLinesAndDropsCarriageReturns) {
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("one\r\ntwo\n\nthr"), (Lines{"one", "two", ""}));
    EXPECT_EQ(splitter.partial_line(), "thr");
    EXPECT_EQ(splitter.feed("ee\r\n"), (Lines{"three"}));
    EXPECT_EQ(splitter.partial_line(), "");
}

TEST(runner_serial_scanner, StripsCsiSequences) {
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("\x1b[2J\x1b[1;1H\x1b[0mBoot\x1b[01;37m menu\x1b[?25l\n"), (Lines{"Boot menu"}));
    // Short forms: ESC c (reset), ESC ( B (character set), ESC 7 (save cursor).
    EXPECT_EQ(splitter.feed("\x1b"
                            "ca\x1b(Bb\x1b"
                            "7c\n"),
              (Lines{"abc"}));
}

TEST(runner_serial_scanner, EscapeSplitAcrossReads) {
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("abc\x1b"), Lines{});
    EXPECT_EQ(splitter.feed("[1"), Lines{});
    EXPECT_EQ(splitter.feed(";3"), Lines{});
    EXPECT_EQ(splitter.partial_line(), "abc");
    EXPECT_EQ(splitter.feed("7mdef\n"), (Lines{"abcdef"}));
}

TEST(runner_serial_scanner, MalformedEscapeKeepsTheNewline) {
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("a\x1b[12\nb\n"), (Lines{"a", "b"}));
}

TEST(runner_serial_scanner, VeryLongLinesAreCut) {
    LineSplitter splitter;
    auto lines = splitter.feed(std::string(LineSplitter::max_line_length + 10, 'x'));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].size(), LineSplitter::max_line_length);
    EXPECT_EQ(splitter.partial_line().size(), 10u);
}

TEST(runner_serial_scanner, MarkerAcrossChunksWithEscapesInside) {
    SerialScanner scanner({"kernel: ready"});
    scanner.feed("\x1b[0mker");
    scanner.feed("nel\x1b[");
    EXPECT_FALSE(scanner.all_expectations_met());
    scanner.feed("1m: rea");
    scanner.feed("dy\r");
    EXPECT_TRUE(scanner.all_expectations_met()); // Matched before the line ends.
    scanner.feed("\n");
    EXPECT_TRUE(scanner.missing_expectations().empty());
}

TEST(runner_serial_scanner, KnowsWhenALineIsStillBeingPrinted) {
    SerialScanner scanner({"bench: done"});
    EXPECT_FALSE(scanner.line_in_progress());
    scanner.feed("bench: done, 2 res");
    EXPECT_TRUE(scanner.all_expectations_met());
    EXPECT_TRUE(scanner.line_in_progress());
    scanner.feed("ults, 0 failed\r\n");
    EXPECT_FALSE(scanner.line_in_progress());
}

TEST(runner_serial_scanner, MarkerMustNotSpanLines) {
    SerialScanner scanner({"ab"});
    scanner.feed("a\nb\n");
    EXPECT_FALSE(scanner.all_expectations_met());
    EXPECT_EQ(scanner.missing_expectations(), (Lines{"ab"}));
}

TEST(runner_serial_scanner, AllExpectationsNeededAndMissingOnesListedInOrder) {
    SerialScanner scanner({"first", "second", "third"});
    EXPECT_TRUE(scanner.has_expectations());
    scanner.feed("the second line\n");
    EXPECT_FALSE(scanner.all_expectations_met());
    EXPECT_EQ(scanner.missing_expectations(), (Lines{"first", "third"}));
    scanner.feed("third and first\n");
    EXPECT_TRUE(scanner.all_expectations_met());
}

TEST(runner_serial_scanner, NoExpectations) {
    SerialScanner scanner({});
    EXPECT_FALSE(scanner.has_expectations());
    EXPECT_TRUE(scanner.all_expectations_met());
}

TEST(runner_serial_scanner, BannerMarker) {
    SerialScanner scanner({});
    std::string line = std::string("[    0.123] ") + qemu::banner_drawn_marker + "\r\n";
    scanner.feed(line.substr(0, 20));
    EXPECT_FALSE(scanner.banner_drawn());
    scanner.feed(line.substr(20));
    EXPECT_TRUE(scanner.banner_drawn());
}

} // namespace
