// Linux's terminal ABI (asm-generic/termbits.h, ioctls.h): struct termios as TCGETS/TCSETS pass it,
// its flag bits and control characters, the window size, and the terminal ioctl numbers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tty {

struct Termios {
    uint32_t input_flags;
    uint32_t output_flags;
    uint32_t control_flags;
    uint32_t local_flags;
    uint8_t line_discipline;
    uint8_t control_characters[19];
};
static_assert(sizeof(Termios) == 36 && offsetof(Termios, control_characters) == 17);

struct WindowSize {
    uint16_t rows, columns, x_pixels, y_pixels;
};
static_assert(sizeof(WindowSize) == 8);

// c_iflag
inline constexpr uint32_t iflag_ignore_cr = 0000200, iflag_cr_to_nl = 0000400, iflag_nl_to_cr = 0000100,
                          iflag_xon = 0002000, iflag_utf8 = 0040000;
// c_oflag
inline constexpr uint32_t oflag_post = 0000001, oflag_nl_to_crnl = 0000004;
// c_cflag
inline constexpr uint32_t cflag_baud_38400 = 0000017, cflag_8_bits = 0000060, cflag_read = 0000200;
// c_lflag
inline constexpr uint32_t lflag_signals = 0000001, lflag_canonical = 0000002, lflag_echo = 0000010,
                          lflag_echo_erase = 0000020, lflag_echo_kill = 0000040, lflag_echo_nl = 0000100,
                          lflag_no_flush = 0000200, lflag_stop_background_output = 0000400,
                          lflag_echo_control = 0001000, lflag_echo_kill_erase = 0004000,
                          lflag_extended = 0100000;

// c_cc indices.
inline constexpr int cc_interrupt = 0, cc_quit = 1, cc_erase = 2, cc_kill = 3, cc_eof = 4, cc_time = 5,
                     cc_min = 6, cc_start = 8, cc_stop = 9, cc_suspend = 10, cc_end_of_line = 11,
                     cc_reprint = 12, cc_word_erase = 14, cc_literal_next = 15, cc_end_of_line2 = 16;
inline constexpr uint8_t cc_disabled = 0; // _POSIX_VDISABLE

// ioctl requests.
inline constexpr uint64_t tcgets = 0x5401, tcsets = 0x5402, tcsetsw = 0x5403, tcsetsf = 0x5404,
                          tcflsh = 0x540b, tiocsctty = 0x540e, tiocgpgrp = 0x540f, tiocspgrp = 0x5410,
                          tiocoutq = 0x5411, tiocgwinsz = 0x5413, tiocswinsz = 0x5414, fionread = 0x541b,
                          tiocnotty = 0x5422, tiocgsid = 0x5429, tiocgptn = 0x80045430,
                          tiocsptlck = 0x40045431, tiocgptlck = 0x80045439, tiocgptpeer = 0x5441;
// TCFLSH's argument.
inline constexpr uint64_t flush_input = 0, flush_output = 1, flush_both = 2;

// What Linux gives a new terminal (tty_std_termios, with n_tty's INIT_C_CC).
constexpr Termios default_termios() {
    Termios termios{};
    termios.input_flags = iflag_cr_to_nl | iflag_xon;
    termios.output_flags = oflag_post | oflag_nl_to_crnl;
    termios.control_flags = cflag_baud_38400 | cflag_8_bits | cflag_read;
    termios.local_flags = lflag_signals | lflag_canonical | lflag_echo | lflag_echo_erase | lflag_echo_kill |
                          lflag_echo_control | lflag_echo_kill_erase | lflag_extended;
    uint8_t* cc = termios.control_characters;
    cc[cc_interrupt] = 0x03; // ^C
    cc[cc_quit] = 0x1c;      // ^\ (backslash)
    cc[cc_erase] = 0x7f;     // ^?
    cc[cc_kill] = 0x15;      // ^U
    cc[cc_eof] = 0x04;       // ^D
    cc[cc_min] = 1;
    cc[cc_start] = 0x11;        // ^Q
    cc[cc_stop] = 0x13;         // ^S
    cc[cc_suspend] = 0x1a;      // ^Z
    cc[cc_reprint] = 0x12;      // ^R
    cc[cc_word_erase] = 0x17;   // ^W
    cc[cc_literal_next] = 0x16; // ^V
    cc[cc_end_of_line2] = 0;
    cc[13] = 0x0f; // VDISCARD ^O
    return termios;
}

} // namespace tty
