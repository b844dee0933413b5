// Parsing and matching of PciPattern; the syntax and its choices are in pattern.h.
#include "pci/pattern.h"

namespace pci {

namespace {

constexpr size_t field_count = 6;

bool is_separator(char character) {
    return character == ' ' || character == '\t';
}

int digit_value(char character) {
    if (character >= '0' && character <= '9')
        return character - '0';
    if (character >= 'a' && character <= 'f')
        return character - 'a' + 10;
    if (character >= 'A' && character <= 'F')
        return character - 'A' + 10;
    return -1;
}

// `*` gives an absent field; otherwise a number no wider than `max`.
ktl::ErrorOr<PciPattern::Field> parse_field(ktl::StringView text, uint32_t max) {
    if (text == ktl::StringView("*"))
        return PciPattern::Field{};
    uint32_t base = 10;
    if (text.length() > 2 && text[0] == '0') {
        char prefix = text[1];
        if (prefix == 'x' || prefix == 'X')
            base = 16;
        else if (prefix == 'b' || prefix == 'B')
            base = 2;
        else if (prefix == 'o' || prefix == 'O')
            base = 8;
        if (base != 10)
            text = text.substring(2);
    }
    if (text.is_empty())
        return ktl::Errno::InvalidArgument;
    uint64_t value = 0;
    for (char character : text) {
        int digit = digit_value(character);
        if (digit < 0 || uint32_t(digit) >= base)
            return ktl::Errno::InvalidArgument;
        value = value * base + uint32_t(digit);
        if (value > max)
            return ktl::Errno::OutOfRange; // checked per digit, so `value` never overflows
    }
    return PciPattern::Field{true, uint32_t(value)};
}

bool field_matches(PciPattern::Field field, uint32_t actual) {
    return !field.present || field.value == actual;
}

} // namespace

ktl::ErrorOr<PciPattern> PciPattern::parse(ktl::StringView text) {
    ktl::StringView fields[field_count];
    size_t count = 0;
    size_t position = 0;
    while (position < text.length()) {
        if (is_separator(text[position])) {
            ++position;
            continue;
        }
        size_t end = position;
        while (end < text.length() && !is_separator(text[end]))
            ++end;
        if (count == field_count)
            return ktl::Errno::InvalidArgument;
        fields[count++] = text.substring(position, end - position);
        position = end;
    }
    if (count == 0)
        return ktl::Errno::InvalidArgument;

    constexpr uint32_t id_max = 0xffff;
    constexpr uint32_t class_max = 0xffffff;
    PciPattern pattern;
    Field* targets[] = {&pattern.m_vendor, &pattern.m_device, &pattern.m_subvendor, &pattern.m_subdevice,
                        &pattern.m_class};
    uint32_t maxima[] = {id_max, id_max, id_max, id_max, class_max};
    for (size_t index = 0; index < count && index < 5; ++index)
        *targets[index] = TRY(parse_field(fields[index], maxima[index]));
    if (count == field_count) {
        Field mask = TRY(parse_field(fields[5], class_max));
        if (mask.present)
            pattern.m_class_mask = mask.value;
    }
    return pattern;
}

bool PciPattern::matches(const Function& function) const {
    if (!field_matches(m_vendor, function.vendor_id) || !field_matches(m_device, function.device_id) ||
        !field_matches(m_subvendor, function.subsystem_vendor_id) ||
        !field_matches(m_subdevice, function.subsystem_id))
        return false;
    if (!m_class.present)
        return true;
    return (function.class_triple() & m_class_mask) == (m_class.value & m_class_mask);
}

} // namespace pci
