#include "input/keyboard.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace {

using input::Action;
using input::Key;
using input::KeyEvent;

std::vector<KeyEvent> decode(std::initializer_list<uint8_t> bytes) {
    input::ScancodeDecoder decoder;
    std::vector<KeyEvent> events;
    for (uint8_t byte : bytes) {
        KeyEvent event;
        if (decoder.feed(byte, event))
            events.push_back(event);
    }
    return events;
}

// A keyboard that is typed on; each press or release answers with the bytes a terminal would get.
struct Typist {
    input::Keyboard keyboard;
    input::TerminalModes modes;

    input::KeyResult press(Key key) { return keyboard.handle({key, true}, modes); }
    void release(Key key) { keyboard.handle({key, false}, modes); }
    // Presses and releases `key` with `held` held down meanwhile.
    input::KeyResult chord(Key key, std::initializer_list<Key> held) {
        for (Key modifier : held)
            press(modifier);
        input::KeyResult result = press(key);
        release(key);
        for (Key modifier : held)
            release(modifier);
        return result;
    }
};

std::string bytes_of(const input::KeyResult& result) {
    return std::string(result.text().data(), result.text().length());
}

std::string typed(Typist& typist, Key key, std::initializer_list<Key> held = {}) {
    return bytes_of(typist.chord(key, held));
}

TEST(ScancodeDecoder, MakeAndBreakCodesOfPlainKeys) {
    auto events = decode({0x1e, 0x9e, 0x39, 0xb9, 0x58, 0xd8});
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[0].key, Key::A);
    EXPECT_TRUE(events[0].pressed);
    EXPECT_EQ(events[1].key, Key::A);
    EXPECT_FALSE(events[1].pressed);
    EXPECT_EQ(events[2].key, Key::Space);
    EXPECT_EQ(events[4].key, Key::F12);
    EXPECT_FALSE(events[5].pressed);
}

TEST(ScancodeDecoder, E0PrefixSelectsTheExtendedKeys) {
    auto events = decode({0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x1d, 0xe0, 0x38, 0xe0, 0x53, 0xe0, 0x1c});
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[0].key, Key::Up);
    EXPECT_TRUE(events[0].pressed);
    EXPECT_EQ(events[1].key, Key::Up);
    EXPECT_FALSE(events[1].pressed);
    EXPECT_EQ(events[2].key, Key::RightCtrl);
    EXPECT_EQ(events[3].key, Key::RightAlt);
    EXPECT_EQ(events[4].key, Key::Delete);
    EXPECT_EQ(events[5].key, Key::KeypadEnter);
    // Without the prefix the same codes are the keypad's and the left modifiers.
    auto plain = decode({0x48, 0x1d, 0x38, 0x53});
    ASSERT_EQ(plain.size(), 4u);
    EXPECT_EQ(plain[0].key, Key::Keypad8);
    EXPECT_EQ(plain[1].key, Key::LeftCtrl);
    EXPECT_EQ(plain[2].key, Key::LeftAlt);
    EXPECT_EQ(plain[3].key, Key::KeypadPeriod);
}

TEST(ScancodeDecoder, PrintScreenFakeShiftsAreDropped) {
    auto events = decode({0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa});
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].key, Key::PrintScreen);
    EXPECT_TRUE(events[0].pressed);
    EXPECT_FALSE(events[1].pressed);
}

TEST(ScancodeDecoder, PauseIsASixByteSequenceWithoutAnyOtherKey) {
    auto events = decode({0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5});
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].key, Key::Pause);
    EXPECT_TRUE(events[0].pressed);
    EXPECT_EQ(events[1].key, Key::Pause);
    EXPECT_FALSE(events[1].pressed);
}

TEST(ScancodeDecoder, ControllerRepliesAndUnknownCodesGiveNoKey) {
    EXPECT_TRUE(decode({0xfa, 0xfe, 0xee, 0x00, 0xff, 0x55, 0xe0, 0x10}).empty());
    // The decoder is back in its ground state afterwards.
    auto events = decode({0xe0, 0x7f, 0x10});
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].key, Key::Q);
}

