// Sort keys and numeric comparison (see text.h).
#include "toolbox/text.h"

#include <cstdlib>

namespace toolbox {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

struct Number {
    bool negative = false;
    std::string_view integer;  // without leading zeros
    std::string_view fraction; // without trailing zeros
};

Number parse_number(std::string_view text) {
    size_t i = 0;
    while (i < text.size() && is_blank(text[i]))
        ++i;
    Number number;
    if (i < text.size() && text[i] == '-') {
        number.negative = true;
        ++i;
    }
    while (i < text.size() && text[i] == '0')
        ++i;
    size_t start = i;
    while (i < text.size() && is_digit(text[i]))
        ++i;
    number.integer = text.substr(start, i - start);
    if (i < text.size() && text[i] == '.') {
        size_t fraction_start = ++i;
        while (i < text.size() && is_digit(text[i]))
            ++i;
        std::string_view fraction = text.substr(fraction_start, i - fraction_start);
        while (!fraction.empty() && fraction.back() == '0')
            fraction.remove_suffix(1);
        number.fraction = fraction;
    }
    // "-0" and "-" are zero, which has no sign.
    if (number.integer.empty() && number.fraction.empty())
        number.negative = false;
    return number;
}

int compare_magnitude(const Number& a, const Number& b) {
    if (a.integer.size() != b.integer.size())
        return a.integer.size() < b.integer.size() ? -1 : 1;
    if (int order = a.integer.compare(b.integer); order != 0)
        return order < 0 ? -1 : 1;
    int order = a.fraction.compare(b.fraction);
    return order < 0 ? -1 : order > 0 ? 1 : 0;
}

size_t parse_count(const char*& text) {
    size_t value = 0;
    while (is_digit(*text))
        value = value * 10 + static_cast<size_t>(*text++ - '0');
    return value;
}

bool parse_flags(const char*& text, SortKey& key) {
    for (; *text != '\0' && *text != ','; ++text) {
        if (*text == 'n')
            key.numeric = true;
        else if (*text == 'r')
            key.reverse = true;
        else if (*text != 'b')
            return false;
    }
    return true;
}

// Start of field `field` (1-based) and the end of the line part it may extend over.
size_t field_start(std::string_view line, size_t field, int separator) {
    size_t position = 0;
    for (size_t current = 1; current < field && position < line.size(); ++current) {
        if (separator >= 0) {
            while (position < line.size() && line[position] != static_cast<char>(separator))
                ++position;
            if (position < line.size())
                ++position;
        } else {
            while (position < line.size() && is_blank(line[position]))
                ++position;
            while (position < line.size() && !is_blank(line[position]))
                ++position;
        }
    }
    return position;
}

size_t field_end(std::string_view line, size_t start, int separator) {
    size_t position = start;
    if (separator >= 0) {
        while (position < line.size() && line[position] != static_cast<char>(separator))
            ++position;
        return position;
    }
    while (position < line.size() && is_blank(line[position]))
        ++position;
    while (position < line.size() && !is_blank(line[position]))
        ++position;
    return position;
}

} // namespace

int compare_numeric(std::string_view a, std::string_view b) {
    Number first = parse_number(a);
    Number second = parse_number(b);
    if (first.negative != second.negative)
        return first.negative ? -1 : 1;
    int order = compare_magnitude(first, second);
    return first.negative ? -order : order;
}

bool parse_sort_key(const char* text, SortKey& key) {
    key = SortKey{};
    if (!is_digit(*text))
        return false;
    key.start_field = parse_count(text);
    if (key.start_field == 0)
        return false;
    if (*text == '.') {
        ++text;
        key.start_char = parse_count(text);
        if (key.start_char == 0)
            return false;
    }
    if (!parse_flags(text, key))
        return false;
    if (*text == ',') {
        ++text;
        if (!is_digit(*text))
            return false;
        key.end_field = parse_count(text);
        if (key.end_field == 0)
            return false;
        if (*text == '.') {
            ++text;
            key.end_char = parse_count(text);
        }
        if (!parse_flags(text, key) || *text != '\0')
            return false;
    }
    return *text == '\0';
}

std::string_view extract_key(std::string_view line, const SortKey& key, int separator) {
    size_t start = field_start(line, key.start_field, separator);
    if (key.start_char > 1) {
        // Without -b the character offset counts the field's leading blanks too.
        size_t end_of_field = field_end(line, start, separator);
        start = start + key.start_char - 1 < end_of_field ? start + key.start_char - 1 : end_of_field;
    }
    size_t end = line.size();
    if (key.end_field != 0) {
        size_t end_start = field_start(line, key.end_field, separator);
        size_t end_of_field = field_end(line, end_start, separator);
        if (key.end_char == 0)
            end = end_of_field;
        else
            end = end_start + key.end_char < end_of_field ? end_start + key.end_char : end_of_field;
    }
    if (end < start)
        end = start;
    return line.substr(start, end - start);
}

} // namespace toolbox
