#include "input/keyboard.h"

namespace input {

namespace {

constexpr uint8_t prefix_e0 = 0xe0;
constexpr uint8_t prefix_e1 = 0xe1;
constexpr uint8_t break_bit = 0x80;

// Set 1 codes 0x01-0x53 are the enum's values; three more sit past a gap.
static_assert(static_cast<uint8_t>(Key::Escape) == 0x01 && static_cast<uint8_t>(Key::Enter) == 0x1c &&
              static_cast<uint8_t>(Key::Space) == 0x39 && static_cast<uint8_t>(Key::F10) == 0x44 &&
              static_cast<uint8_t>(Key::KeypadPeriod) == 0x53);

Key plain_key(uint8_t code) {
    if (code >= 0x01 && code <= 0x53)
        return static_cast<Key>(code);
    switch (code) {
    case 0x56:
        return Key::NonUsBackslash;
    case 0x57:
        return Key::F11;
    case 0x58:
        return Key::F12;
    default:
        return Key::None;
    }
}

Key extended_key(uint8_t code) {
    switch (code) {
    case 0x1c:
        return Key::KeypadEnter;
    case 0x1d:
        return Key::RightCtrl;
    case 0x35:
        return Key::KeypadSlash;
    case 0x37:
        return Key::PrintScreen;
    case 0x38:
        return Key::RightAlt;
    case 0x47:
        return Key::Home;
    case 0x48:
        return Key::Up;
    case 0x49:
        return Key::PageUp;
    case 0x4b:
        return Key::Left;
    case 0x4d:
        return Key::Right;
    case 0x4f:
        return Key::End;
    case 0x50:
        return Key::Down;
    case 0x51:
        return Key::PageDown;
    case 0x52:
        return Key::Insert;
    case 0x53:
        return Key::Delete;
    case 0x5b:
        return Key::LeftMeta;
    case 0x5c:
        return Key::RightMeta;
    case 0x5d:
        return Key::Menu;
    default:
        return Key::None; // E0 2A / E0 36 (fake shifts) land here too
    }
}

struct CharacterPair {
    Key key;
    char plain;
    char shifted;
};
constexpr CharacterPair us_layout[] = {
    {Key::Digit1, '1', '!'},
    {Key::Digit2, '2', '@'},
    {Key::Digit3, '3', '#'},
    {Key::Digit4, '4', '$'},
    {Key::Digit5, '5', '%'},
    {Key::Digit6, '6', '^'},
    {Key::Digit7, '7', '&'},
    {Key::Digit8, '8', '*'},
    {Key::Digit9, '9', '('},
    {Key::Digit0, '0', ')'},
    {Key::Minus, '-', '_'},
    {Key::Equals, '=', '+'},
    {Key::Q, 'q', 'Q'},
    {Key::W, 'w', 'W'},
    {Key::E, 'e', 'E'},
    {Key::R, 'r', 'R'},
    {Key::T, 't', 'T'},
    {Key::Y, 'y', 'Y'},
    {Key::U, 'u', 'U'},
    {Key::I, 'i', 'I'},
    {Key::O, 'o', 'O'},
    {Key::P, 'p', 'P'},
    {Key::LeftBracket, '[', '{'},
    {Key::RightBracket, ']', '}'},
    {Key::A, 'a', 'A'},
    {Key::S, 's', 'S'},
    {Key::D, 'd', 'D'},
    {Key::F, 'f', 'F'},
    {Key::G, 'g', 'G'},
    {Key::H, 'h', 'H'},
    {Key::J, 'j', 'J'},
    {Key::K, 'k', 'K'},
    {Key::L, 'l', 'L'},
    {Key::Semicolon, ';', ':'},
    {Key::Apostrophe, '\'', '"'},
    {Key::Grave, '`', '~'},
    {Key::Backslash, '\\', '|'},
    {Key::Z, 'z', 'Z'},
    {Key::X, 'x', 'X'},
    {Key::C, 'c', 'C'},
    {Key::V, 'v', 'V'},
    {Key::B, 'b', 'B'},
    {Key::N, 'n', 'N'},
    {Key::M, 'm', 'M'},
    {Key::Comma, ',', '<'},
    {Key::Period, '.', '>'},
    {Key::Slash, '/', '?'},
    {Key::Space, ' ', ' '},
    {Key::NonUsBackslash, '<', '>'}, // the 102nd key, as Linux's us map has it
};

bool is_letter(char character) {
    return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z');
}

// Ctrl with a character key, as Linux's defkeymap: letters and @[\]^_ become C0 controls, the digit
// row gives the same for 2-8; anything else stays as it is.
char control_character(char character) {
    if (is_letter(character))
        return static_cast<char>(character & 0x1f);
    switch (character) {
    case ' ':
    case '@':
    case '2':
    case '`':
        return 0x00;
    case '[':
    case '{':
    case '3':
        return 0x1b;
    case '\\':
    case '|':
    case '4':
        return 0x1c;
    case ']':
    case '}':
    case '5':
        return 0x1d;
    case '^':
    case '~':
    case '6':
        return 0x1e;
    case '_':
    case '-':
    case '/':
    case '7':
        return 0x1f;
    case '8':
    case '?':
        return 0x7f;
    default:
        return character;
    }
}

void append(KeyResult& result, ktl::StringView text) {
    for (char character : text) {
        if (result.length < KeyResult::max_bytes)
            result.bytes[result.length++] = character;
    }
}

void append_char(KeyResult& result, char character) {
    append(result, ktl::StringView(&character, 1));
}

// Linux's function-key strings: F1-F5 are ESC [ [ A-E, the rest VT220's ESC [ n ~; Shift-F1-F10
// are F11-F20.
constexpr const char* function_key_strings[20] = {
    "\x1b[[A",  "\x1b[[B",  "\x1b[[C",  "\x1b[[D",  "\x1b[[E",  "\x1b[17~", "\x1b[18~",
    "\x1b[19~", "\x1b[20~", "\x1b[21~", "\x1b[23~", "\x1b[24~", "\x1b[25~", "\x1b[26~",
    "\x1b[28~", "\x1b[29~", "\x1b[31~", "\x1b[32~", "\x1b[33~", "\x1b[34~",
};

int function_key_number(Key key) {
    if (key >= Key::F1 && key <= Key::F10)
        return static_cast<int>(key) - static_cast<int>(Key::F1) + 1;
    if (key == Key::F11)
        return 11;
    if (key == Key::F12)
        return 12;
    return 0;
}

// The editing block's keys (and the keypad's without Num Lock): cursor keys follow DECCKM.
bool append_editing_key(KeyResult& result, Key key, TerminalModes modes) {
    const char* cursor_final = nullptr;
    switch (key) {
    case Key::Up:
        cursor_final = "A";
        break;
    case Key::Down:
        cursor_final = "B";
        break;
    case Key::Right:
        cursor_final = "C";
        break;
    case Key::Left:
        cursor_final = "D";
        break;
    case Key::Home:
        append(result, "\x1b[1~");
        return true;
    case Key::Insert:
        append(result, "\x1b[2~");
        return true;
    case Key::Delete:
        append(result, "\x1b[3~");
        return true;
    case Key::End:
        append(result, "\x1b[4~");
        return true;
    case Key::PageUp:
        append(result, "\x1b[5~");
        return true;
    case Key::PageDown:
        append(result, "\x1b[6~");
        return true;
    default:
        return false;
    }
    append(result, modes.application_cursor_keys ? "\x1bO" : "\x1b[");
    append(result, cursor_final);
    return true;
}

struct KeypadKey {
    Key key;
    char numeric;     // with Num Lock
    Key editing;      // without it (None: the key is the same either way)
    char application; // the final byte of ESC O x under DECKPAM
};
constexpr KeypadKey keypad_keys[] = {
    {Key::Keypad0, '0', Key::Insert, 'p'},      {Key::Keypad1, '1', Key::End, 'q'},
    {Key::Keypad2, '2', Key::Down, 'r'},        {Key::Keypad3, '3', Key::PageDown, 's'},
    {Key::Keypad4, '4', Key::Left, 't'},        {Key::Keypad5, '5', Key::None, 'u'},
    {Key::Keypad6, '6', Key::Right, 'v'},       {Key::Keypad7, '7', Key::Home, 'w'},
    {Key::Keypad8, '8', Key::Up, 'x'},          {Key::Keypad9, '9', Key::PageUp, 'y'},
    {Key::KeypadPeriod, '.', Key::Delete, 'n'}, {Key::KeypadPlus, '+', Key::None, 'l'},
    {Key::KeypadMinus, '-', Key::None, 'S'},    {Key::KeypadAsterisk, '*', Key::None, 'R'},
    {Key::KeypadSlash, '/', Key::None, 'Q'},    {Key::KeypadEnter, '\r', Key::None, 'M'},
};

} // namespace

char us_character(Key key, bool shifted) {
    for (const CharacterPair& pair : us_layout) {
        if (pair.key == key)
            return shifted ? pair.shifted : pair.plain;
    }
    return 0;
}

bool ScancodeDecoder::feed(uint8_t byte, KeyEvent& event) {
    switch (m_state) {
    case State::Ground:
        if (byte == prefix_e0) {
            m_state = State::AfterE0;
            return false;
        }
        if (byte == prefix_e1) {
            m_state = State::Pause1;
            return false;
        }
        event = {plain_key(byte & ~break_bit), (byte & break_bit) == 0};
        return event.key != Key::None;
    case State::AfterE0:
        m_state = State::Ground;
        event = {extended_key(byte & ~break_bit), (byte & break_bit) == 0};
        return event.key != Key::None;
    case State::Pause1:
        m_pause_break = byte == (0x1d | break_bit);
        m_state = (byte & ~break_bit) == 0x1d ? State::Pause2 : State::Ground;
        return false;
    case State::Pause2:
        m_state = State::Ground;
        if ((byte & ~break_bit) != 0x45)
            return false;
        event = {Key::Pause, !m_pause_break};
        return true;
    }
    return false;
}

uint8_t Keyboard::leds() const {
    return (m_scroll_lock ? led_scroll_lock : 0) | (m_num_lock ? led_num_lock : 0) |
           (m_caps_lock ? led_caps_lock : 0);
}

KeyResult Keyboard::handle(KeyEvent event, TerminalModes modes) {
    KeyResult result;
    if (event.key == Key::None || event.key >= Key::Count)
        return result;
    bool& down = m_down[index(event.key)];
    if (!event.pressed) {
        down = false;
        return result;
    }
    // Typematic repeat sends the make code again while the key is held.
    bool repeat = down;
    down = true;
    press(result, event.key, repeat, modes);
    return result;
}

void Keyboard::press(KeyResult& result, Key key, bool repeat, TerminalModes modes) {
    switch (key) {
    case Key::CapsLock:
    case Key::NumLock:
    case Key::ScrollLock:
        if (repeat)
            return; // a held lock key toggles once
        (key == Key::CapsLock ? m_caps_lock : key == Key::NumLock ? m_num_lock : m_scroll_lock) ^= true;
        result.leds_changed = true;
        return;
    case Key::LeftShift:
    case Key::RightShift:
    case Key::LeftCtrl:
    case Key::RightCtrl:
    case Key::LeftAlt:
    case Key::RightAlt:
    case Key::LeftMeta:
    case Key::RightMeta:
    case Key::Menu:
    case Key::PrintScreen:
    case Key::Pause:
        return;
    default:
        break;
    }

    if (int number = function_key_number(key)) {
        if (alt()) { // Alt-Fn and Ctrl-Alt-Fn: console n
            result.action = Action::SwitchConsole;
            result.argument = static_cast<uint8_t>(number);
            return;
        }
        if (shift() && number <= 10)
            number += 10;
        append(result, function_key_strings[number - 1]);
        return;
    }
    if (ctrl() && (alt() || alt_gr()) && (key == Key::Delete || key == Key::KeypadPeriod)) {
        result.action = Action::CtrlAltDelete;
        return;
    }
    if (alt() && (key == Key::Left || key == Key::Right)) {
        result.action = key == Key::Left ? Action::PreviousConsole : Action::NextConsole;
        return;
    }
    if (shift() && (key == Key::PageUp || key == Key::PageDown)) {
        result.action = key == Key::PageUp ? Action::ScrollBack : Action::ScrollForward;
        return;
    }
    if (append_editing_key(result, key, modes))
        return;

    for (const KeypadKey& pad : keypad_keys) {
        if (pad.key != key)
            continue;
        if (modes.application_keypad && !shift()) {
            append(result, "\x1bO");
            append_char(result, pad.application);
        } else if (pad.editing == Key::None || m_num_lock) {
            if (key == Key::Keypad5 && !m_num_lock)
                append(result, "\x1b[G"); // Linux's keypad 5 without Num Lock
            else
                append_char(result, pad.numeric);
        } else {
            append_editing_key(result, pad.editing, modes);
        }
        return;
    }

    // Keys that give one character; Alt (not AltGr) sends it after an ESC, as Linux's meta does.
    char character = 0;
    switch (key) {
    case Key::Enter:
        character = '\r';
        break;
    case Key::Backspace:
        character = ctrl() ? '\b' : 0x7f;
        break;
    case Key::Tab:
        character = '\t';
        break;
    case Key::Escape:
        character = 0x1b;
        break;
    default: {
        char plain = us_character(key, false);
        if (!plain)
            return;
        bool shifted = shift();
        if (m_caps_lock && is_letter(plain))
            shifted = !shifted;
        character = us_character(key, shifted);
        if (ctrl())
            character = control_character(character);
        break;
    }
    }
    if (alt())
        append_char(result, 0x1b);
    append_char(result, character);
}

} // namespace input
