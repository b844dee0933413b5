// Types (Itanium C++ ABI 5.1.5) and the declarator layout c++filt prints them in:
//   "char const*"  "void (*)(int)"  "int (&) [3]"  "void (A::*)() const"  "void (* [3])(int)"
// A type is printed where it is parsed; a modifier parsed before its operand (P, R, M, A, ...) is
// attached afterwards by moving its text into the operand's hole (see TypeSpan in parser.h).
#include "demangle/parser.h"

namespace demangle::detail {

namespace {

struct Builtin {
    char code;
    StringView name;
};
constexpr Builtin builtins[] = {
    {'v', "void"},        {'w', "wchar_t"},
    {'b', "bool"},        {'c', "char"},
    {'a', "signed char"}, {'h', "unsigned char"},
    {'s', "short"},       {'t', "unsigned short"},
    {'i', "int"},         {'j', "unsigned int"},
    {'l', "long"},        {'m', "unsigned long"},
    {'x', "long long"},   {'y', "unsigned long long"},
    {'n', "__int128"},    {'o', "unsigned __int128"},
    {'f', "float"},       {'d', "double"},
    {'e', "long double"}, {'g', "__float128"},
    {'z', "..."},
};

// D-prefixed builtins (Da, Dn, ...), not substitution candidates either.
constexpr Builtin d_builtins[] = {
    {'a', "auto"},      {'c', "decltype(auto)"}, {'n', "decltype(nullptr)"},
    {'f', "decimal32"}, {'d', "decimal64"},      {'e', "decimal128"},
    {'h', "half"},      {'i', "char32_t"},       {'s', "char16_t"},
    {'u', "char8_t"},
};

} // namespace

ErrorOr<TypeSpan> Parser::parse_type() {
    DEMANGLE_ENTER();
    size_t begin = m_position, start = m_output.size();
    uint8_t outer_qualifiers = m_pending_qualifiers;
    m_pending_qualifiers = 0;
    char next = peek();
    for (const Builtin& builtin : builtins) {
        if (next == builtin.code) {
            ++m_position;
            m_output.append(builtin.name);
            return plain_from(start);
        }
    }
    TypeSpan span;
    bool candidate = true;
    switch (next) {
    case 'u': // vendor extended type
        ++m_position;
        TRY(parse_source_name(false));
        span = plain_from(start);
        break;
    case 'r':
    case 'V':
    case 'K':
        span = TRY(parse_qualified_type(outer_qualifiers));
        break;
    case 'D': {
        char second = peek(1);
        if (second == 'o' || second == 'O' || second == 'w' || second == 'x') {
            span = TRY(parse_qualified_type(outer_qualifiers)); // a function type's exception specification
            break;
        }
        if (second == 'T' || second == 't') {
            m_position += 2;
            m_output.append("decltype (");
            TRY(parse_expression());
            TRY(expect('E'));
            m_output.append_char(')');
            span = plain_from(start);
            break;
        }
        if (second == 'p') {
            span = TRY(parse_pack_expansion(ReplayAs::Type));
            break;
        }
        if (second == 'v') {
            span = TRY(parse_vector_type());
            break;
        }
        if (second == 'F') {
            // _FloatN and _FloatNx.
            m_position += 2;
            uint64_t bits = TRY(parse_number());
            m_output.append("_Float");
            m_output.append_number(bits);
            if (consume('x'))
                m_output.append_char('x');
            else if (!consume('_'))
                return Errno::NotSupported;
            return plain_from(start);
        }
        for (const Builtin& builtin : d_builtins) {
            if (second == builtin.code) {
                m_position += 2;
                m_output.append(builtin.name);
                return plain_from(start);
            }
        }
        return Errno::NotSupported;
    }
    case 'P':
        ++m_position;
        span = TRY(parse_type());
        m_output.append_char('*');
        span = attach(span, Spacing::Tight);
        break;
    case 'R':
        span = TRY(parse_reference(Reference::LValue));
        break;
    case 'O':
        span = TRY(parse_reference(Reference::RValue));
        break;
    case 'C':
        ++m_position;
        span = attach_qualifier(TRY(parse_type()), " _Complex");
        break;
    case 'G':
        ++m_position;
        span = attach_qualifier(TRY(parse_type()), " _Imaginary");
        break;
    case 'F':
        span = TRY(parse_function_type(0, {}, false));
        break;
    case 'A':
        span = TRY(parse_array_type());
        break;
    case 'M':
        span = TRY(parse_pointer_to_member());
        break;
    case 'U':
        span = TRY(parse_vendor_qualified_type());
        break;
    case 'T':
        if (peek(1) == 's' || peek(1) == 'u' || peek(1) == 'e')
            return Errno::NotSupported; // elaborated type specifiers (struct/union/enum)
        m_pending_qualifiers = outer_qualifiers;
        span = TRY(parse_template_param());
        // A template template parameter with arguments; never inside "operator T", where the
        // arguments belong to the operator.
        if (peek() == 'I' && !m_conversion_pending) {
            TRY(add_substitution(begin, false));
            TRY(parse_template_args(false));
            span = plain_from(start);
        }
        break;
    case 'S':
        if (peek(1) != 't') {
            bool was_abbreviation = false;
            m_pending_qualifiers = outer_qualifiers;
            span = TRY(parse_substitution(was_abbreviation));
            if (peek() == 'I') {
                TRY(parse_template_args(false));
                span = plain_from(start);
            } else {
                candidate = false; // a complete substitution is not a new candidate
            }
            break;
        }
        [[fallthrough]];
    case 'N':
    case 'Z':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': {
        NameInfo ignored;
        TRY(parse_name(ignored, false));
        span = plain_from(start);
        break;
    }
    default:
        return Errno::InvalidArgument;
    }
    if (candidate)
        TRY(add_substitution(begin, false));
    return span;
}

