// The line editor driven byte by byte: editing keys, escape sequences, history, search, completion.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

#include "shell/line_editor.h"

using shell::LineEditor;
using shell::String;

namespace {

struct Session {
    std::vector<String> history;
    std::vector<String> commands{"echo", "exit", "export"};
    LineEditor editor{history, [this](std::string_view word, bool command_position) {
                          std::vector<String> out;
                          if (command_position)
                              for (const String& name : commands)
                                  if (name.starts_with(word))
                                      out.push_back(name);
                          return out;
                      }};
    String screen;

    Session() { editor.start("$ ", screen); }
    LineEditor::Result type(std::string_view bytes) {
        LineEditor::Result result = LineEditor::Result::Continue;
        for (char c : bytes)
            result = editor.feed(c, screen);
        return result;
    }
    std::string line() const { return editor.line().c_str(); }
};

} // namespace

TEST(ShellLineEditor, TypingAndEnter) {
    Session s;
    EXPECT_EQ(s.type("echo hi"), LineEditor::Result::Continue);
    EXPECT_EQ(s.type("\r"), LineEditor::Result::Line);
    EXPECT_EQ(s.line(), "echo hi");
    EXPECT_NE(s.screen.find("\r$ echo hi\x1b[K"), String::npos);
}

TEST(ShellLineEditor, CursorKeysInBothEscapeForms) {
    Session s;
    s.type("ac\x1b[Db");
    EXPECT_EQ(s.line(), "abc");
    EXPECT_EQ(s.editor.cursor(), 2u);
    s.type("\x1bOH>\x1bOF<");
    EXPECT_EQ(s.line(), ">abc<");
    s.type("\x1b[1~\x1b[3~");
    EXPECT_EQ(s.line(), "abc<");
    s.type("\x1b[4~\x7f");
    EXPECT_EQ(s.line(), "abc");
}

TEST(ShellLineEditor, ControlKeysEditTheLine) {
    Session s;
    s.type("one two three");
    s.type("\x17"); // ^W
    EXPECT_EQ(s.line(), "one two ");
    s.type("\x01"); // ^A
    EXPECT_EQ(s.editor.cursor(), 0u);
    s.type("\x05\x02\x02\x02\x0b"); // ^E, back three, ^K
    EXPECT_EQ(s.line(), "one t");
    s.type("\x15"); // ^U
    EXPECT_EQ(s.line(), "");
    s.type("x\x0c"); // ^L clears the screen and redraws
    EXPECT_NE(s.screen.find("\x1b[2J"), String::npos);
    EXPECT_EQ(s.type("\x03"), LineEditor::Result::Interrupted);
}

TEST(ShellLineEditor, ControlDEndsInputOnlyOnAnEmptyLine) {
    Session s;
    s.type("ab\x01\x04");
    EXPECT_EQ(s.line(), "b");
    s.type("\x04");
    EXPECT_EQ(s.type("\x04"), LineEditor::Result::EndOfInput);
}

TEST(ShellLineEditor, HistoryUpAndDownKeepsTheTypedLine) {
    Session s;
    s.history = {"first", "second"};
    s.editor.start("$ ", s.screen);
    s.type("draft\x1b[A");
    EXPECT_EQ(s.line(), "second");
    s.type("\x1b[A\x1b[A");
    EXPECT_EQ(s.line(), "first");
    s.type("\x1b[B\x1b[B");
    EXPECT_EQ(s.line(), "draft");
}

TEST(ShellLineEditor, ReverseSearch) {
    Session s;
    s.history = {"make build", "ls -l", "make test", "cd /"};
    s.editor.start("$ ", s.screen);
    s.type("\x12mak");
    EXPECT_TRUE(s.editor.searching());
    EXPECT_EQ(s.line(), "make test");
    s.type("\x12");
    EXPECT_EQ(s.line(), "make build");
    EXPECT_NE(s.screen.find("(reverse-i-search)`mak': make build"), String::npos);
    s.type("\x1b[C"); // a key that ends the search and then moves
    EXPECT_FALSE(s.editor.searching());
    EXPECT_EQ(s.type("\r"), LineEditor::Result::Line);
    EXPECT_EQ(s.line(), "make build");
}

TEST(ShellLineEditor, TabCompletesCommandsToTheCommonPrefix) {
    Session s;
    s.type("ec\t");
    EXPECT_EQ(s.line(), "echo ");
    s.editor.start("$ ", s.screen);
    s.type("ex\t");
    EXPECT_EQ(s.line(), "ex");
    EXPECT_NE(s.screen.find("exit  export"), String::npos);
    s.type("p\t");
    EXPECT_EQ(s.line(), "export ");
}

TEST(ShellLineEditor, PathCompletion) {
    char directory[] = "/tmp/shell-complete-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    String base(directory);
    close(open((base + "/alpha.txt").c_str(), O_CREAT | O_WRONLY, 0644));
    close(open((base + "/alpine").c_str(), O_CREAT | O_WRONLY, 0755));
    mkdir((base + "/beta").c_str(), 0755);
    auto matches = shell::complete_path(base + "/al");
    ASSERT_EQ(matches.size(), 2u);
    EXPECT_EQ(matches[0], base + "/alpha.txt");
    EXPECT_EQ(shell::complete_path(base + "/al", true).size(), 1u);
    auto directories = shell::complete_path(base + "/b");
    ASSERT_EQ(directories.size(), 1u);
    EXPECT_EQ(directories[0], base + "/beta/");
    unlink((base + "/alpha.txt").c_str());
    unlink((base + "/alpine").c_str());
    rmdir((base + "/beta").c_str());
    rmdir(directory);
}