TEST(ScancodeDecoder, EveryByteSequenceIsSafe) {
    // Bad input never reads outside the tables: feed every byte after every prefix.
    input::ScancodeDecoder decoder;
    for (int prefix : {-1, 0xe0, 0xe1}) {
        for (int byte = 0; byte < 256; ++byte) {
            KeyEvent event;
            if (prefix >= 0)
                decoder.feed(static_cast<uint8_t>(prefix), event);
            if (decoder.feed(static_cast<uint8_t>(byte), event)) {
                EXPECT_NE(event.key, Key::None);
                EXPECT_LT(event.key, Key::Count);
            }
            decoder.reset();
        }
    }
}

TEST(Keyboard, LettersDigitsAndPunctuationFollowTheUsLayout) {
    Typist typist;
    EXPECT_EQ(typed(typist, Key::A), "a");
    EXPECT_EQ(typed(typist, Key::A, {Key::LeftShift}), "A");
    EXPECT_EQ(typed(typist, Key::Digit4, {Key::RightShift}), "$");
    EXPECT_EQ(typed(typist, Key::Digit9, {Key::LeftShift}), "(");
    EXPECT_EQ(typed(typist, Key::Digit6), "6");
    EXPECT_EQ(typed(typist, Key::Slash, {Key::LeftShift}), "?");
    EXPECT_EQ(typed(typist, Key::Apostrophe, {Key::LeftShift}), "\"");
    EXPECT_EQ(typed(typist, Key::Grave, {Key::LeftShift}), "~");
    EXPECT_EQ(typed(typist, Key::Space), " ");
}

TEST(Keyboard, CapsLockShiftsLettersOnlyAndShiftUndoesIt) {
    Typist typist;
    auto toggled = typist.chord(Key::CapsLock, {});
    EXPECT_TRUE(toggled.leds_changed);
    EXPECT_TRUE(toggled.text().is_empty());
    EXPECT_EQ(typist.keyboard.leds(), input::led_caps_lock);
    EXPECT_EQ(typed(typist, Key::Q), "Q");
    EXPECT_EQ(typed(typist, Key::Q, {Key::LeftShift}), "q");
    EXPECT_EQ(typed(typist, Key::Digit1), "1");
    EXPECT_EQ(typed(typist, Key::Digit1, {Key::LeftShift}), "!");
    typist.chord(Key::CapsLock, {});
    EXPECT_EQ(typist.keyboard.leds(), 0);
    EXPECT_EQ(typed(typist, Key::Q), "q");
}

TEST(Keyboard, AHeldLockKeyTogglesOnceDespiteTypematicRepeats) {
    Typist typist;
    EXPECT_TRUE(typist.press(Key::NumLock).leds_changed);
    EXPECT_FALSE(typist.press(Key::NumLock).leds_changed);
    EXPECT_FALSE(typist.press(Key::NumLock).leds_changed);
    typist.release(Key::NumLock);
    EXPECT_TRUE(typist.keyboard.num_lock());
    EXPECT_EQ(typist.keyboard.leds(), input::led_num_lock);
    typist.chord(Key::ScrollLock, {});
    EXPECT_EQ(typist.keyboard.leds(), input::led_num_lock | input::led_scroll_lock);
}

TEST(Keyboard, RepeatedMakeCodesRepeatTheCharacter) {
    Typist typist;
    EXPECT_EQ(bytes_of(typist.press(Key::X)), "x");
    EXPECT_EQ(bytes_of(typist.press(Key::X)), "x");
    EXPECT_TRUE(typist.keyboard.is_down(Key::X));
    typist.release(Key::X);
    EXPECT_FALSE(typist.keyboard.is_down(Key::X));
}

