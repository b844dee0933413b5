// TextConsole's escape sequence parser: the shape of the DEC/xterm state machine (Paul Williams'
// VT500 diagram), with the states needed to swallow every sequence it does not implement, and the
// dispatch of ESC, CSI and SGR sequences to the screen operations.
#include "console/control_characters.h"
#include "console/text_console.h"

namespace console {

using namespace control;

namespace {

constexpr int hex_value(char32_t codepoint) {
    if (codepoint >= U'0' && codepoint <= U'9')
        return static_cast<int>(codepoint - U'0');
    if (codepoint >= U'a' && codepoint <= U'f')
        return static_cast<int>(codepoint - U'a' + 10);
    if (codepoint >= U'A' && codepoint <= U'F')
        return static_cast<int>(codepoint - U'A' + 10);
    return -1;
}

// "12" into `out` (room for 10 digits); returns the end.
char* format_decimal(char* out, uint32_t value) {
    char digits[10];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
        *out++ = digits[--count];
    return out;
}

} // namespace

void TextConsole::process(char32_t codepoint) {
    switch (m_state) {
    case ParserState::Ground:
        if (codepoint == escape)
            m_state = ParserState::Escape;
        else if (is_c0_control(codepoint))
            execute_control(codepoint);
        else if (codepoint != del && !is_c1_control(codepoint))
            put_printable(codepoint);
        return;
    case ParserState::OscStart:
        if (codepoint == U'P') {
            m_state = ParserState::LinuxPalette;
            m_palette_digits = 0;
            m_palette_value = 0;
            return;
        }
        if (codepoint == U'R') {
            // Linux: reset the palette.
            m_state = ParserState::Ground;
            for (uint32_t i = 0; i < 16; ++i)
                m_palette[i] = ansi_palette[i];
            repaint();
            return;
        }
        m_state = ParserState::String;
        process(codepoint);
        return;
    case ParserState::LinuxPalette:
        process_linux_palette(codepoint);
        return;
    case ParserState::String:
        if (codepoint == bell || codepoint == cancel || codepoint == substitute)
            m_state = ParserState::Ground;
        else if (codepoint == escape)
            m_state = ParserState::StringEscape;
        return;
    case ParserState::StringEscape:
        // ESC '\' is the string terminator; ESC anything else ends the string and starts a new escape.
        m_state = ParserState::Escape;
        if (codepoint == U'\\')
            m_state = ParserState::Ground;
        else
            process(codepoint);
        return;
    default:
        break;
    }

    // Inside ESC / CSI: controls still act (as on a VT100), CAN/SUB abort, ESC starts over.
    if (codepoint == cancel || codepoint == substitute) {
        m_state = ParserState::Ground;
    } else if (codepoint == escape) {
        m_state = ParserState::Escape;
    } else if (is_c0_control(codepoint)) {
        execute_control(codepoint);
    } else if (codepoint == del) {
        // ignored everywhere
    } else if (codepoint > del) {
        // No sequence contains non-ASCII: drop the sequence and the character.
        m_state = ParserState::Ground;
    } else if (m_state == ParserState::Escape) {
        process_escape(codepoint);
    } else if (m_state == ParserState::EscapeIntermediate) {
        if (!is_intermediate_byte(codepoint)) {
            m_state = ParserState::Ground;
            dispatch_escape(m_intermediate, codepoint);
        }
    } else {
        process_csi(codepoint);
    }
}

void TextConsole::process_linux_palette(char32_t codepoint) {
    int value = hex_value(codepoint);
    if (value < 0) {
        // Not a palette sequence after all: drop it, and let the byte act.
        m_state = ParserState::Ground;
        process(codepoint);
        return;
    }
    m_palette_value = (m_palette_value << 4) | static_cast<uint32_t>(value);
    if (++m_palette_digits < 7)
        return;
    m_state = ParserState::Ground;
    uint32_t index = (m_palette_value >> 24) & 15;
    m_palette[index] = {static_cast<uint8_t>(m_palette_value >> 16),
                        static_cast<uint8_t>(m_palette_value >> 8), static_cast<uint8_t>(m_palette_value)};
    repaint();
}

void TextConsole::process_escape(char32_t codepoint) {
    switch (codepoint) {
    case U'[':
        start_csi();
        m_state = ParserState::Csi;
        return;
    case U']':
        m_state = ParserState::OscStart;
        return;
    case U'P': // DCS
    case U'X': // SOS
    case U'^': // PM
    case U'_': // APC
        m_state = ParserState::String;
        return;
    default:
        if (is_intermediate_byte(codepoint)) {
            m_intermediate = codepoint;
            m_state = ParserState::EscapeIntermediate;
            return;
        }
        m_state = ParserState::Ground;
        dispatch_escape(0, codepoint);
        return;
    }
}

void TextConsole::dispatch_escape(char32_t intermediate, char32_t final_byte) {
    if (m_rows == 0)
        return;
    if (intermediate == U'(' || intermediate == U')') {
        // Character set designation: '0' is DEC special graphics, anything else (B, U, K...) ASCII.
        bool graphics = final_byte == U'0';
        (intermediate == U'(' ? m_g0_graphics : m_g1_graphics) = graphics;
        return;
    }
    if (intermediate == U'#' && final_byte == U'8') {
        // DECALN: the screen full of 'E', margins reset, cursor home.
        for (uint32_t row = m_pinned_rows; row < m_rows; ++row) {
            Cell* cells = screen_row(row);
            for (uint32_t column = 0; column < m_columns; ++column)
                cells[column] = {U'E', 0, {}, {}};
            draw_row(row);
        }
        m_scroll_top = m_pinned_rows;
        m_scroll_bottom = m_rows - 1;
        move_to(0, m_pinned_rows);
        return;
    }
    if (intermediate != 0)
        return; // ESC % G (UTF-8) and the like: nothing to do
    switch (final_byte) {
    case U'7':
        save_cursor();
        return;
    case U'8':
        restore_cursor();
        return;
    case U'D': // IND
        line_feed();
        return;
    case U'E': // NEL
        carriage_return();
        line_feed();
        return;
    case U'M': // RI
        reverse_index();
        return;
    case U'H': // HTS
        if (m_column < max_tab_stop_columns)
            m_tab_stops[m_column / 64] |= uint64_t(1) << (m_column % 64);
        return;
    case U'c': // RIS
        full_reset();
        return;
    case U'=': // DECKPAM
        m_application_keypad = true;
        return;
    case U'>': // DECKPNM
        m_application_keypad = false;
        return;
    case U'Z': // DECID: as DA
        reply("\033[?6c");
        return;
    default:
        return;
    }
}

void TextConsole::start_csi() {
    for (uint16_t& parameter : m_parameters)
        parameter = 0;
    m_parameter_index = 0;
    m_subparameters = 0;
    m_has_parameters = false;
    m_private_marker = 0;
    m_intermediate = 0;
}

void TextConsole::process_csi(char32_t codepoint) {
    if (m_state == ParserState::CsiIgnore) {
        if (is_final_byte(codepoint))
            m_state = ParserState::Ground;
        return;
    }
    if (m_intermediate != 0 && !is_intermediate_byte(codepoint) && !is_final_byte(codepoint)) {
        m_state = ParserState::CsiIgnore; // parameters after an intermediate byte
        return;
    }
    if (codepoint >= U'0' && codepoint <= U'9') {
        m_has_parameters = true;
        if (m_parameter_index < max_parameters) {
            uint32_t value = m_parameters[m_parameter_index] * 10u + (codepoint - U'0');
            m_parameters[m_parameter_index] =
                static_cast<uint16_t>(value > max_parameter_value ? max_parameter_value : value);
        }
    } else if (codepoint == U';' || codepoint == U':') {
        m_has_parameters = true;
        if (m_parameter_index < max_parameters) {
            ++m_parameter_index;
            if (codepoint == U':' && m_parameter_index < max_parameters)
                m_subparameters |= 1u << m_parameter_index;
        }
    } else if (is_private_marker(codepoint)) {
        if (m_has_parameters || m_private_marker != 0)
            m_state = ParserState::CsiIgnore; // only right after CSI
        else
            m_private_marker = codepoint;
    } else if (is_intermediate_byte(codepoint)) {
        if (m_intermediate != 0)
            m_state = ParserState::CsiIgnore; // no sequence here has two
        else
            m_intermediate = codepoint;
    } else if (is_final_byte(codepoint)) {
        m_state = ParserState::Ground;
        dispatch_csi(codepoint);
    }
}

uint32_t TextConsole::parameter_count() const {
    if (!m_has_parameters)
        return 0;
    return m_parameter_index < max_parameters ? m_parameter_index + 1 : max_parameters;
}

uint32_t TextConsole::parameter(uint32_t index, uint32_t fallback) const {
    return index < parameter_count() ? m_parameters[index] : fallback;
}

uint32_t TextConsole::count_parameter(uint32_t index) const {
    uint32_t value = parameter(index, 1);
    return value == 0 ? 1 : value;
}

void TextConsole::reply(ktl::StringView bytes) {
    if (m_reply_sink)
        m_reply_sink->reply(bytes);
}

void TextConsole::report_cursor_position() {
    uint32_t origin = m_origin_mode ? m_scroll_top : m_pinned_rows;
    char text[32];
    char* end = text;
    *end++ = '\033';
    *end++ = '[';
    end = format_decimal(end, m_row - origin + 1);
    *end++ = ';';
    end = format_decimal(end, m_column + 1);
    *end++ = 'R';
    reply(ktl::StringView(text, static_cast<size_t>(end - text)));
}

void TextConsole::dispatch_csi(char32_t final_byte) {
    if (m_rows == 0)
        return;
    if (m_intermediate != 0) {
        if (m_intermediate == U'!' && final_byte == U'p' && m_private_marker == 0)
            soft_reset(); // DECSTR
        return;           // DECSCUSR (CSI Ps SP q) and the like: ignored
    }
    if (m_private_marker == U'?') {
        if (final_byte == U'h' || final_byte == U'l') {
            for (uint32_t i = 0; i < parameter_count(); ++i)
                set_mode(true, m_parameters[i], final_byte == U'h');
        }
        return; // ESC[?1c (Linux cursor shape), ESC[?6n, ESC[?r and others: ignored
    }
    if (m_private_marker == U'>') {
        if (final_byte == U'c' && parameter(0, 0) == 0)
            reply("\033[>0;10;0c"); // secondary DA: a VT100, firmware 10
        return;
    }
    if (m_private_marker != 0)
        return;

    uint32_t origin = m_origin_mode ? m_scroll_top : m_pinned_rows;
    switch (final_byte) {
    case U'@': // ICH
        insert_cells(count_parameter(0));
        return;
    case U'A': // CUU
        move_up(count_parameter(0));
        return;
    case U'B': // CUD
    case U'e': // VPR
        move_down(count_parameter(0));
        return;
    case U'C': // CUF
    case U'a': // HPR
        m_column = m_column + count_parameter(0) < m_columns ? m_column + count_parameter(0) : m_columns - 1;
        m_wrap_pending = false;
        return;
    case U'D': // CUB
        m_column = m_column > count_parameter(0) ? m_column - count_parameter(0) : 0;
        m_wrap_pending = false;
        return;
    case U'E': // CNL
        move_down(count_parameter(0));
        m_column = 0;
        return;
    case U'F': // CPL
        move_up(count_parameter(0));
        m_column = 0;
        return;
    case U'G': // CHA
    case U'`': // HPA
        move_to(count_parameter(0) - 1 < m_columns ? count_parameter(0) - 1 : m_columns - 1, m_row);
        return;
    case U'H': // CUP
    case U'f': // HVP
        move_to_addressed(count_parameter(1), count_parameter(0));
        return;
    case U'I': // CHT
        tab_forward(count_parameter(0));
        return;
    case U'J': // ED
        erase_in_display(parameter(0, 0));
        return;
    case U'K': // EL
        erase_in_line(parameter(0, 0));
        return;
    case U'L': // IL
        insert_lines(count_parameter(0));
        return;
    case U'M': // DL
        delete_lines(count_parameter(0));
        return;
    case U'P': // DCH
        delete_cells(count_parameter(0));
        return;
    case U'S': // SU
        scroll_region_up(m_scroll_top, m_scroll_bottom, count_parameter(0), true);
        return;
    case U'T': // SD (with 5 parameters it is xterm's mouse tracking: ignored)
        if (parameter_count() <= 1)
            scroll_region_down(m_scroll_top, m_scroll_bottom, count_parameter(0));
        return;
    case U'X': { // ECH
        uint32_t count = count_parameter(0);
        uint32_t end = count < m_columns - m_column ? m_column + count : m_columns;
        erase_cells(m_row, m_column, end);
        m_wrap_pending = false;
        return;
    }
    case U'Z': // CBT
        tab_backward(count_parameter(0));
        return;
    case U'b': { // REP: the last printed character again, at most a screenful
        uint32_t count = count_parameter(0);
        uint32_t limit = m_columns * (m_rows - m_pinned_rows);
        if (m_last_printed == 0)
            return;
        char32_t character = m_last_printed;
        for (uint32_t i = 0; i < count && i < limit; ++i)
            put_printable(character);
        return;
    }
    case U'c': // DA
        if (parameter(0, 0) == 0)
            reply("\033[?6c");
        return;
    case U'd': { // VPA
        uint32_t row = origin + count_parameter(0) - 1;
        uint32_t bottom = m_origin_mode ? m_scroll_bottom : m_rows - 1;
        move_to(m_column, row < bottom ? row : bottom);
        return;
    }
    case U'g': // TBC
        if (parameter(0, 0) == 0) {
            if (m_column < max_tab_stop_columns)
                m_tab_stops[m_column / 64] &= ~(uint64_t(1) << (m_column % 64));
        } else if (parameter(0, 0) == 3) {
            for (uint64_t& word : m_tab_stops)
                word = 0;
        }
        return;
    case U'h': // SM
    case U'l': // RM
        for (uint32_t i = 0; i < parameter_count(); ++i)
            set_mode(false, m_parameters[i], final_byte == U'h');
        return;
    case U'm': // SGR
        select_graphic_rendition();
        return;
    case U'n': // DSR
        if (parameter(0, 0) == 5)
            reply("\033[0n");
        else if (parameter(0, 0) == 6)
            report_cursor_position();
        return;
    case U'r': // DECSTBM
        set_scroll_region(parameter(0, 0), parameter(1, 0));
        return;
    case U's': // SCOSC
        save_cursor();
        return;
    case U'u': // SCORC
        restore_cursor();
        return;
    default:
        return;
    }
}

void TextConsole::set_mode(bool private_mode, uint32_t mode, bool on) {
    if (!private_mode) {
        if (mode == 4)
            m_insert_mode = on; // IRM
        else if (mode == 20)
            m_new_line_mode = on; // LNM
        return;
    }
    switch (mode) {
    case 1: // DECCKM
        m_application_cursor_keys = on;
        return;
    case 5: // DECSCNM: the whole screen in reverse video
        if (m_reverse_screen != on) {
            m_reverse_screen = on;
            repaint();
        }
        return;
    case 6: // DECOM: homes the cursor, to the top margin when on
        m_origin_mode = on;
        move_to(0, on ? m_scroll_top : m_pinned_rows);
        return;
    case 7: // DECAWM
        m_autowrap = on;
        if (!on)
            m_wrap_pending = false;
        return;
    case 25: // DECTCEM
        m_cursor_visible = on;
        return;
    case 47: // the alternate screen
        switch_screen(on);
        return;
    case 1047: // the alternate screen, cleared when leaving it
        if (!on && m_screen == m_alternate) {
            clear_screen_cells(m_alternate);
        }
        switch_screen(on);
        return;
    case 1048: // save / restore the cursor
        if (on)
            save_cursor();
        else
            restore_cursor();
        return;
    case 1049: // save the cursor, switch to the alternate screen and clear it; back and restore
        if (on) {
            save_cursor(); // into the slot of the screen in use, as xterm
            clear_screen_cells(m_alternate);
            if (m_screen == m_alternate)
                draw_rows(m_pinned_rows, m_rows - 1);
            switch_screen(true);
        } else {
            switch_screen(false);
            restore_cursor();
        }
        return;
    default:
        return; // mouse reporting, bracketed paste, cursor blink...: nothing to do
    }
}

void TextConsole::select_graphic_rendition() {
    uint32_t count = parameter_count();
    if (count == 0)
        count = 1; // ESC[m is ESC[0m; the parameters are all zero
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t code = m_parameters[i];
        // Sub-parameters (ESC[4:3m) belong to the code before them; the ones not read are skipped.
        uint32_t end = i + 1;
        while (end < count && is_subparameter(end))
            ++end;
        uint32_t subparameters = end - i - 1;
        auto set = [&](uint8_t attribute, bool on) {
            uint32_t value = m_pen.attributes;
            m_pen.attributes = on ? (value | attribute) : (value & ~static_cast<uint32_t>(attribute));
        };
        if (code == 0) {
            m_pen = {};
        } else if (code == 1) {
            set(cell_attribute::bold, true);
        } else if (code == 2) {
            set(cell_attribute::dim, true);
        } else if (code == 3) {
            set(cell_attribute::italic, true);
        } else if (code == 4) {
            set(cell_attribute::underline, subparameters == 0 || m_parameters[i + 1] != 0);
        } else if (code == 5 || code == 6) {
            set(cell_attribute::blink, true);
        } else if (code == 7) {
            set(cell_attribute::reverse, true);
        } else if (code == 8) {
            set(cell_attribute::concealed, true);
        } else if (code == 9) {
            set(cell_attribute::strike, true);
        } else if (code == 21) {
            set(cell_attribute::underline, true); // double underline, drawn single
        } else if (code == 22) {
            set(cell_attribute::bold, false);
            set(cell_attribute::dim, false);
        } else if (code == 23) {
            set(cell_attribute::italic, false);
        } else if (code == 24) {
            set(cell_attribute::underline, false);
        } else if (code == 25) {
            set(cell_attribute::blink, false);
        } else if (code == 27) {
            set(cell_attribute::reverse, false);
        } else if (code == 28) {
            set(cell_attribute::concealed, false);
        } else if (code == 29) {
            set(cell_attribute::strike, false);
        } else if (code >= 30 && code <= 37) {
            m_pen.foreground = CellColor::palette(static_cast<uint8_t>(code - 30));
        } else if (code >= 90 && code <= 97) {
            m_pen.foreground = CellColor::palette(static_cast<uint8_t>(code - 90 + 8));
        } else if (code == 39) {
            m_pen.foreground = {};
        } else if (code >= 40 && code <= 47) {
            m_pen.background = CellColor::palette(static_cast<uint8_t>(code - 40));
        } else if (code >= 100 && code <= 107) {
            m_pen.background = CellColor::palette(static_cast<uint8_t>(code - 100 + 8));
        } else if (code == 49) {
            m_pen.background = {};
        } else if (code == 38 || code == 48) {
            CellColor& target = code == 38 ? m_pen.foreground : m_pen.background;
            // ESC[38;5;n / 38;2;r;g;b, or with colons: 38:5:n, 38:2:r:g:b, 38:2:space:r:g:b.
            bool colon_form = subparameters > 0;
            uint32_t available = colon_form ? subparameters : count - i - 1;
            uint32_t mode = available > 0 ? m_parameters[i + 1] : 0;
            if (mode == 5 && available >= 2) {
                uint32_t index = m_parameters[i + 2];
                if (index < 16)
                    target = CellColor::palette(static_cast<uint8_t>(index));
                else if (index < 256)
                    target = CellColor::direct(xterm_256_color(static_cast<uint8_t>(index)));
                end = colon_form ? end : i + 3;
            } else if (mode == 2 && available >= 4) {
                uint32_t first = colon_form && available >= 5 ? i + 3 : i + 2;
                auto channel = [&](uint32_t index) {
                    uint32_t value = m_parameters[index];
                    return static_cast<uint8_t>(value > 255 ? 255 : value);
                };
                target = CellColor::direct({channel(first), channel(first + 1), channel(first + 2)});
                end = colon_form ? end : i + 5;
            } else if (!colon_form) {
                // Unknown or incomplete colour: the length of the rest is unknowable, stop here.
                return;
            }
        }
        // Anything else (fonts, frames, overline...) is ignored.
        i = end - 1;
    }
}

} // namespace console
