#include "ktl/format.h"

namespace ktl {

void BufferSink::write(StringView text) {
    for (char character : text) {
        if (m_length == m_capacity) {
            m_truncated = true;
            return;
        }
        m_buffer[m_length++] = character;
    }
}

static void write_repeated(FormatSink& sink, char character, size_t count) {
    for (size_t i = 0; i < count; ++i)
        sink.write_char(character);
}

void format_padded(FormatSink& sink, const FormatSpec& spec, StringView text) {
    size_t padding = spec.width > text.length() ? spec.width - text.length() : 0;
    if (spec.align == FormatSpec::Align::Right)
        write_repeated(sink, ' ', padding);
    sink.write(text);
    if (spec.align != FormatSpec::Align::Right)
        write_repeated(sink, ' ', padding);
}

void format_unsigned(FormatSink& sink, const FormatSpec& spec, uint64_t value, bool negative) {
    unsigned base = 10;
    const char* digits = "0123456789abcdef";
    StringView prefix;
    switch (spec.type) {
    case 'x':
    case 'p':
        base = 16;
        prefix = "0x";
        break;
    case 'X':
        base = 16;
        digits = "0123456789ABCDEF";
        prefix = "0x";
        break;
    case 'b':
        base = 2;
        prefix = "0b";
        break;
    case 'o':
        base = 8;
        prefix = "0";
        break;
    default:
        break;
    }
    if (!spec.alternate && spec.type != 'p')
        prefix = {};

    char reversed[64];
    size_t count = 0;
    do {
        reversed[count++] = digits[value % base];
        value /= base;
    } while (value != 0);

    size_t sign_and_prefix = (negative ? 1 : 0) + prefix.length();
    size_t used = sign_and_prefix + count;
    size_t padding = spec.width > used ? spec.width - used : 0;

    bool right = spec.align == FormatSpec::Align::Right ||
                 (spec.align == FormatSpec::Align::Default && !spec.zero_pad && spec.width > 0);
    if (spec.zero_pad && spec.align == FormatSpec::Align::Default) {
        if (negative)
            sink.write_char('-');
        sink.write(prefix);
        write_repeated(sink, '0', padding);
    } else {
        if (right)
            write_repeated(sink, ' ', padding);
        if (negative)
            sink.write_char('-');
        sink.write(prefix);
    }
    for (size_t i = count; i > 0; --i)
        sink.write_char(reversed[i - 1]);
    if (!right && !spec.zero_pad)
        write_repeated(sink, ' ', padding);
    else if (!right && spec.align == FormatSpec::Align::Left)
        write_repeated(sink, ' ', padding);
}

void FormatArgument::format(FormatSink& sink, const FormatSpec& spec) const {
    switch (m_kind) {
    case Kind::Signed:
        if (spec.type == 'x' || spec.type == 'X' || spec.type == 'b' || spec.type == 'o')
            format_unsigned(sink, spec, static_cast<uint64_t>(m_signed));
        else if (m_signed < 0)
            format_unsigned(sink, spec, 0 - static_cast<uint64_t>(m_signed), true);
        else
            format_unsigned(sink, spec, static_cast<uint64_t>(m_signed));
        return;
    case Kind::Unsigned:
        if (spec.type == 'c') {
            char character = static_cast<char>(m_unsigned);
            format_padded(sink, spec, StringView(&character, 1));
            return;
        }
        format_unsigned(sink, spec, m_unsigned);
        return;
    case Kind::Bool:
        format_padded(sink, spec, m_unsigned ? "true" : "false");
        return;
    case Kind::Char: {
        if (spec.type == 'x' || spec.type == 'X' || spec.type == 'd') {
            format_unsigned(sink, spec, m_unsigned);
            return;
        }
        char character = static_cast<char>(m_unsigned);
        format_padded(sink, spec, StringView(&character, 1));
        return;
    }
    case Kind::String:
        format_padded(sink, spec, m_string);
        return;
    case Kind::Pointer: {
        FormatSpec pointer_spec = spec;
        if (pointer_spec.type == 0)
            pointer_spec.type = 'p';
        pointer_spec.alternate = true;
        format_unsigned(sink, pointer_spec, m_unsigned);
        return;
    }
    case Kind::Custom:
        m_custom_formatter(sink, spec, m_custom_value);
        return;
    }
}

// Parses the text between ':' and '}' of a placeholder; unknown characters are ignored.
static FormatSpec parse_spec(StringView text) {
    FormatSpec spec;
    size_t i = 0;
    if (i < text.length() && (text[i] == '<' || text[i] == '>')) {
        spec.align = text[i] == '<' ? FormatSpec::Align::Left : FormatSpec::Align::Right;
        ++i;
    }
    if (i < text.length() && text[i] == '#') {
        spec.alternate = true;
        ++i;
    }
    if (i < text.length() && text[i] == '0') {
        spec.zero_pad = true;
        ++i;
    }
    while (i < text.length() && text[i] >= '0' && text[i] <= '9') {
        unsigned next = spec.width * 10u + static_cast<unsigned>(text[i] - '0');
        spec.width = next > 512 ? 512 : static_cast<uint16_t>(next);
        ++i;
    }
    if (i < text.length())
        spec.type = text[i];
    return spec;
}

void vformat(FormatSink& sink, StringView format_string, const FormatArgument* arguments, size_t count) {
    size_t next_argument = 0;
    size_t literal_start = 0;
    size_t i = 0;
    auto flush_literal = [&](size_t end) {
        if (end > literal_start)
            sink.write(format_string.substring(literal_start, end - literal_start));
    };
    while (i < format_string.length()) {
        char character = format_string[i];
        if ((character == '{' || character == '}') && i + 1 < format_string.length() &&
            format_string[i + 1] == character) {
            flush_literal(i + 1);
            i += 2;
            literal_start = i;
            continue;
        }
        if (character != '{') {
            ++i;
            continue;
        }
        size_t close = format_string.find('}', i);
        if (close == StringView::npos)
            break;
        flush_literal(i);
        StringView inside = format_string.substring(i + 1, close - i - 1);
        FormatSpec spec = inside.starts_with(":") ? parse_spec(inside.substring(1)) : FormatSpec{};
        if (next_argument < count)
            arguments[next_argument++].format(sink, spec);
        else
            sink.write("{?}");
        i = close + 1;
        literal_start = i;
    }
    flush_literal(format_string.length());
}

} // namespace ktl