TEST(Keyboard, CtrlMakesControlCodes) {
    Typist typist;
    EXPECT_EQ(typed(typist, Key::C, {Key::LeftCtrl}), "\x03");
    EXPECT_EQ(typed(typist, Key::Z, {Key::RightCtrl}), "\x1a");
    EXPECT_EQ(typed(typist, Key::D, {Key::LeftCtrl}), "\x04");
    EXPECT_EQ(typed(typist, Key::Backslash, {Key::LeftCtrl}), "\x1c");
    EXPECT_EQ(typed(typist, Key::LeftBracket, {Key::LeftCtrl}), "\x1b");
    EXPECT_EQ(typed(typist, Key::RightBracket, {Key::LeftCtrl}), "\x1d");
    EXPECT_EQ(typed(typist, Key::Space, {Key::LeftCtrl}), std::string(1, '\0'));
    EXPECT_EQ(typed(typist, Key::Digit2, {Key::LeftCtrl}), std::string(1, '\0'));
    EXPECT_EQ(typed(typist, Key::Digit6, {Key::LeftCtrl}), "\x1e");
    EXPECT_EQ(typed(typist, Key::Minus, {Key::LeftCtrl, Key::LeftShift}), "\x1f");
    EXPECT_EQ(typed(typist, Key::Digit8, {Key::LeftCtrl}), "\x7f");
    // Caps Lock or Shift does not change a control code.
    EXPECT_EQ(typed(typist, Key::C, {Key::LeftCtrl, Key::LeftShift}), "\x03");
    // Keys with no control form stay as they are.
    EXPECT_EQ(typed(typist, Key::Digit1, {Key::LeftCtrl}), "1");
}

TEST(Keyboard, AltSendsEscapeFirstAndAltGrDoesNot) {
    Typist typist;
    EXPECT_EQ(typed(typist, Key::B, {Key::LeftAlt}), "\x1b"
                                                     "b");
    EXPECT_EQ(typed(typist, Key::B, {Key::LeftAlt, Key::LeftShift}), "\x1b"
                                                                     "B");
    EXPECT_EQ(typed(typist, Key::X, {Key::LeftAlt, Key::LeftCtrl}), "\x1b\x18");
    EXPECT_EQ(typed(typist, Key::Backspace, {Key::LeftAlt}), "\x1b\x7f");
    EXPECT_EQ(typed(typist, Key::B, {Key::RightAlt}), "b");
}

TEST(Keyboard, EnterBackspaceTabAndEscape) {
    Typist typist;
    EXPECT_EQ(typed(typist, Key::Enter), "\r");
    EXPECT_EQ(typed(typist, Key::Backspace), "\x7f");
    EXPECT_EQ(typed(typist, Key::Backspace, {Key::LeftCtrl}), "\b");
    EXPECT_EQ(typed(typist, Key::Tab), "\t");
    EXPECT_EQ(typed(typist, Key::Escape), "\x1b");
}

TEST(Keyboard, CursorKeysFollowApplicationCursorMode) {
    Typist typist;
    EXPECT_EQ(typed(typist, Key::Up), "\x1b[A");
    EXPECT_EQ(typed(typist, Key::Down), "\x1b[B");
    EXPECT_EQ(typed(typist, Key::Right), "\x1b[C");
    EXPECT_EQ(typed(typist, Key::Left), "\x1b[D");
    typist.modes.application_cursor_keys = true;
    EXPECT_EQ(typed(typist, Key::Up), "\x1bOA");
    EXPECT_EQ(typed(typist, Key::Left), "\x1bOD");
    // The editing keys do not change with it.
    EXPECT_EQ(typed(typist, Key::Home), "\x1b[1~");
}

TEST(Keyboard, EditingKeysSendLinuxConsoleSequences) {
    Typist typist;
    EXPECT_EQ(typed(typist, Key::Home), "\x1b[1~");
    EXPECT_EQ(typed(typist, Key::Insert), "\x1b[2~");
    EXPECT_EQ(typed(typist, Key::Delete), "\x1b[3~");
    EXPECT_EQ(typed(typist, Key::End), "\x1b[4~");
    EXPECT_EQ(typed(typist, Key::PageUp), "\x1b[5~");
    EXPECT_EQ(typed(typist, Key::PageDown), "\x1b[6~");
}

