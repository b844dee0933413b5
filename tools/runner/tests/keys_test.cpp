// --send-keys text into QEMU key names, and the options that order the steps.
#include "keys.h"
#include "options.h"

#include <gtest/gtest.h>

namespace {

using runner::KeyChord;

std::vector<KeyChord> chords(std::string_view text) {
    auto parsed = runner::parse_keys(text);
    EXPECT_EQ(parsed.error, "") << text;
    return parsed.chords;
}

TEST(runner_keys, CharactersAreTypedOnAUsKeyboard) {
    EXPECT_EQ(chords("ab1"), (std::vector<KeyChord>{{"a"}, {"b"}, {"1"}}));
    EXPECT_EQ(chords("E"), (std::vector<KeyChord>{{"shift", "e"}}));
    EXPECT_EQ(chords("$(*)"),
              (std::vector<KeyChord>{{"shift", "4"}, {"shift", "9"}, {"shift", "8"}, {"shift", "0"}}));
    EXPECT_EQ(chords(" -=/\n"), (std::vector<KeyChord>{{"spc"}, {"minus"}, {"equal"}, {"slash"}, {"ret"}}));
    EXPECT_EQ(
        chords("\"|~?"),
        (std::vector<KeyChord>{
            {"shift", "apostrophe"}, {"shift", "backslash"}, {"shift", "grave_accent"}, {"shift", "slash"}}));
}

TEST(runner_keys, BracesNameKeysAndCombinations) {
    EXPECT_EQ(chords("{ret}{esc}{f12}"), (std::vector<KeyChord>{{"ret"}, {"esc"}, {"f12"}}));
    EXPECT_EQ(chords("{ctrl-c}"), (std::vector<KeyChord>{{"ctrl", "c"}}));
    EXPECT_EQ(chords("{alt-f2}"), (std::vector<KeyChord>{{"alt", "f2"}}));
    EXPECT_EQ(chords("{ctrl-alt-f1}"), (std::vector<KeyChord>{{"ctrl", "alt", "f1"}}));
    EXPECT_EQ(chords("{shift-pgup}"), (std::vector<KeyChord>{{"shift", "pgup"}}));
    EXPECT_EQ(chords("{ctrl-\\}"), (std::vector<KeyChord>{{"ctrl", "backslash"}}));
    EXPECT_EQ(chords("{ctrl--}"), (std::vector<KeyChord>{{"ctrl", "minus"}}));
    EXPECT_EQ(chords("{altgr-q}"), (std::vector<KeyChord>{{"alt_r", "q"}}));
    EXPECT_EQ(chords("{{"), (std::vector<KeyChord>{{"shift", "bracket_left"}}));
    EXPECT_EQ(chords("echo{ret}"), (std::vector<KeyChord>{{"e"}, {"c"}, {"h"}, {"o"}, {"ret"}}));
}

TEST(runner_keys, MistakesAreReportedNotTyped) {
    EXPECT_NE(runner::parse_keys("{rte}").error, "");
    EXPECT_NE(runner::parse_keys("{hyper-a}").error, "");
    EXPECT_NE(runner::parse_keys("{ctrl-c").error, "");
    EXPECT_NE(runner::parse_keys("{}").error, "");
    EXPECT_NE(runner::parse_keys("{f13}").error, "");
    EXPECT_NE(runner::parse_keys("\x01").error, "");
    EXPECT_NE(runner::parse_keys("caf\xc3\xa9").error, "");
}

TEST(runner_keys, SendKeyCommandListsQcodesInOrder) {
    EXPECT_EQ(runner::qmp_send_key_command({"ctrl", "alt", "f2"}, 50),
              R"({"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"ctrl"},)"
              R"({"type":"qcode","data":"alt"},{"type":"qcode","data":"f2"}],"hold-time":50}})");
}

TEST(runner_keys, KeysAfterAppliesToTheNextSendKeysOnly) {
    auto parsed = runner::parse_options(
        {"--iso=x.iso", "--send-keys=a", "--keys-after=ready", "--send-keys={ret}", "--send-keys=b"}, "");
    ASSERT_EQ(parsed.error, "");
    const auto& steps = parsed.options.key_steps;
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(steps[0].after, "");
    EXPECT_EQ(steps[0].keys, "a");
    EXPECT_EQ(steps[1].after, "ready");
    EXPECT_EQ(steps[1].keys, "{ret}");
    EXPECT_EQ(steps[2].after, "");
}

TEST(runner_keys, OptionErrorsNameTheProblem) {
    auto bad_key = runner::parse_options({"--iso=x.iso", "--send-keys={nokey}"}, "");
    EXPECT_NE(bad_key.error.find("unknown key 'nokey'"), std::string::npos) << bad_key.error;
    auto dangling = runner::parse_options({"--iso=x.iso", "--keys-after=ready"}, "");
    EXPECT_NE(dangling.error.find("no --send-keys after it"), std::string::npos) << dangling.error;
}

} // namespace