// R <type>, O <type>. A template parameter right under the reference (directly or through a
// substitution) is marked, for c++filt's first-context rule (see m_referenced_params).
ErrorOr<TypeSpan> Parser::parse_reference(Reference reference) {
    ++m_position;
    size_t param = static_cast<size_t>(-1);
    auto is_param_at = [this](size_t position, size_t end) {
        if (position >= end || m_input[position] != 'T')
            return false;
        size_t cursor = position + 1;
        while (cursor < end && is_digit(m_input[cursor]))
            ++cursor;
        return cursor < end && m_input[cursor] == '_' && (cursor + 1 >= end || m_input[cursor + 1] != 'I');
    };
    if (is_param_at(m_position, m_end)) {
        param = m_position;
    } else if (peek() == 'S' && (peek(1) == '_' || is_digit(peek(1)) || is_upper(peek(1)))) {
        // The substitution's index, to see whether it names a template parameter.
        size_t cursor = m_position + 1, index = 0;
        if (m_input[cursor] != '_') {
            size_t value = 0;
            while (cursor < m_end && (is_digit(m_input[cursor]) || is_upper(m_input[cursor])) &&
                   value < 4096) {
                value =
                    value * 36 + static_cast<size_t>(is_digit(m_input[cursor]) ? m_input[cursor] - '0'
                                                                               : m_input[cursor] - 'A' + 10);
                ++cursor;
            }
            index = value + 1;
        }
        if (cursor < m_end && m_input[cursor] == '_' && (cursor + 1 >= m_end || m_input[cursor + 1] != 'I') &&
            index < m_substitutions.size()) {
            const Substitution& substitution = m_substitutions[index];
            if (!substitution.is_prefix && is_param_at(substitution.range.begin, substitution.range.end))
                param = substitution.range.begin;
        }
    }
    m_reference_param = param;
    TypeSpan inner = TRY(parse_type());
    m_reference_param = static_cast<size_t>(-1);
    return attach_reference(inner, reference);
}