TEST(Keyboard, FunctionKeysSendLinuxConsoleSequences) {
    Typist typist;
    const std::pair<Key, const char*> expected[] = {
        {Key::F1, "\x1b[[A"},  {Key::F2, "\x1b[[B"},   {Key::F3, "\x1b[[C"},   {Key::F4, "\x1b[[D"},
        {Key::F5, "\x1b[[E"},  {Key::F6, "\x1b[17~"},  {Key::F7, "\x1b[18~"},  {Key::F8, "\x1b[19~"},
        {Key::F9, "\x1b[20~"}, {Key::F10, "\x1b[21~"}, {Key::F11, "\x1b[23~"}, {Key::F12, "\x1b[24~"},
    };
    for (const auto& [key, sequence] : expected)
        EXPECT_EQ(typed(typist, key), sequence) << "key " << static_cast<int>(key);
    // Shift-F1 is F11, Shift-F10 F20.
    EXPECT_EQ(typed(typist, Key::F1, {Key::LeftShift}), "\x1b[23~");
    EXPECT_EQ(typed(typist, Key::F10, {Key::LeftShift}), "\x1b[34~");
}

TEST(Keyboard, AltFunctionKeysSwitchConsolesAndSendNothing) {
    Typist typist;
    auto result = typist.chord(Key::F2, {Key::LeftAlt});
    EXPECT_EQ(result.action, Action::SwitchConsole);
    EXPECT_EQ(result.argument, 2);
    EXPECT_TRUE(result.text().is_empty());
    result = typist.chord(Key::F4, {Key::LeftCtrl, Key::LeftAlt});
    EXPECT_EQ(result.action, Action::SwitchConsole);
    EXPECT_EQ(result.argument, 4);
    result = typist.chord(Key::F12, {Key::LeftAlt});
    EXPECT_EQ(result.argument, 12);
    EXPECT_EQ(typist.chord(Key::Left, {Key::LeftAlt}).action, Action::PreviousConsole);
    EXPECT_EQ(typist.chord(Key::Right, {Key::LeftAlt}).action, Action::NextConsole);
    // Without Alt, F2 is its escape sequence and no action.
    result = typist.chord(Key::F2, {});
    EXPECT_EQ(result.action, Action::None);
    EXPECT_EQ(bytes_of(result), "\x1b[[B");
}

TEST(Keyboard, ShiftPageKeysScrollTheConsole) {
    Typist typist;
    auto back = typist.chord(Key::PageUp, {Key::LeftShift});
    EXPECT_EQ(back.action, Action::ScrollBack);
    EXPECT_TRUE(back.text().is_empty());
    EXPECT_EQ(typist.chord(Key::PageDown, {Key::RightShift}).action, Action::ScrollForward);
}

TEST(Keyboard, CtrlAltDeleteIsAnActionWithEitherDeleteKey) {
    Typist typist;
    auto result = typist.chord(Key::Delete, {Key::LeftCtrl, Key::LeftAlt});
    EXPECT_EQ(result.action, Action::CtrlAltDelete);
    EXPECT_TRUE(result.text().is_empty());
    EXPECT_EQ(typist.chord(Key::KeypadPeriod, {Key::RightCtrl, Key::LeftAlt}).action, Action::CtrlAltDelete);
    // Without both modifiers Delete is just a key (Alt adds no ESC to it on the Linux console).
    EXPECT_EQ(typist.chord(Key::Delete, {Key::LeftCtrl}).action, Action::None);
    EXPECT_EQ(typed(typist, Key::Delete, {Key::LeftAlt}), "\x1b[3~");
}

