// TextConsole: UTF-8 decoding, the escape sequence parser and the cursor/attribute logic. The
// parser follows the shape of the DEC/xterm state machine (Paul Williams' VT500 diagram) with only
// the states needed to swallow every sequence it does not implement.
#include "console/text_console.h"

namespace console {

namespace {

constexpr char32_t escape = 0x1B;
constexpr char32_t cancel = 0x18;     // CAN: aborts a sequence
constexpr char32_t substitute = 0x1A; // SUB: aborts a sequence
constexpr char32_t bell = 0x07;       // also ends an OSC string (xterm)
constexpr char32_t del = 0x7F;

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

} // namespace

TextConsole::TextConsole(ConsoleSurface& surface, uint32_t columns, uint32_t rows)
    : m_surface(surface), m_columns(rows == 0 ? 0 : columns), m_rows(columns == 0 ? 0 : rows) {}

void TextConsole::write(ktl::StringView bytes) {
    for (char byte : bytes)
        m_decoder.feed(static_cast<uint8_t>(byte), [this](char32_t codepoint) { process(codepoint); });
}

void TextConsole::set_pinned_rows(uint32_t count) {
    if (m_rows == 0)
        return;
    m_pinned_rows = count < m_rows ? count : m_rows - 1;
    if (m_row < m_pinned_rows) {
        m_row = m_pinned_rows;
        m_column = 0;
        m_wrap_pending = false;
    }
}

void TextConsole::draw_at(uint32_t column, uint32_t row, ktl::StringView text, Rgb foreground,
                          Rgb background) {
    if (row >= m_rows)
        return;
    // A decoder of its own: the stream's decoder may be in the middle of a character.
    Utf8Decoder decoder;
    auto draw = [&](char32_t codepoint) {
        if (is_c0_control(codepoint) || codepoint == del || is_c1_control(codepoint))
            return;
        if (column >= m_columns)
            return;
        m_surface.draw_cell(column, row, codepoint, foreground, background);
        ++column;
    };
    for (char byte : text)
        decoder.feed(static_cast<uint8_t>(byte), draw);
    decoder.finish(draw);
}

void TextConsole::clear() {
    if (m_rows == 0)
        return;
    m_surface.clear(background());
    m_row = m_pinned_rows;
    m_column = 0;
    m_wrap_pending = false;
}

Rgb TextConsole::foreground() const {
    switch (m_foreground.kind) {
    case ColorChoice::Kind::Default:
        return m_bold ? ansi_color(AnsiColor::White) : default_foreground;
    case ColorChoice::Kind::Palette:
        return ansi_palette[m_bold && m_foreground.index < 8 ? m_foreground.index + 8 : m_foreground.index];
    case ColorChoice::Kind::Direct:
        return m_foreground.rgb;
    }
    return default_foreground;
}

Rgb TextConsole::background() const {
    switch (m_background.kind) {
    case ColorChoice::Kind::Default:
        return default_background;
    case ColorChoice::Kind::Palette:
        return ansi_palette[m_background.index];
    case ColorChoice::Kind::Direct:
        return m_background.rgb;
    }
    return default_background;
}

void TextConsole::process(char32_t codepoint) {
    if (m_state == ParserState::Ground) {
        if (codepoint == escape)
            m_state = ParserState::Escape;
        else if (is_c0_control(codepoint))
            execute_control(codepoint);
        else if (codepoint != del && !is_c1_control(codepoint))
            put_printable(codepoint);
        return;
    }

    if (m_state == ParserState::String) {
        if (codepoint == bell || codepoint == cancel || codepoint == substitute)
            m_state = ParserState::Ground;
        else if (codepoint == escape)
            m_state = ParserState::StringEscape;
        return;
    }
    if (m_state == ParserState::StringEscape) {
        // ESC '\' is the string terminator; ESC anything else ends the string and starts a new escape.
        m_state = ParserState::Escape;
        if (codepoint == U'\\')
            m_state = ParserState::Ground;
        else
            process(codepoint);
        return;
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
        if (!is_intermediate_byte(codepoint))
            m_state = ParserState::Ground; // the final byte of an ignored ESC sequence
    } else {
        process_csi(codepoint);
    }
}

void TextConsole::process_escape(char32_t codepoint) {
    switch (codepoint) {
    case U'[':
        start_csi();
        m_state = ParserState::Csi;
        return;
    case U']': // OSC
    case U'P': // DCS
    case U'X': // SOS
    case U'^': // PM
    case U'_': // APC
        m_state = ParserState::String;
        return;
    default:
        // ESC + intermediates + final (charset selection and the like), or ESC + final: ignored.
        m_state = is_intermediate_byte(codepoint) ? ParserState::EscapeIntermediate : ParserState::Ground;
        return;
    }
}

void TextConsole::start_csi() {
    for (uint16_t& parameter : m_parameters)
        parameter = 0;
    m_parameter_index = 0;
    m_has_parameters = false;
}

void TextConsole::process_csi(char32_t codepoint) {
    if (m_state == ParserState::CsiIgnore) {
        if (is_final_byte(codepoint))
            m_state = ParserState::Ground;
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
        if (m_parameter_index < max_parameters)
            ++m_parameter_index;
    } else if (is_final_byte(codepoint)) {
        m_state = ParserState::Ground;
        dispatch_csi(codepoint);
    } else {
        // Private markers (ESC[?25h), intermediates: nothing here implements them.
        m_state = ParserState::CsiIgnore;
    }
}

uint32_t TextConsole::parameter_count() const {
    if (!m_has_parameters)
        return 0;
    return m_parameter_index < max_parameters ? m_parameter_index + 1 : max_parameters;
}

// An omitted parameter reads as 0, which is every implemented sequence's default.
uint32_t TextConsole::parameter(uint32_t index, uint32_t fallback) const {
    return index < parameter_count() ? m_parameters[index] : fallback;
}

void TextConsole::dispatch_csi(char32_t final_byte) {
    switch (final_byte) {
    case U'm':
        select_graphic_rendition();
        return;
    case U'J':
        erase_in_display(parameter(0, 0));
        return;
    case U'K':
        erase_in_line(parameter(0, 0));
        return;
    default:
        return;
    }
}

void TextConsole::select_graphic_rendition() {
    uint32_t count = parameter_count();
    if (count == 0)
        count = 1; // ESC[m is ESC[0m; the parameters are all zero
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t code = m_parameters[i];
        if (code == 0) {
            m_foreground = {};
            m_background = {};
            m_bold = false;
        } else if (code == 1) {
            m_bold = true;
        } else if (code == 22) {
            m_bold = false;
        } else if (code >= 30 && code <= 37) {
            m_foreground = {ColorChoice::Kind::Palette, static_cast<uint8_t>(code - 30), {}};
        } else if (code >= 90 && code <= 97) {
            m_foreground = {ColorChoice::Kind::Palette, static_cast<uint8_t>(code - 90 + 8), {}};
        } else if (code == 39) {
            m_foreground = {};
        } else if (code >= 40 && code <= 47) {
            m_background = {ColorChoice::Kind::Palette, static_cast<uint8_t>(code - 40), {}};
        } else if (code >= 100 && code <= 107) {
            m_background = {ColorChoice::Kind::Palette, static_cast<uint8_t>(code - 100 + 8), {}};
        } else if (code == 49) {
            m_background = {};
        } else if (code == 38 || code == 48) {
            ColorChoice& target = code == 38 ? m_foreground : m_background;
            uint32_t mode = parameter(i + 1, 0);
            if (mode == 5 && i + 2 < count) {
                uint32_t index = m_parameters[i + 2];
                if (index < 16)
                    target = {ColorChoice::Kind::Palette, static_cast<uint8_t>(index), {}};
                else if (index < 256)
                    target = {ColorChoice::Kind::Direct, 0, xterm_256_color(static_cast<uint8_t>(index))};
                i += 2;
            } else if (mode == 2 && i + 4 < count) {
                auto channel = [&](uint32_t offset) {
                    uint32_t value = m_parameters[i + offset];
                    return static_cast<uint8_t>(value > 255 ? 255 : value);
                };
                target = {ColorChoice::Kind::Direct, 0, {channel(2), channel(3), channel(4)}};
                i += 4;
            } else {
                // Unknown or incomplete colour: the length of the rest is unknowable, stop here.
                return;
            }
        }
        // Anything else (italic, underline, blink, reverse...) is not drawn and ignored.
    }
}