// <CV-qualifiers> [<exception-spec>] [Dx] before a function type qualify the function ("void () const",
// a member function's type); before any other type they qualify that type ("int const").
ErrorOr<TypeSpan> Parser::parse_qualified_type(uint8_t outer_qualifiers) {
    DEMANGLE_ENTER();
    uint8_t qualifiers = 0;
    SourceRange exception_spec;
    bool transaction_safe = false;
    for (;;) {
        if (consume('r')) {
            qualifiers |= qualifier_restrict;
        } else if (consume('V')) {
            qualifiers |= qualifier_volatile;
        } else if (consume('K')) {
            qualifiers |= qualifier_const;
        } else if (peek() == 'D' && peek(1) == 'x') {
            m_position += 2;
            transaction_safe = true;
        } else if (peek() == 'D' && (peek(1) == 'o' || peek(1) == 'O' || peek(1) == 'w')) {
            // Parsed now for its substitutions, printed after the parameters.
            size_t begin = m_position, mark = m_output.size();
            m_position += 2;
            ++m_discarding;
            if (m_input[begin + 1] == 'O') {
                TRY(parse_expression());
                TRY(expect('E'));
            } else if (m_input[begin + 1] == 'w') {
                while (!consume('E')) {
                    if (at_end())
                        return Errno::InvalidArgument;
                    TRY(parse_type());
                }
            }
            --m_discarding;
            m_output.truncate(mark);
            exception_spec = {static_cast<uint16_t>(begin), static_cast<uint16_t>(m_position)};
        } else {
            break;
        }
    }
    if (peek() == 'F')
        return parse_function_type(qualifiers, exception_spec, transaction_safe);
    if (exception_spec.end != 0 || transaction_safe)
        return Errno::InvalidArgument;
    m_pending_qualifiers = outer_qualifiers | qualifiers;
    TypeSpan span = TRY(parse_type());
    qualifiers &= ~outer_qualifiers; // the enclosing type prints these
    if (qualifiers & qualifier_const)
        span = attach_qualifier(span, " const");
    if (qualifiers & qualifier_volatile)
        span = attach_qualifier(span, " volatile");
    if (qualifiers & qualifier_restrict)
        span = attach_qualifier(span, " restrict");
    return span;
}

ErrorOr<void> Parser::print_exception_spec(SourceRange exception_spec) {
    if (exception_spec.end == 0)
        return {};
    char kind = m_input[exception_spec.begin + 1];
    if (kind == 'o') {
        m_output.append(" noexcept");
        return {};
    }
    SourceRange inner{static_cast<uint16_t>(exception_spec.begin + 2),
                      static_cast<uint16_t>(exception_spec.end - 1)};
    if (kind == 'O') {
        m_output.append(" noexcept(");
        TRY(replay(inner, ReplayAs::Expression));
        m_output.append_char(')');
        return {};
    }
    // Dw <type>+ E: a dynamic exception specification, "throw(int, char)".
    m_output.append(" throw(");
    size_t saved_position = m_position, saved_end = m_end;
    m_position = inner.begin;
    m_end = inner.end;
    ++m_replaying;
    for (size_t index = 0; !at_end(); ++index) {
        if (index > 0)
            m_output.append(", ");
        TRY(parse_type());
    }
    --m_replaying;
    m_position = saved_position;
    m_end = saved_end;
    m_output.append_char(')');
    return {};
}

// F [Y] <return type> <parameter types> [<ref-qualifier>] E
ErrorOr<TypeSpan> Parser::parse_function_type(uint8_t qualifiers, SourceRange exception_spec,
                                              bool transaction_safe) {
    DEMANGLE_ENTER();
    TRY(expect('F'));
    consume('Y'); // extern "C"
    TypeSpan return_type = TRY(parse_type());
    m_output.append_char('(');
    TRY(parse_parameter_types());
    m_output.append_char(')');
    Reference ref_qualifier = Reference::None;
    if (consume('R'))
        ref_qualifier = Reference::LValue;
    else if (consume('O'))
        ref_qualifier = Reference::RValue;
    TRY(expect('E'));
    // c++filt prints the qualifiers in the reverse of their mangled order: "() noexcept const &".
    if (transaction_safe)
        m_output.append(" transaction_safe");
    TRY(print_exception_spec(exception_spec));
    print_function_qualifiers(qualifiers, ref_qualifier);
    return attach_function(return_type);
}

