// The PC keyboard as a terminal sees it: PS/2 scancode set 1 (what the i8042 delivers with its
// translation on) decoded into key events, the modifier and lock state, the US layout, and each key
// press turned into the bytes a Linux console sends (TERM=linux) or into an action of the console
// itself (switch virtual terminal, scroll back, change the LEDs). Freestanding, so the host tests
// check the tables the kernel uses.
#pragma once

#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace input {

// Physical keys of a 104-key US keyboard, named after their US legends.
enum class Key : uint8_t {
    None,
    Escape,
    Digit1,
    Digit2,
    Digit3,
    Digit4,
    Digit5,
    Digit6,
    Digit7,
    Digit8,
    Digit9,
    Digit0,
    Minus,
    Equals,
    Backspace,
    Tab,
    Q,
    W,
    E,
    R,
    T,
    Y,
    U,
    I,
    O,
    P,
    LeftBracket,
    RightBracket,
    Enter,
    LeftCtrl,
    A,
    S,
    D,
    F,
    G,
    H,
    J,
    K,
    L,
    Semicolon,
    Apostrophe,
    Grave,
    LeftShift,
    Backslash,
    Z,
    X,
    C,
    V,
    B,
    N,
    M,
    Comma,
    Period,
    Slash,
    RightShift,
    KeypadAsterisk,
    LeftAlt,
    Space,
    CapsLock,
    F1,
    F2,
    F3,
    F4,
    F5,
    F6,
    F7,
    F8,
    F9,
    F10,
    NumLock,
    ScrollLock,
    Keypad7,
    Keypad8,
    Keypad9,
    KeypadMinus,
    Keypad4,
    Keypad5,
    Keypad6,
    KeypadPlus,
    Keypad1,
    Keypad2,
    Keypad3,
    Keypad0,
    KeypadPeriod,
    NonUsBackslash,
    F11,
    F12,
    // Keys behind the E0 prefix.
    KeypadEnter,
    RightCtrl,
    KeypadSlash,
    PrintScreen,
    RightAlt,
    Home,
    Up,
    PageUp,
    Left,
    Right,
    End,
    Down,
    PageDown,
    Insert,
    Delete,
    LeftMeta,
    RightMeta,
    Menu,
    Pause, // E1 1D 45, make only
    Count
};

struct KeyEvent {
    Key key = Key::None;
    bool pressed = false;
};

// Scancode set 1, one byte at a time: a code is a make, code | 0x80 its break; E0 starts a
// two-byte code, E1 1D 45 (E1 9D C5) is Pause. The fake shifts some keyboards send around E0 keys
// (E0 2A, E0 36 and their breaks) and bytes that are no key (the keyboard's ACK, resend, echo and
// error codes) give nothing.
class ScancodeDecoder {
public:
    // True and `event` filled when `byte` completes a key event.
    bool feed(uint8_t byte, KeyEvent& event);
    void reset() { m_state = State::Ground; }

private:
    enum class State : uint8_t { Ground, AfterE0, Pause1, Pause2 };
    State m_state = State::Ground;
    bool m_pause_break = false;
};

// The keyboard LEDs as the PS/2 Set LEDs command (0xED) takes them.
inline constexpr uint8_t led_scroll_lock = 1u << 0;
inline constexpr uint8_t led_num_lock = 1u << 1;
inline constexpr uint8_t led_caps_lock = 1u << 2;

// What the running program asked of the terminal (DECCKM, DECKPAM), which changes some keys' bytes.
struct TerminalModes {
    bool application_cursor_keys = false;
    bool application_keypad = false;
};

// What the console itself does with a key, apart from any bytes.
enum class Action : uint8_t {
    None,
    SwitchConsole,   // to console `argument` (1-based): Alt-Fn, Ctrl-Alt-Fn
    PreviousConsole, // Alt-Left
    NextConsole,     // Alt-Right
    ScrollBack,      // Shift-PageUp: half a screen into the history
    ScrollForward,   // Shift-PageDown
    CtrlAltDelete,   // Ctrl-Alt-Delete (or the keypad's Delete): reboot, or tell init
};

struct KeyResult {
    static constexpr size_t max_bytes = 8;
    char bytes[max_bytes] = {};
    uint8_t length = 0;
    Action action = Action::None;
    uint8_t argument = 0;
    bool leds_changed = false; // a lock key toggled: send leds() to the keyboard

    ktl::StringView text() const { return ktl::StringView(bytes, length); }
};

// Modifier and lock state plus the US layout: Linux's default keymap (defkeymap) for the keys a
// terminal uses. Locks start off.
class Keyboard {
public:
    KeyResult handle(KeyEvent event, TerminalModes modes = {});

    bool shift() const { return m_down[index(Key::LeftShift)] || m_down[index(Key::RightShift)]; }
    bool ctrl() const { return m_down[index(Key::LeftCtrl)] || m_down[index(Key::RightCtrl)]; }
    bool alt() const { return m_down[index(Key::LeftAlt)]; }
    bool alt_gr() const { return m_down[index(Key::RightAlt)]; }
    bool caps_lock() const { return m_caps_lock; }
    bool num_lock() const { return m_num_lock; }
    bool scroll_lock() const { return m_scroll_lock; }
    uint8_t leds() const;
    bool is_down(Key key) const { return m_down[index(key)]; }

private:
    static constexpr size_t index(Key key) { return static_cast<size_t>(key); }
    void press(KeyResult& result, Key key, bool repeat, TerminalModes modes);

    bool m_down[static_cast<size_t>(Key::Count)] = {};
    bool m_caps_lock = false;
    bool m_num_lock = false;
    bool m_scroll_lock = false;
};

// The character a key gives on the US layout, unshifted or shifted; 0 for keys without one.
char us_character(Key key, bool shifted);

} // namespace input