void TextConsole::erase_cells(uint32_t row, uint32_t first_column, uint32_t end_column) {
    Rgb foreground_color = foreground();
    Rgb background_color = background();
    for (uint32_t column = first_column; column < end_column && column < m_columns; ++column)
        m_surface.draw_cell(column, row, U' ', foreground_color, background_color);
}

void TextConsole::erase_in_line(uint32_t mode) {
    if (m_rows == 0)
        return;
    m_wrap_pending = false;
    if (mode == 0)
        erase_cells(m_row, m_column, m_columns);
    else if (mode == 1)
        erase_cells(m_row, 0, m_column + 1);
    else if (mode == 2)
        erase_cells(m_row, 0, m_columns);
}

void TextConsole::erase_in_display(uint32_t mode) {
    if (m_rows == 0)
        return;
    m_wrap_pending = false;
    if (mode == 0) {
        erase_cells(m_row, m_column, m_columns);
        for (uint32_t row = m_row + 1; row < m_rows; ++row)
            erase_cells(row, 0, m_columns);
    } else if (mode == 1) {
        for (uint32_t row = m_pinned_rows; row < m_row; ++row)
            erase_cells(row, 0, m_columns);
        erase_cells(m_row, 0, m_column + 1);
    } else if (mode == 2 || mode == 3) {
        for (uint32_t row = m_pinned_rows; row < m_rows; ++row)
            erase_cells(row, 0, m_columns);
        m_row = m_pinned_rows;
        m_column = 0;
    }
}

void TextConsole::execute_control(char32_t codepoint) {
    if (m_rows == 0)
        return;
    switch (codepoint) {
    case U'\n':
        new_line();
        return;
    case U'\r':
        m_column = 0;
        m_wrap_pending = false;
        return;
    case U'\t': {
        uint32_t next = (m_column / tab_width + 1) * tab_width;
        m_column = next < m_columns ? next : m_columns - 1;
        return;
    }
    case U'\b':
        if (m_column > 0)
            --m_column;
        m_wrap_pending = false;
        return;
    default:
        return; // BEL, VT, FF, SO, SI...: nothing to show
    }
}

void TextConsole::put_printable(char32_t codepoint) {
    if (m_rows == 0)
        return;
    if (m_wrap_pending)
        new_line();
    m_surface.draw_cell(m_column, m_row, codepoint, foreground(), background());
    if (m_column + 1 < m_columns)
        ++m_column;
    else
        m_wrap_pending = true;
}

void TextConsole::new_line() {
    m_column = 0;
    m_wrap_pending = false;
    if (m_row + 1 < m_rows)
        ++m_row;
    else
        m_surface.scroll_up(m_pinned_rows, m_rows - 1, background());
}

} // namespace console