// A <dimension> _ <element type>; the dimension is a number, empty, or an expression.
ErrorOr<TypeSpan> Parser::parse_array_type() {
    DEMANGLE_ENTER();
    TRY(expect('A'));
    size_t dimension_start = m_output.size();
    m_output.append_char('[');
    if (is_digit(peek())) {
        size_t begin = m_position;
        while (is_digit(peek()))
            ++m_position;
        m_output.append(StringView(m_input + begin, m_position - begin));
    } else if (peek() != '_') {
        TRY(parse_expression());
    }
    TRY(expect('_'));
    m_output.append_char(']');
    size_t dimension_end = m_output.size();
    TypeSpan element = TRY(parse_type());
    // [dimension][element] becomes [element][dimension], then the dimension joins the element.
    return attach_array(move_after(dimension_start, dimension_end, element));
}

// M <class type> <member type>: "int A::*", "void (A::*)(int) const".
ErrorOr<TypeSpan> Parser::parse_pointer_to_member() {
    DEMANGLE_ENTER();
    TRY(expect('M'));
    size_t class_start = m_output.size();
    TRY(parse_type());
    size_t class_end = m_output.size();
    TypeSpan member = TRY(parse_type());
    member = move_after(class_start, class_end, member);
    m_output.append("::*");
    return attach(member, Spacing::Member);
}

// Dp <type> and sp <expression>: the pattern once per element of the pack a T_ in it names,
// comma-separated.
ErrorOr<TypeSpan> Parser::parse_pack_expansion(ReplayAs pattern_kind) {
    DEMANGLE_ENTER();
    m_position += 2;
    size_t start = m_output.size(), pattern_begin = m_position;
    PackState saved = m_pack;
    m_pack = {true, false, 0, 0};
    TypeSpan span;
    bool simple = false;
    if (pattern_kind == ReplayAs::Type) {
        span = TRY(parse_type());
    } else {
        simple = TRY(parse_expression());
        span = plain_from(start);
    }
    SourceRange pattern{static_cast<uint16_t>(pattern_begin), static_cast<uint16_t>(m_position)};
    if (!m_pack.length_known) {
        // No pack in the pattern: c++filt shows the expansion as such, "(int)...", "{parm#1}...".
        if (!simple) {
            m_output.insert(start, "(");
            m_output.append_char(')');
        }
        m_output.append("...");
        span = plain_from(start);
    } else if (m_pack.length == 0) {
        m_output.truncate(start);
        span = plain_from(start);
    } else if (m_pack.length > 1) {
        for (size_t index = 1; index < m_pack.length; ++index) {
            m_output.append(", ");
            m_pack.index = index;
            TRY(replay(pattern, pattern_kind));
        }
        span = plain_from(start);
    }
    m_pack = saved;
    return span;
}

// U <source-name> [<template-args>] <type>: a vendor qualifier, printed after the type ("int foo").
ErrorOr<TypeSpan> Parser::parse_vendor_qualified_type() {
    DEMANGLE_ENTER();
    TRY(expect('U'));
    size_t qualifier_start = m_output.size();
    m_output.append_char(' ');
    TRY(parse_source_name(false));
    if (peek() == 'I')
        TRY(parse_template_args(false));
    size_t qualifier_end = m_output.size();
    TypeSpan type = TRY(parse_type());
    return attach_trailing_qualifier(move_after(qualifier_start, qualifier_end, type));
}

// Dv <number> _ <element type>: "float __vector(4)".
ErrorOr<TypeSpan> Parser::parse_vector_type() {
    DEMANGLE_ENTER();
    m_position += 2;
    if (!is_digit(peek()))
        return Errno::InvalidArgument; // Dv _ <expression> _: c++filt does not demangle it either
    size_t begin = m_position;
    TRY(parse_number());
    StringView count(m_input + begin, m_position - begin);
    TRY(expect('_'));
    TypeSpan element = TRY(parse_type());
    m_output.append(" __vector(");
    m_output.append(count);
    m_output.append_char(')');
    return attach_trailing_qualifier(element);
}

// --- declarator layout ----------------------------------------------------------------------------

