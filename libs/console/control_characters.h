// The control characters and byte classes of the escape sequence parser (ECMA-48, DEC/xterm).
#pragma once

namespace console::control {

inline constexpr char32_t escape = 0x1B;
inline constexpr char32_t cancel = 0x18;     // CAN: aborts a sequence
inline constexpr char32_t substitute = 0x1A; // SUB: aborts a sequence
inline constexpr char32_t bell = 0x07;       // also ends an OSC string (xterm)
inline constexpr char32_t del = 0x7F;

constexpr bool is_c0_control(char32_t codepoint) {
    return codepoint < 0x20;
}
constexpr bool is_c1_control(char32_t codepoint) {
    return codepoint >= 0x80 && codepoint <= 0x9F;
}
constexpr bool is_final_byte(char32_t codepoint) {
    return codepoint >= 0x40 && codepoint <= 0x7E;
}
constexpr bool is_intermediate_byte(char32_t codepoint) {
    return codepoint >= 0x20 && codepoint <= 0x2F;
}
constexpr bool is_private_marker(char32_t codepoint) {
    return codepoint >= 0x3C && codepoint <= 0x3F; // < = > ?
}

} // namespace console::control
