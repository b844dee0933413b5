// Colours of the text console: 24-bit RGB values and the 16-colour ANSI palette. The palette is
// the classic VGA one (the Linux console's), so the kernel looks like a PC text console and the
// banner's colours are exact byte values a screenshot comparison can check.
#pragma once

#include <array>
#include <cstdint>

namespace console {

struct Rgb {
    uint8_t r = 0;
    uint8_t g = 0;
    uint8_t b = 0;

    constexpr bool operator==(const Rgb&) const = default;
};

// Indexed like SGR 30-37 (0-7) and 90-97 (8-15).
inline constexpr std::array<Rgb, 16> ansi_palette = {{
    {0, 0, 0},       // 0 black
    {170, 0, 0},     // 1 red
    {0, 170, 0},     // 2 green
    {170, 85, 0},    // 3 yellow (VGA brown)
    {0, 0, 170},     // 4 blue
    {170, 0, 170},   // 5 magenta
    {0, 170, 170},   // 6 cyan
    {170, 170, 170}, // 7 light grey
    {85, 85, 85},    // 8 dark grey
    {255, 85, 85},   // 9 bright red
    {85, 255, 85},   // 10 bright green
    {255, 255, 85},  // 11 bright yellow
    {85, 85, 255},   // 12 bright blue
    {255, 85, 255},  // 13 bright magenta
    {85, 255, 255},  // 14 bright cyan
    {255, 255, 255}, // 15 white
}};

enum class AnsiColor : uint8_t {
    Black = 0,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    LightGrey,
    DarkGrey,
    BrightRed,
    BrightGreen,
    BrightYellow,
    BrightBlue,
    BrightMagenta,
    BrightCyan,
    White,
};

constexpr Rgb ansi_color(AnsiColor color) {
    return ansi_palette[static_cast<uint8_t>(color)];
}

inline constexpr Rgb default_foreground = ansi_color(AnsiColor::LightGrey);
inline constexpr Rgb default_background = ansi_color(AnsiColor::Black);

// xterm's 256-colour table (SGR 38;5;n / 48;5;n): 0-15 the palette above, 16-231 a 6x6x6 cube,
// 232-255 a grey ramp. Integer-only, exact xterm values.
constexpr Rgb xterm_256_color(uint8_t index) {
    if (index < 16)
        return ansi_palette[index];
    if (index < 232) {
        constexpr uint8_t levels[6] = {0, 95, 135, 175, 215, 255};
        uint8_t cube = static_cast<uint8_t>(index - 16);
        return {levels[cube / 36], levels[(cube / 6) % 6], levels[cube % 6]};
    }
    uint8_t grey = static_cast<uint8_t>(8 + 10 * (index - 232));
    return {grey, grey, grey};
}

} // namespace console