TEST(Keyboard, KeypadDependsOnNumLock) {
    Typist typist;
    EXPECT_EQ(typed(typist, Key::Keypad8), "\x1b[A");
    EXPECT_EQ(typed(typist, Key::Keypad7), "\x1b[1~");
    EXPECT_EQ(typed(typist, Key::Keypad5), "\x1b[G");
    EXPECT_EQ(typed(typist, Key::KeypadPeriod), "\x1b[3~");
    EXPECT_EQ(typed(typist, Key::KeypadPlus), "+");
    EXPECT_EQ(typed(typist, Key::KeypadSlash), "/");
    EXPECT_EQ(typed(typist, Key::KeypadEnter), "\r");
    typist.chord(Key::NumLock, {});
    EXPECT_EQ(typed(typist, Key::Keypad8), "8");
    EXPECT_EQ(typed(typist, Key::Keypad5), "5");
    EXPECT_EQ(typed(typist, Key::KeypadPeriod), ".");
    EXPECT_EQ(typed(typist, Key::KeypadAsterisk), "*");
}

TEST(Keyboard, ApplicationKeypadSendsEscOSequencesUnlessShifted) {
    Typist typist;
    typist.modes.application_keypad = true;
    EXPECT_EQ(typed(typist, Key::Keypad0), "\x1bOp");
    EXPECT_EQ(typed(typist, Key::Keypad9), "\x1bOy");
    EXPECT_EQ(typed(typist, Key::KeypadEnter), "\x1bOM");
    EXPECT_EQ(typed(typist, Key::KeypadMinus), "\x1bOS");
    typist.chord(Key::NumLock, {});
    EXPECT_EQ(typed(typist, Key::Keypad1, {Key::LeftShift}), "1");
}

TEST(Keyboard, ModifiersAloneSendNothingAndReleaseCleanly) {
    Typist typist;
    for (Key key : {Key::LeftShift, Key::RightShift, Key::LeftCtrl, Key::RightCtrl, Key::LeftAlt,
                    Key::RightAlt, Key::LeftMeta, Key::Pause, Key::PrintScreen}) {
        auto result = typist.press(key);
        EXPECT_TRUE(result.text().is_empty());
        EXPECT_EQ(result.action, Action::None);
    }
    EXPECT_TRUE(typist.keyboard.shift() && typist.keyboard.ctrl() && typist.keyboard.alt() &&
                typist.keyboard.alt_gr());
    for (Key key :
         {Key::LeftShift, Key::RightShift, Key::LeftCtrl, Key::RightCtrl, Key::LeftAlt, Key::RightAlt})
        typist.release(key);
    EXPECT_FALSE(typist.keyboard.shift() || typist.keyboard.ctrl() || typist.keyboard.alt() ||
                 typist.keyboard.alt_gr());
    EXPECT_EQ(typed(typist, Key::A), "a");
}

TEST(Keyboard, DecodedScancodesTypeAShellLine) {
    // "echo $((6*7))" then Enter, as QEMU's PS/2 keyboard sends it in set 1.
    const uint8_t bytes[] = {0x12, 0x92, 0x2e, 0xae, 0x23, 0xa3, 0x18, 0x98, 0x39, 0xb9,
                             0x2a, 0x05, 0x85, 0xaa, 0x2a, 0x0a, 0x8a, 0xaa, 0x2a, 0x0a,
                             0x8a, 0xaa, 0x07, 0x87, 0x2a, 0x09, 0x89, 0xaa, 0x08, 0x88,
                             0x2a, 0x0b, 0x8b, 0xaa, 0x2a, 0x0b, 0x8b, 0xaa, 0x1c, 0x9c};
    input::ScancodeDecoder decoder;
    input::Keyboard keyboard;
    std::string text;
    for (uint8_t byte : bytes) {
        KeyEvent event;
        if (decoder.feed(byte, event))
            text += bytes_of(keyboard.handle(event));
    }
    EXPECT_EQ(text, "echo $((6*7))\r");
}

} // namespace
