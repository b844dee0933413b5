// Substitutions (S_, S0_, ...), template parameters (T_, T0_, ...) and template arguments: the parts
// of the demangler that remember ranges of the mangled name and print them again by replaying them.
#include "demangle/parser.h"

namespace demangle::detail {

namespace {

// The std:: abbreviations. c++filt prints the full template for Ss/Si/So/Sd (its default is verbose);
// the last component is what a constructor or destructor of the class repeats.
struct Abbreviation {
    char code;
    StringView text;
    StringView last_name;
};
constexpr Abbreviation abbreviations[] = {
    {'a', "std::allocator", "allocator"},
    {'b', "std::basic_string", "basic_string"},
    {'s', "std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "basic_string"},
    {'i', "std::basic_istream<char, std::char_traits<char> >", "basic_istream"},
    {'o', "std::basic_ostream<char, std::char_traits<char> >", "basic_ostream"},
    {'d', "std::basic_iostream<char, std::char_traits<char> >", "basic_iostream"},
};

} // namespace

ErrorOr<void> Parser::add_substitution(size_t begin, bool is_prefix) {
    if (m_replaying > 0)
        return {};
    Substitution substitution{{static_cast<uint16_t>(begin), static_cast<uint16_t>(m_position)}, is_prefix};
    if (m_substitutions.try_append(substitution).is_error())
        return Errno::Overflow;
    return {};
}

TypeSpan Parser::plain_from(size_t start) const {
    size_t end = m_output.size();
    return {start, end, end, Shape::Plain, Reference::None};
}

// --- replay: printing a remembered range of the mangled name again ---------------------------------

ErrorOr<TypeSpan> Parser::replay(SourceRange range, ReplayAs kind) {
    DEMANGLE_ENTER();
    size_t saved_position = m_position, saved_end = m_end;
    // As c++filt, a constructor repeats the last name read from the input: what a replay reads
    // counts inside it, not after it.
    StringView saved_last_name = m_last_name;
    m_position = range.begin;
    m_end = range.end;
    ++m_replaying;
    size_t start = m_output.size();
    if (kind == ReplayAs::Prefix || kind == ReplayAs::Expression)
        m_pending_qualifiers = 0; // only a type takes them
    TypeSpan span;
    switch (kind) {
    case ReplayAs::Type:
        span = TRY(parse_type());
        break;
    case ReplayAs::TemplateArg:
        span = TRY(parse_template_arg());
        break;
    case ReplayAs::Prefix: {
        NameInfo ignored;
        TRY(parse_prefix_components(ignored, false, range.begin));
        span = plain_from(start);
        break;
    }
    case ReplayAs::Expression:
        TRY(parse_expression());
        span = plain_from(start);
        break;
    }
    if (m_position != m_end)
        return Errno::InvalidArgument;
    --m_replaying;
    m_position = saved_position;
    m_end = saved_end;
    m_last_name = saved_last_name;
    return span;
}

ErrorOr<TypeSpan> Parser::parse_substitution(bool& was_abbreviation) {
    DEMANGLE_ENTER();
    uint8_t pending_qualifiers = m_pending_qualifiers;
    m_pending_qualifiers = 0;
    TRY(expect('S'));
    size_t start = m_output.size();
    for (const Abbreviation& abbreviation : abbreviations) {
        if (peek() == abbreviation.code) {
            ++m_position;
            m_output.append(abbreviation.text);
            m_last_name = abbreviation.last_name;
            was_abbreviation = true;
            return plain_from(start);
        }
    }
    was_abbreviation = false;
    // <seq-id>: S_ is the first candidate, then S0_, S1_, ... S9_, SA_ ... SZ_, S10_, ... in base 36.
    size_t index = 0;
    if (!consume('_')) {
        size_t value = 0;
        if (!is_digit(peek()) && !is_upper(peek()))
            return Errno::InvalidArgument;
        while (is_digit(peek()) || is_upper(peek())) {
            value = value * 36 + static_cast<size_t>(is_digit(peek()) ? peek() - '0' : peek() - 'A' + 10);
            if (value >= max_substitutions)
                return Errno::InvalidArgument;
            ++m_position;
        }
        TRY(expect('_'));
        index = value + 1;
    }
    if (index >= m_substitutions.size())
        return Errno::InvalidArgument;
    if (m_discarding > 0)
        return plain_from(start); // text c++filt does not print: only its extent matters
    Substitution substitution = m_substitutions[index];
    m_pending_qualifiers = pending_qualifiers;
    TypeSpan span =
        TRY(replay(substitution.range, substitution.is_prefix ? ReplayAs::Prefix : ReplayAs::Type));
    m_pending_qualifiers = 0;
    return span;
}

// T_ is the first template argument of the function being printed, T0_ the second, ...
ErrorOr<TypeSpan> Parser::parse_template_param() {
    DEMANGLE_ENTER();
    uint8_t pending_qualifiers = m_pending_qualifiers;
    m_pending_qualifiers = 0;
    size_t position = m_position;
    bool under_reference = m_reference_param == position;
    m_reference_param = static_cast<size_t>(-1);
    TRY(expect('T'));
    if (peek() == 'L') // template parameters of an enclosing level (C++20 lambdas)
        return Errno::NotSupported;
    size_t index = TRY(parse_optional_number_then_underscore());
    size_t start = m_output.size();
    if (m_discarding > 0)
        return plain_from(start); // text c++filt does not print: only its extent matters
    if (m_lambda_depth > 0) {
        // A generic lambda's parameter: c++filt names it after its position.
        m_output.append("auto:");
        m_output.append_number(index + 1);
        return plain_from(start);
    }
    if (m_conversion_pending) {
        // "operator T" of a conversion template: the arguments follow, reprinted once they are known.
        // c++filt gives up on a T_ nested in template arguments there; so does this.
        if (m_conversion_args_depth > 0)
            return Errno::InvalidArgument;
        m_conversion_used_param = true;
        m_output.append_char('T');
        return plain_from(start);
    }
    SourceRange argument;
    const ReferencedParam* saved = nullptr;
    if (under_reference) {
        for (const ReferencedParam& referenced : m_referenced_params)
            if (referenced.position == position)
                saved = &referenced;
    }
    if (saved != nullptr) {
        argument = saved->argument;
    } else {
        if (!m_template_args.valid || index >= m_template_args.ranges.size())
            return Errno::InvalidArgument;
        argument = m_template_args.ranges[index];
        if (under_reference && m_discarding == 0) // a full table only costs c++filt agreement
            (void)m_referenced_params.try_append({static_cast<uint16_t>(position), argument});
    }
    if (m_input[argument.begin] != 'J') {
        m_pending_qualifiers = pending_qualifiers;
        TypeSpan span = TRY(replay(argument, ReplayAs::TemplateArg));
        m_pending_qualifiers = 0;
        return span;
    }
    // A pack: inside a pack expansion the element being expanded, elsewhere the first (as c++filt).
    size_t wanted = m_pack.active ? m_pack.index : 0;
    SourceRange element;
    size_t count = TRY(pack_element(argument, wanted, element));
    if (m_pack.active && !m_pack.length_known) {
        m_pack.length = count;
        m_pack.length_known = true;
    }
    if (wanted >= count)
        return plain_from(start);
    m_pending_qualifiers = pending_qualifiers;
    TypeSpan span = TRY(replay(element, ReplayAs::TemplateArg));
    m_pending_qualifiers = 0;
    return span;
}

ErrorOr<size_t> Parser::pack_element(SourceRange pack, size_t wanted, SourceRange& element) {
    size_t position = pack.begin + 1; // after the J
    size_t count = 0;
    while (position < pack.end && m_input[position] != 'E') {
        size_t next = TRY(measure_template_arg(position, pack.end));
        if (count == wanted)
            element = {static_cast<uint16_t>(position), static_cast<uint16_t>(next)};
        position = next;
        ++count;
    }
    return count;
}

// Where the template argument starting at `begin` ends: parsed without recording, its text dropped.
ErrorOr<size_t> Parser::measure_template_arg(size_t begin, size_t end) {
    size_t saved_position = m_position, saved_end = m_end, mark = m_output.size();
    StringView saved_last_name = m_last_name;
    PackState saved_pack = m_pack;
    m_pack = {};
    m_position = begin;
    m_end = end;
    ++m_replaying;
    ++m_discarding;
    TRY(parse_template_arg());
    size_t next = m_position;
    --m_discarding;
    --m_replaying;
    m_position = saved_position;
    m_end = saved_end;
    m_pack = saved_pack;
    m_last_name = saved_last_name;
    m_output.truncate(mark);
    return next;
}

// --- template arguments ---------------------------------------------------------------------------

// `record`: these are the arguments of the function being demangled, the ones T_ refers to.
ErrorOr<void> Parser::parse_template_args(bool record) {
    DEMANGLE_ENTER();
    TRY(expect('I'));
    StringView saved_last_name = m_last_name;
    // Also while replaying: a replayed local name's function needs its own arguments for its T_.
    bool recording = record;
    if (recording) {
        m_template_args.ranges.clear();
        m_template_args.valid = false;
    }
    if (m_output.last_printed() == '<') // "operator<< <char>"
        m_output.append_char(' ');
    if (m_conversion_pending)
        ++m_conversion_args_depth;
    m_output.append_char('<');
    ListSeparators separators(m_output);
    for (size_t index = 0; !consume('E'); ++index) {
        if (at_end())
            return Errno::InvalidArgument;
        size_t element = separators.before(index), begin = m_position;
        TRY(parse_template_arg());
        separators.after(element);
        if (recording) {
            SourceRange range{static_cast<uint16_t>(begin), static_cast<uint16_t>(m_position)};
            if (m_template_args.ranges.try_append(range).is_error())
                return Errno::Overflow;
        }
    }
    separators.finish();
    if (m_output.last_printed() == '>')
        m_output.append_char(' ');
    m_output.append_char('>');
    if (m_conversion_pending)
        --m_conversion_args_depth;
    if (recording)
        m_template_args.valid = true;
    m_last_name = saved_last_name;
    return {};
}

ErrorOr<TypeSpan> Parser::parse_template_arg() {
    DEMANGLE_ENTER();
    size_t start = m_output.size();
    if (peek() == 'X' || peek() == 'L' || peek() == 'J')
        m_pending_qualifiers = 0; // only a type takes them
    switch (peek()) {
    case 'X':
        ++m_position;
        TRY(parse_expression());
        TRY(expect('E'));
        return plain_from(start);
    case 'L':
        TRY(parse_expr_primary());
        return plain_from(start);
    case 'J': {
        // An argument pack: its elements, comma-separated (an empty one prints nothing).
        ++m_position;
        ListSeparators separators(m_output);
        for (size_t index = 0; !consume('E'); ++index) {
            if (at_end())
                return Errno::InvalidArgument;
            size_t element = separators.before(index);
            TRY(parse_template_arg());
            separators.after(element);
        }
        separators.finish();
        return plain_from(start);
    }
    default:
        return parse_type();
    }
}

} // namespace demangle::detail