// The type is [start, end) with its hole; the declarator is the text after it, [end, size). Moves the
// declarator into the hole, parenthesised the first time a function or array type gets one.
TypeSpan Parser::attach(TypeSpan type, Spacing spacing) {
    size_t declarator_start = type.end;
    StringView before, after;
    switch (type.shape) {
    case Shape::Plain:
        before = spacing == Spacing::Tight ? "" : " ";
        break;
    case Shape::Function:
        before = "(";
        after = ")";
        break;
    case Shape::Array:
        before = "(";
        after = ") ";
        break;
    case Shape::Declarator:
        before = spacing == Spacing::Member ? " " : "";
        break;
    }
    m_output.insert(declarator_start, before);
    m_output.append(after);
    size_t declarator_end = m_output.size() - after.length();
    m_output.rotate(type.hole, declarator_start, m_output.size());
    size_t hole = type.hole + (declarator_end - declarator_start);
    return {type.start, hole, m_output.size(), type.shape == Shape::Plain ? Shape::Plain : Shape::Declarator,
            Reference::None};
}

TypeSpan Parser::attach_qualifier(TypeSpan type, StringView text) {
    m_output.append(text);
    return attach_trailing_qualifier(type);
}

// The qualifier text follows the type. On an array it qualifies the element: "int const [3]".
TypeSpan Parser::attach_trailing_qualifier(TypeSpan type) {
    if (type.shape != Shape::Array || type.hole <= type.start)
        return attach(type, Spacing::Tight);
    size_t length = m_output.size() - type.end;
    m_output.rotate(type.hole - 1, type.end, m_output.size());
    return {type.start, type.hole + length, m_output.size(), Shape::Array, Reference::None};
}

// "& &&" collapses to "&" and "&& &&" to "&&", as in C++ (c++filt does the same).
TypeSpan Parser::attach_reference(TypeSpan type, Reference reference) {
    if (type.reference == Reference::LValue)
        return type;
    if (type.reference == Reference::RValue) {
        if (reference == Reference::RValue)
            return type;
        m_output.erase(type.hole - 1, type.hole);
        return {type.start, type.hole - 1, type.end - 1, type.shape, Reference::LValue};
    }
    m_output.append(reference == Reference::LValue ? "&" : "&&");
    TypeSpan span = attach(type, Spacing::Tight);
    span.reference = reference;
    return span;
}

// The element is [start, end) and its "[N]" follows: "int [3]", "int [2][3]", "void (* [3])(int)".
// Output [start, end) was printed before `type` but belongs after it: move it to the end and shift
// the type's span to where the type now is.
TypeSpan Parser::move_after(size_t start, size_t end, TypeSpan type) {
    size_t length = end - start;
    m_output.rotate(start, end, m_output.size());
    type.start -= length;
    type.hole -= length;
    type.end -= length;
    return type;
}

TypeSpan Parser::attach_array(TypeSpan element) {
    size_t dimension_start = element.end;
    size_t hole;
    switch (element.shape) {
    case Shape::Plain:
        m_output.insert(dimension_start, " ");
        hole = dimension_start + 1;
        break;
    case Shape::Array:
        m_output.rotate(element.hole, dimension_start, m_output.size());
        hole = element.hole;
        break;
    default:
        m_output.insert(dimension_start, " ");
        m_output.rotate(element.hole, dimension_start, m_output.size());
        hole = element.hole + 1;
        break;
    }
    return {element.start, hole, m_output.size(), Shape::Array, Reference::None};
}

// The return type is [start, end) and "(parameters) qualifiers" follows; the function's own hole is
// just before its parameters: "void (int)" becomes "void (*)(int)".
TypeSpan Parser::attach_function(TypeSpan return_type) {
    size_t parameters_start = return_type.end;
    size_t hole;
    switch (return_type.shape) {
    case Shape::Plain:
        m_output.insert(parameters_start, " ");
        hole = parameters_start + 1;
        break;
    case Shape::Array:
        m_output.insert(parameters_start, "(");
        m_output.append(") ");
        m_output.rotate(return_type.hole, parameters_start, m_output.size());
        hole = return_type.hole + 1;
        break;
    default:
        m_output.rotate(return_type.hole, parameters_start, m_output.size());
        hole = return_type.hole;
        break;
    }
    return {return_type.start, hole, m_output.size(), Shape::Function, Reference::None};
}

} // namespace demangle::detail
