// Encodings, names and special names (vtables, thunks, guard variables): the demangler's entry points.
// Grammar: the Itanium C++ ABI, section 5.1 ("External Names"); the printed spelling is c++filt's
// (binutils), checked against it by the tests.
#include "demangle/demangle.h"
#include "demangle/parser.h"

namespace demangle {

ktl::ErrorOr<ktl::StringView> demangle(ktl::StringView mangled, char* buffer, size_t capacity) {
    if (buffer == nullptr || capacity == 0)
        return ktl::Errno::NoSpace;
    if (mangled.length() > max_mangled_length)
        return ktl::Errno::Overflow;
    detail::Parser parser(mangled, buffer, capacity - 1); // one byte stays for the NUL
    auto text = TRY(parser.run());
    buffer[text.length()] = '\0';
    return text;
}

} // namespace demangle

namespace demangle::detail {

bool is_digit(char character) {
    return character >= '0' && character <= '9';
}
bool is_lower(char character) {
    return character >= 'a' && character <= 'z';
}
bool is_upper(char character) {
    return character >= 'A' && character <= 'Z';
}

namespace {

// hostile input whose substitutions refer to each other many times over.
constexpr size_t fuel_per_byte = 32;

} // namespace

Parser::Parser(StringView input, char* buffer, size_t capacity, size_t stack_budget)
    : m_input(input.data()), m_length(input.length()), m_end(input.length()), m_output(buffer, capacity),
      m_fuel(fuel_per_byte * (input.length() + capacity) + 1024), m_initial_fuel(m_fuel),
      m_stack_budget(stack_budget) {}

ErrorOr<StringView> Parser::run() {
    m_stack_base = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    auto result = run_once();
    if (result.is_error() && m_used_new_unresolved_syntax && !m_old_unresolved_syntax) {
        reset();
        m_old_unresolved_syntax = true;
        result = run_once();
    }
    return result;
}

void Parser::reset() {
    m_position = 0;
    m_end = m_length;
    m_output.clear();
    m_substitutions.clear();
    m_template_args = {};
    m_last_name = {};
    m_replaying = 0;
    m_lambda_depth = 0;
    m_conversion_pending = false;
    m_conversion_used_param = false;
    m_conversion_args_depth = 0;
    m_conversion = {};
    m_pack = {};
    m_pending_qualifiers = 0;
    m_referenced_params.clear();
    m_reference_param = static_cast<size_t>(-1);
    m_discarding = 0;
    m_depth = 0;
    m_fuel = m_initial_fuel;
}

ErrorOr<StringView> Parser::run_once() {
    if (!consume("_Z"))
        return Errno::InvalidArgument;
    TRY(parse_encoding(EncodingContext::TopLevel));
    // GCC's clones of a function: ".cold", ".isra.0", ".constprop.0", ".part.0", ".lto_priv.0", ...
    while (peek() == '.' && (is_lower(peek(1)) || peek(1) == '_' || is_digit(peek(1))))
        TRY(parse_clone_suffix());
    if (!at_end())
        return Errno::InvalidArgument;
    if (m_output.overflowed())
        return Errno::NoSpace;
    return m_output.view();
}

// --- cursor ---------------------------------------------------------------------------------------

bool Parser::consume(char character) {
    if (at_end() || m_input[m_position] != character)
        return false;
    ++m_position;
    return true;
}

bool Parser::consume(StringView text) {
    for (size_t i = 0; i < text.length(); ++i)
        if (peek(i) != text[i])
            return false;
    m_position += text.length();
    return true;
}

ErrorOr<void> Parser::expect(char character) {
    if (!consume(character))
        return Errno::InvalidArgument;
    return {};
}

ErrorOr<uint64_t> Parser::parse_number() {
    if (!is_digit(peek()))
        return Errno::InvalidArgument;
    uint64_t value = 0;
    while (is_digit(peek())) {
        value = value * 10 + static_cast<uint64_t>(peek() - '0');
        if (value > 0xffffffffu) // no real length, index or discriminator is this large
            return Errno::InvalidArgument;
        ++m_position;
    }
    return value;
}

ErrorOr<uint64_t> Parser::parse_optional_number_then_underscore() {
    if (consume('_'))
        return 0;
    uint64_t value = TRY(parse_number());
    TRY(expect('_'));
    return value + 1;
}

ErrorOr<void> Parser::enter() {
    if (m_depth >= max_depth || m_fuel == 0)
        return Errno::Overflow;
    // The stack grows down on x86-64; the depth limit bounds it too, this makes the bound exact.
    uintptr_t frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    if (m_stack_base > frame && m_stack_base - frame > m_stack_budget)
        return Errno::Overflow;
    if (m_output.overflowed())
        return Errno::NoSpace;
    --m_fuel;
    ++m_depth;
    return {};
}
// --- encodings ------------------------------------------------------------------------------------

ErrorOr<EncodingResult> Parser::parse_encoding(EncodingContext context) {
    DEMANGLE_ENTER();
    if (peek() == 'T' ||
        (peek() == 'G' && (peek(1) == 'V' || peek(1) == 'R' || peek(1) == 'T' || peek(1) == 'A'))) {
        TRY(parse_special_name());
        return EncodingResult{EncodingKind::Special, m_output.size()};
    }
    size_t start = m_output.size();
    NameInfo info;
    TRY(parse_name(info, true));
    size_t name_end = m_output.size();
    if (peek() == '.')
        return Errno::InvalidArgument; // c++filt takes clone suffixes on functions only
    if (at_end() || peek() == 'E')
        return EncodingResult{info.is_simple ? EncodingKind::SimpleData : EncodingKind::Data, name_end};

    bool has_return_type = info.ends_in_template_args && !info.no_return_type;
    TypeSpan return_type;
    if (has_return_type) {
        bool discarded = context == EncodingContext::LocalScope; // c++filt omits it
        m_discarding += discarded;
        return_type = TRY(parse_type());
        m_discarding -= discarded;
    }
    size_t params_start = m_output.size();
    m_output.append_char('(');
    TRY(parse_parameter_types());
    m_output.append_char(')');
    print_function_qualifiers(info.qualifiers, info.ref_qualifier);
    if (has_return_type) {
        if (context == EncodingContext::LocalScope) {
            m_output.erase(name_end, params_start);
        } else {
            // [name][return type][params] becomes the return type with "name(params)" as its declarator.
            size_t name_length = name_end - start;
            m_output.rotate(start, name_end, params_start);
            return_type.start -= name_length;
            return_type.hole -= name_length;
            return_type.end -= name_length;
            attach(return_type, Spacing::Name);
        }
    }
    bool qualified = info.nested && !info.ends_in_template_args && info.qualifiers == 0 &&
                     info.ref_qualifier == Reference::None;
    return EncodingResult{qualified ? EncodingKind::QualifiedFunction : EncodingKind::Function, name_end};
}

void Parser::print_function_qualifiers(uint8_t qualifiers, Reference ref_qualifier) {
    if (qualifiers & qualifier_const)
        m_output.append(" const");
    if (qualifiers & qualifier_volatile)
        m_output.append(" volatile");
    if (qualifiers & qualifier_restrict)
        m_output.append(" restrict");
    if (ref_qualifier == Reference::LValue)
        m_output.append(" &");
    else if (ref_qualifier == Reference::RValue)
        m_output.append(" &&");
}

// Parameter types, comma-separated, up to the end of the list; a lone "v" is an empty list.
ErrorOr<void> Parser::parse_parameter_types() {
    auto at_list_end = [this] {
        char next = peek();
        return at_end() || next == 'E' || next == '.' || ((next == 'R' || next == 'O') && peek(1) == 'E');
    };
    if (at_list_end())
        return Errno::InvalidArgument;
    if (peek() == 'v') {
        ++m_position;
        if (at_list_end())
            return {};
        --m_position;
    }
    ListSeparators separators(m_output);
    for (size_t index = 0; !at_list_end(); ++index) {
        size_t element = separators.before(index);
        TRY(parse_type());
        separators.after(element);
    }
    separators.finish();
    return {};
}

ErrorOr<void> Parser::parse_clone_suffix() {
    size_t begin = m_position++;
    while (is_lower(peek()) || is_digit(peek()) || peek() == '_')
        ++m_position;
    while (peek() == '.' && is_digit(peek(1))) {
        m_position += 2;
        while (is_digit(peek()))
            ++m_position;
    }
    m_output.append(" [clone ");
    m_output.append(StringView(m_input + begin, m_position - begin));
    m_output.append_char(']');
    return {};
}

// <call-offset> ::= h <number> _ | v <number> _ <number> _ (numbers may start with n for negative)
ErrorOr<void> Parser::parse_call_offset() {
    auto offset = [this]() -> ErrorOr<void> {
        consume('n');
        TRY(parse_number());
        return expect('_');
    };
    if (consume('h'))
        return offset();
    if (consume('v')) {
        TRY(offset());
        return offset();
    }
    return Errno::InvalidArgument;
}

ErrorOr<void> Parser::parse_special_name() {
    DEMANGLE_ENTER();
    struct TypeSpecial {
        StringView code, text;
    };
    static constexpr TypeSpecial type_specials[] = {
        {"TV", "vtable for "},
        {"TT", "VTT for "},
        {"TI", "typeinfo for "},
        {"TS", "typeinfo name for "},
    };
    for (const TypeSpecial& special : type_specials) {
        if (consume(special.code)) {
            m_output.append(special.text);
            TRY(parse_type());
            return {};
        }
    }
    NameInfo ignored;
    if (peek() == 'T' && (peek(1) == 'h' || peek(1) == 'v')) {
        // Th/Tv are the call offset's own h/v: "T" + <call-offset> + <encoding>.
        ++m_position;
        m_output.append(peek() == 'h' ? "non-virtual thunk to " : "virtual thunk to ");
        TRY(parse_call_offset());
        TRY(parse_encoding(EncodingContext::TopLevel));
    } else if (consume("Tc")) {
        m_output.append("covariant return thunk to ");
        TRY(parse_call_offset());
        TRY(parse_call_offset());
        TRY(parse_encoding(EncodingContext::TopLevel));
    } else if (consume("TC")) {
        // TC <derived> <offset> _ <base>: printed "construction vtable for <base>-in-<derived>".
        m_output.append("construction vtable for ");
        size_t derived_start = m_output.size();
        TRY(parse_type());
        size_t derived_length = m_output.size() - derived_start;
        TRY(parse_number());
        TRY(expect('_'));
        TRY(parse_type());
        m_output.rotate(derived_start, derived_start + derived_length, m_output.size());
        m_output.insert(m_output.size() - derived_length, "-in-");
    } else if (consume("TH")) {
        m_output.append("TLS init function for ");
        TRY(parse_name(ignored, false));
    } else if (consume("TW")) {
        m_output.append("TLS wrapper function for ");
        TRY(parse_name(ignored, false));
    } else if (consume("TA")) {
        m_output.append("template parameter object for ");
        TRY(parse_template_arg());
    } else if (consume("GV")) {
        m_output.append("guard variable for ");
        TRY(parse_name(ignored, false));
    } else if (consume("GR")) {
        // GR <name> [<number>]: "reference temporary #<number> for <name>".
        size_t start = m_output.size();
        TRY(parse_name(ignored, false));
        uint64_t number = is_digit(peek()) ? TRY(parse_number()) : 0;
        char text[48] = "reference temporary #";
        size_t length = 21, count = 0;
        char digits[12];
        do {
            digits[count++] = static_cast<char>('0' + number % 10);
            number /= 10;
        } while (number != 0);
        while (count > 0)
            text[length++] = digits[--count];
        for (char character : StringView(" for "))
            text[length++] = character;
        m_output.insert(start, StringView(text, length));
    } else if (consume("GTt")) {
        m_output.append("transaction clone for ");
        TRY(parse_encoding(EncodingContext::TopLevel));
    } else if (consume("GTn")) {
        m_output.append("non-transaction clone for ");
        TRY(parse_encoding(EncodingContext::TopLevel));
    } else if (consume("GA")) {
        m_output.append("hidden alias for ");
        TRY(parse_encoding(EncodingContext::TopLevel));
    } else {
        return Errno::InvalidArgument;
    }
    return {};
}

// --- names ----------------------------------------------------------------------------------------

ErrorOr<void> Parser::parse_name(NameInfo& info, bool encoding_name) {
    DEMANGLE_ENTER();
    size_t begin = m_position;
    if (peek() == 'N') {
        TRY(parse_nested_name(info, encoding_name));
    } else if (peek() == 'Z') {
        TRY(parse_local_name(info, encoding_name));
    } else {
        if (peek() == 'S' && peek(1) == 't') {
            m_position += 2;
            m_output.append("std::");
            TRY(parse_unqualified_name(info, encoding_name));
        } else if (peek() == 'S') {
            bool was_abbreviation = false;
            TRY(parse_substitution(was_abbreviation));
            if (peek() != 'I')
                return Errno::InvalidArgument;
        } else {
            TRY(parse_unqualified_name(info, encoding_name));
        }
        if (peek() == 'I') {
            // An unscoped template name is a candidate itself (unless it was a substitution).
            if (m_input[begin] != 'S' || m_input[begin + 1] == 't')
                TRY(add_substitution(begin, true));
            TRY(parse_template_args(encoding_name));
            info.ends_in_template_args = true;
            info.is_simple = false;
        }
    }
    if (encoding_name && !info.ends_in_template_args)
        m_template_args.valid = false; // T_ names the arguments of a function template only
    return {};
}

ErrorOr<void> Parser::parse_nested_name(NameInfo& info, bool encoding_name) {
    DEMANGLE_ENTER();
    TRY(expect('N'));
    for (;;) {
        if (consume('r'))
            info.qualifiers |= qualifier_restrict;
        else if (consume('V'))
            info.qualifiers |= qualifier_volatile;
        else if (consume('K'))
            info.qualifiers |= qualifier_const;
        else
            break;
    }
    if (consume('R'))
        info.ref_qualifier = Reference::LValue;
    else if (consume('O'))
        info.ref_qualifier = Reference::RValue;
    TRY(parse_prefix_components(info, encoding_name, m_position));
    return expect('E');
}

// The components of a nested name (or of a remembered prefix being replayed), printed with "::".
// Every prefix of the name but the whole is a substitution candidate, except components that were
// substitutions themselves.
ErrorOr<void> Parser::parse_prefix_components(NameInfo& info, bool encoding_name, size_t prefix_begin,
                                              bool add_candidates) {
    DEMANGLE_ENTER();
    bool first = true;
    ConversionRerender conversion;
    while (!at_end() && peek() != 'E') {
        bool was_substitution = false;
        char next = peek();
        if (next == 'I') {
            if (first)
                return Errno::InvalidArgument;
            TRY(parse_template_args(encoding_name));
            info.ends_in_template_args = true;
            info.is_simple = false;
            if (conversion.pending) {
                // Print "operator T" again now that T_ has its argument, and put it in the old text's place.
                size_t arguments_end = m_output.size();
                TRY(replay(conversion.type, ReplayAs::Type));
                m_output.erase(conversion.output_begin, conversion.output_end);
                size_t arguments_length = arguments_end - conversion.output_end;
                m_output.rotate(conversion.output_begin, conversion.output_begin + arguments_length,
                                m_output.size());
                conversion.pending = false;
            }
        } else if (next == 'M') {
            // A closure's data-member scope: c++filt prints the member as the lambda's scope.
            if (first)
                return Errno::InvalidArgument;
            ++m_position;
            continue;
        } else {
            if (conversion.pending)
                return Errno::InvalidArgument; // the conversion's T_ has no arguments to name
            if (!first) {
                m_output.append("::");
                info.nested = true;
            }
            info.ends_in_template_args = false;
            if (next == 'S' && peek(1) == 't') {
                m_position += 2;
                m_output.append("std");
                was_substitution = true;
            } else if (next == 'S') {
                bool was_abbreviation = false;
                TRY(parse_substitution(was_abbreviation));
                was_substitution = true;
            } else if (next == 'T') {
                TRY(parse_template_param());
            } else if (next == 'D' && (peek(1) == 't' || peek(1) == 'T')) {
                TRY(parse_type());
            } else if (next == 'C' || (next == 'D' && peek(1) != 'C')) {
                TRY(parse_ctor_dtor_name(info));
            } else {
                TRY(parse_unqualified_name(info, encoding_name));
                if (m_conversion.pending) {
                    conversion = m_conversion;
                    m_conversion.pending = false;
                    if (peek() != 'I')
                        return Errno::InvalidArgument;
                }
            }
        }
        first = false;
        if (add_candidates && !was_substitution && peek() != 'E')
            TRY(add_substitution(prefix_begin, true));
    }
    if (first)
        return Errno::InvalidArgument;
    return {};
}

ErrorOr<void> Parser::parse_ctor_dtor_name(NameInfo& info) {
    if (consume('C')) {
        bool inheriting = consume('I');
        if (peek() < '1' || peek() > '5')
            return Errno::InvalidArgument;
        ++m_position;
        if (inheriting) {
            // An inheriting constructor names the base it comes from; c++filt prints that base's name.
            size_t mark = m_output.size();
            ++m_discarding;
            TRY(parse_type());
            --m_discarding;
            m_output.truncate(mark);
        }
    } else {
        TRY(expect('D'));
        char kind = peek();
        if (kind != '0' && kind != '1' && kind != '2' && kind != '4' && kind != '5')
            return Errno::InvalidArgument;
        ++m_position;
        m_output.append_char('~');
    }
    if (m_last_name.is_empty() && m_discarding == 0)
        return Errno::InvalidArgument;
    m_output.append(m_last_name);
    info.no_return_type = true;
    return parse_abi_tags();
}

ErrorOr<void> Parser::parse_local_name(NameInfo& info, bool encoding_name) {
    DEMANGLE_ENTER();
    TRY(expect('Z'));
    // The function's own template arguments are its business; the entity's (if any) follow.
    TemplateArgs saved = m_template_args;
    TRY(parse_encoding(EncodingContext::LocalScope));
    m_template_args = saved;
    TRY(expect('E'));
    m_output.append("::");
    info.is_simple = false;
    if (consume('s')) {
        m_output.append("string literal");
        return parse_discriminator();
    }
    if (consume('d')) {
        size_t number = TRY(parse_optional_number_then_underscore());
        m_output.append("{default arg#");
        m_output.append_number(number + 1);
        m_output.append("}::");
        return parse_name(info, encoding_name);
    }
    TRY(parse_name(info, encoding_name));
    info.is_simple = false;
    return parse_discriminator();
}

// <discriminator> ::= _ <digit> | __ <number> _, not printed. As c++filt, a lone "_" counts as one, and
// "__" needs its closing "_" only from 10 on.
ErrorOr<void> Parser::parse_discriminator() {
    if (!consume('_'))
        return {};
    bool long_form = consume('_');
    uint64_t value = is_digit(peek()) ? TRY(parse_number()) : 0;
    if (long_form && value >= 10)
        TRY(expect('_'));
    return {};
}

ErrorOr<void> Parser::parse_unqualified_name(NameInfo& info, bool encoding_name) {
    DEMANGLE_ENTER();
    consume('L'); // internal linkage (static): not printed
    char next = peek();
    if (is_digit(next)) {
        TRY(parse_source_name(true));
    } else if (next == 'U') {
        TRY(parse_lambda_or_unnamed_type());
    } else if (next == 'D' && peek(1) == 'C') {
        // A structured binding: "[a, b]".
        m_position += 2;
        m_output.append_char('[');
        for (size_t index = 0; !consume('E'); ++index) {
            if (at_end())
                return Errno::InvalidArgument;
            if (index > 0)
                m_output.append(", ");
            TRY(parse_source_name(false));
        }
        m_output.append_char(']');
    } else if (is_lower(next)) {
        TRY(parse_operator_name(info, encoding_name));
    } else {
        return Errno::InvalidArgument;
    }
    return parse_abi_tags();
}

ErrorOr<void> Parser::parse_source_name(bool remember_as_last_name) {
    uint64_t length = TRY(parse_number());
    if (length == 0 || length > m_end - m_position)
        return Errno::InvalidArgument;
    StringView identifier(m_input + m_position, length);
    m_position += length;
    // GCC names an anonymous namespace _GLOBAL__N_1 (with '.' or '$' in place of the second '_' on
    // some targets).
    if (identifier.starts_with("_GLOBAL_") && length > 9 &&
        (identifier[8] == '.' || identifier[8] == '_' || identifier[8] == '$') && identifier[9] == 'N')
        m_output.append("(anonymous namespace)");
    else
        m_output.append(identifier);
    if (remember_as_last_name)
        m_last_name = identifier;
    return {};
}

// ABI tags: B <source-name>, printed "[abi:cxx11]".
ErrorOr<void> Parser::parse_abi_tags() {
    while (consume('B')) {
        m_output.append("[abi:");
        TRY(parse_source_name(false));
        m_output.append_char(']');
    }
    return {};
}

ErrorOr<void> Parser::parse_operator_name(NameInfo& info, bool encoding_name) {
    char first = peek(), second = peek(1);
    if (first == 'c' && second == 'v') {
        m_position += 2;
        m_output.append("operator ");
        info.no_return_type = true;
        info.is_simple = false;
        size_t type_begin = m_position, output_begin = m_output.size();
        bool saved_pending = m_conversion_pending, saved_used = m_conversion_used_param;
        size_t saved_args_depth = m_conversion_args_depth;
        bool watch = encoding_name;
        if (watch) {
            m_conversion_pending = true;
            m_conversion_used_param = false;
            m_conversion_args_depth = 0;
        }
        TRY(parse_type());
        bool used = watch && m_conversion_used_param;
        m_conversion_pending = saved_pending;
        m_conversion_used_param = saved_used;
        m_conversion_args_depth = saved_args_depth;
        if (used)
            m_conversion = {true,
                            {static_cast<uint16_t>(type_begin), static_cast<uint16_t>(m_position)},
                            output_begin,
                            m_output.size()};
        return {};
    }
    if (first == 'l' && second == 'i') {
        m_position += 2;
        m_output.append("operator\"\" ");
        return parse_source_name(false);
    }
    if (first == 'v' && is_digit(second)) {
        m_position += 2;
        m_output.append("operator ");
        return parse_source_name(false);
    }
    const OperatorInfo* op = find_operator(first, second);
    if (op == nullptr)
        return Errno::InvalidArgument;
    m_position += 2;
    m_output.append("operator");
    if (is_lower(op->name[0]))
        m_output.append_char(' ');
    m_output.append(op->name);
    return {};
}

// Ut [<number>] _ is "{unnamed type#N}"; Ul <parameters> E [<number>] _ is "{lambda(<parameters>)#N}".
ErrorOr<void> Parser::parse_lambda_or_unnamed_type() {
    DEMANGLE_ENTER();
    if (consume("Ut")) {
        size_t number = TRY(parse_optional_number_then_underscore());
        m_output.append("{unnamed type#");
        m_output.append_number(number + 1);
        m_output.append_char('}');
        return {};
    }
    if (!consume("Ul"))
        return Errno::NotSupported;
    if (peek() == 'T' && (peek(1) == 'y' || peek(1) == 'n' || peek(1) == 't' || peek(1) == 'p'))
        return Errno::NotSupported; // explicit template parameters of a C++20 lambda
    m_output.append("{lambda(");
    ++m_lambda_depth;
    TRY(parse_parameter_types());
    --m_lambda_depth;
    TRY(expect('E'));
    size_t number = TRY(parse_optional_number_then_underscore());
    m_output.append(")#");
    m_output.append_number(number + 1);
    m_output.append_char('}');
    return {};
}

} // namespace demangle::detail
