// Differential tests against xterm.js. Each capture in tests/captures is a byte stream - what busybox
// vi/less/top, vim, GNU less or procps top wrote to an 80x24 terminal (recorded on a pty with
// capture.py), or a seeded random mix of every implemented sequence (torture.py) - and its .screen
// file the screens xterm.js shows after the same bytes (reference_screen.mjs). The console must
// show the same screens: every character on the surface, every cell's attributes and colours, the
// cursor, the screen in use.
#include "console/tests/recording_surface.h"
#include "console/text_console.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using console::Cell;
using console::CellColor;
using console_test::Terminal;

std::string read_capture_file(const std::string& name) {
    std::ifstream file(std::string(BLOG_OS_CONSOLE_CAPTURES_DIR) + "/" + name, std::ios::binary);
    std::stringstream contents;
    contents << file.rdbuf();
    return contents.str();
}

std::string describe_color(CellColor color) {
    char text[16];
    switch (color.kind) {
    case CellColor::Kind::Default:
        return "d";
    case CellColor::Kind::Palette:
        return "p" + std::to_string(color.index_or_red);
    case CellColor::Kind::Direct:
        std::snprintf(text, sizeof text, "#%02x%02x%02x", color.index_or_red, color.green, color.blue);
        return text;
    }
    return "?";
}

std::string describe(const Cell& cell) {
    namespace attribute = console::cell_attribute;
    std::string flags;
    const std::pair<uint8_t, char> letters[] = {{attribute::bold, 'b'},      {attribute::dim, 'd'},
                                                {attribute::italic, 'i'},    {attribute::underline, 'u'},
                                                {attribute::blink, 'k'},     {attribute::reverse, 'r'},
                                                {attribute::concealed, 'h'}, {attribute::strike, 's'}};
    for (auto [bit, letter] : letters)
        if (cell.has(bit))
            flags += letter;
    return (flags.empty() ? "-" : flags) + "/" + describe_color(cell.foreground) + "/" +
           describe_color(cell.background);
}

// The screen in reference_screen.mjs's form: text from the surface, attributes from the cells.
std::string dump(Terminal& t) {
    uint32_t columns = t.console.columns(), rows = t.console.rows();
    std::string out = "size " + std::to_string(columns) + " " + std::to_string(rows) + "\n";
    out += std::string("screen ") + (t.console.alternate_screen_active() ? "alternate" : "main") + "\n";
    out += "cursor " + std::to_string(t.console.cursor_column()) + " " +
           std::to_string(t.console.cursor_row()) + (t.console.cursor_visible() ? " shown" : " hidden") +
           "\n";
    for (uint32_t row = 0; row < rows; ++row) {
        out += "row " + std::to_string(row) + " |" + t.surface.utf8(row) + "|\n";
        std::string runs;
        uint32_t start = 0;
        std::string current = describe(t.console.cell(0, row));
        for (uint32_t column = 1; column <= columns; ++column) {
            std::string next = column < columns ? describe(t.console.cell(column, row)) : "";
            if (next != current) {
                runs += (runs.empty() ? "" : " ") + std::to_string(start) + "-" + std::to_string(column - 1) +
                        ":" + current;
                start = column;
                current = next;
            }
        }
        if (runs != "0-" + std::to_string(columns - 1) + ":-/d/d")
            out += "attr " + std::to_string(row) + " " + runs + "\n";
    }
    return out;
}

// A .screen file: one or more snapshots, each "at OFFSET" and the screen after that many bytes.
// Lines starting with '#' are notes on hand edits.
struct Snapshot {
    size_t offset = 0;
    std::string screen;
};

std::vector<Snapshot> parse_snapshots(const std::string& text) {
    std::vector<Snapshot> snapshots;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        if (line.rfind("at ", 0) == 0) {
            snapshots.push_back({std::stoul(line.substr(3)), ""});
            continue;
        }
        if (!snapshots.empty())
            snapshots.back().screen += line + "\n";
    }
    return snapshots;
}

void expect_same_screen(const std::string& want, const std::string& got, const std::string& context) {
    std::istringstream want_lines(want), got_lines(got);
    std::string want_line, got_line;
    int differences = 0;
    while (std::getline(want_lines, want_line)) {
        if (!std::getline(got_lines, got_line))
            got_line = "(missing)";
        if (want_line != got_line && ++differences <= 8)
            ADD_FAILURE() << context << "\n  want: " << want_line << "\n  got:  " << got_line;
    }
    EXPECT_EQ(differences, 0) << context << ": screen differs from xterm.js's; ours:\n" << got;
}

class ConsoleCapture : public ::testing::TestWithParam<const char*> {};

TEST_P(ConsoleCapture, EndsOnTheScreenXtermShows) {
    std::string name = GetParam();
    std::string bytes = read_capture_file(name + ".bytes");
    std::vector<Snapshot> snapshots = parse_snapshots(read_capture_file(name + ".screen"));
    ASSERT_FALSE(bytes.empty()) << "no capture " << name << ".bytes";
    ASSERT_FALSE(snapshots.empty()) << "no reference screen " << name << ".screen";
    ASSERT_EQ(snapshots.back().offset, bytes.size());
    unsigned columns = 0, rows = 0;
    ASSERT_EQ(std::sscanf(snapshots[0].screen.c_str(), "size %u %u", &columns, &rows), 2);

    // Up to each snapshot in one write, the way a program's output arrives through a tty.
    Terminal whole(columns, rows, 100);
    whole.console.set_new_line_mode(false); // a terminal behind a tty: ONLCR adds the CRs
    size_t offset = 0;
    for (const Snapshot& snapshot : snapshots) {
        whole.console.write(ktl::StringView(bytes.data() + offset, snapshot.offset - offset));
        offset = snapshot.offset;
        expect_same_screen(snapshot.screen, dump(whole), name + " at byte " + std::to_string(offset));
        // The cursor the surface shows is the console's.
        EXPECT_EQ(whole.surface.cursor_shown, whole.console.cursor_visible());
        if (whole.surface.cursor_shown) {
            EXPECT_EQ(whole.surface.cursor_column, whole.console.cursor_column());
            EXPECT_EQ(whole.surface.cursor_row, whole.console.cursor_row());
        }
    }

    // In random pieces: sequences and characters split anywhere end on the same screen.
    Terminal pieces(columns, rows, 100);
    pieces.console.set_new_line_mode(false);
    std::mt19937 random(7);
    for (size_t position = 0; position < bytes.size();) {
        size_t length = 1 + random() % 23;
        if (length > bytes.size() - position)
            length = bytes.size() - position;
        pieces.console.write(ktl::StringView(bytes.data() + position, length));
        position += length;
    }
    expect_same_screen(snapshots.back().screen, dump(pieces), name + " (in pieces)");
}

INSTANTIATE_TEST_SUITE_P(Programs, ConsoleCapture,
                         testing::Values("busybox_vi", "busybox_vi_scroll", "busybox_less",
                                         "busybox_less_end", "busybox_top", "vim_linux", "vim_xterm",
                                         "less_linux", "top_linux", "torture_0", "torture_1", "torture_2",
                                         "torture_3", "torture_4", "torture_5"),
                         [](const testing::TestParamInfo<const char*>& info) {
                             return std::string(info.param);
                         });

} // namespace
