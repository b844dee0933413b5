// Expressions (Itanium C++ ABI 5.1.6: decltype return types, template arguments, array bounds) and
// literals. c++filt's layout: operands are parenthesised unless they are names or function parameters,
// "decltype ((a>b))" gets an extra pair, calls print "f(a, b)". Forms c++filt itself does not demangle
// (fpK_, nx, ...) and rare ones (placement new, sizeof...) fail with an error instead.
#include "demangle/parser.h"

namespace demangle::detail {

namespace {

constexpr OperatorInfo operators[] = {
    {{'n', 'w'}, "new", OperatorKind::New},         {{'n', 'a'}, "new[]", OperatorKind::New},
    {{'d', 'l'}, "delete", OperatorKind::Delete},   {{'d', 'a'}, "delete[]", OperatorKind::Delete},
    {{'a', 'w'}, "co_await", OperatorKind::Prefix}, {{'p', 's'}, "+", OperatorKind::Prefix},
    {{'n', 'g'}, "-", OperatorKind::Prefix},        {{'a', 'd'}, "&", OperatorKind::Prefix},
    {{'d', 'e'}, "*", OperatorKind::Prefix},        {{'c', 'o'}, "~", OperatorKind::Prefix},
    {{'n', 't'}, "!", OperatorKind::Prefix},        {{'p', 'l'}, "+", OperatorKind::Binary},
    {{'m', 'i'}, "-", OperatorKind::Binary},        {{'m', 'l'}, "*", OperatorKind::Binary},
    {{'d', 'v'}, "/", OperatorKind::Binary},        {{'r', 'm'}, "%", OperatorKind::Binary},
    {{'a', 'n'}, "&", OperatorKind::Binary},        {{'o', 'r'}, "|", OperatorKind::Binary},
    {{'e', 'o'}, "^", OperatorKind::Binary},        {{'a', 'S'}, "=", OperatorKind::Binary},
    {{'p', 'L'}, "+=", OperatorKind::Binary},       {{'m', 'I'}, "-=", OperatorKind::Binary},
    {{'m', 'L'}, "*=", OperatorKind::Binary},       {{'d', 'V'}, "/=", OperatorKind::Binary},
    {{'r', 'M'}, "%=", OperatorKind::Binary},       {{'a', 'N'}, "&=", OperatorKind::Binary},
    {{'o', 'R'}, "|=", OperatorKind::Binary},       {{'e', 'O'}, "^=", OperatorKind::Binary},
    {{'l', 's'}, "<<", OperatorKind::Binary},       {{'r', 's'}, ">>", OperatorKind::Binary},
    {{'l', 'S'}, "<<=", OperatorKind::Binary},      {{'r', 'S'}, ">>=", OperatorKind::Binary},
    {{'e', 'q'}, "==", OperatorKind::Binary},       {{'n', 'e'}, "!=", OperatorKind::Binary},
    {{'l', 't'}, "<", OperatorKind::Binary},        {{'g', 't'}, ">", OperatorKind::Binary},
    {{'l', 'e'}, "<=", OperatorKind::Binary},       {{'g', 'e'}, ">=", OperatorKind::Binary},
    {{'s', 's'}, "<=>", OperatorKind::Binary},      {{'a', 'a'}, "&&", OperatorKind::Binary},
    {{'o', 'o'}, "||", OperatorKind::Binary},       {{'p', 'p'}, "++", OperatorKind::Increment},
    {{'m', 'm'}, "--", OperatorKind::Increment},    {{'c', 'm'}, ",", OperatorKind::Binary},
    {{'p', 'm'}, "->*", OperatorKind::Binary},      {{'p', 't'}, "->", OperatorKind::Binary},
    {{'d', 't'}, ".", OperatorKind::Binary},        {{'d', 's'}, ".*", OperatorKind::Binary},
    {{'c', 'l'}, "()", OperatorKind::Call},         {{'i', 'x'}, "[]", OperatorKind::Index},
    {{'q', 'u'}, "?", OperatorKind::Conditional},   {{'s', 't'}, "sizeof", OperatorKind::SizeofType},
    {{'s', 'z'}, "sizeof", OperatorKind::Prefix},   {{'a', 't'}, "alignof", OperatorKind::SizeofType},
    {{'a', 'z'}, "alignof", OperatorKind::Prefix},  {{'t', 'w'}, "throw", OperatorKind::Prefix},
};

struct Cast {
    char first;
    StringView name;
};
constexpr Cast casts[] = {
    {'s', "static_cast"},
    {'d', "dynamic_cast"},
    {'r', "reinterpret_cast"},
    {'c', "const_cast"},
};

// Literal suffixes of the integer types c++filt prints without a cast.
struct IntegerLiteral {
    char code;
    StringView suffix;
};
constexpr IntegerLiteral integer_literals[] = {
    {'i', ""}, {'j', "u"}, {'l', "l"}, {'m', "ul"}, {'x', "ll"}, {'y', "ull"},
};

} // namespace

const OperatorInfo* find_operator(char first, char second) {
    for (const OperatorInfo& op : operators)
        if (op.code[0] == first && op.code[1] == second)
            return &op;
    return nullptr;
}

// An operand: parenthesised unless simple.
ErrorOr<void> Parser::parse_operand() {
    size_t start = m_output.size();
    bool simple = TRY(parse_expression());
    if (!simple) {
        m_output.insert(start, "(");
        m_output.append_char(')');
    }
    return {};
}

// Expressions up to an E, comma-separated.
ErrorOr<void> Parser::parse_expression_list() {
    for (size_t index = 0; !consume('E'); ++index) {
        if (at_end())
            return Errno::InvalidArgument;
        if (index > 0)
            m_output.append(", ");
        TRY(parse_expression());
    }
    return {};
}

ErrorOr<bool> Parser::parse_expression() {
    DEMANGLE_ENTER();
    char first = peek(), second = peek(1);
    if (first == 'L')
        return parse_expr_primary();
    if (first == 's' && second == 'p') {
        TRY(parse_pack_expansion(ReplayAs::Expression));
        return false;
    }
    if (first == 's' && second == 'Z') {
        TRY(parse_sizeof_pack());
        return false;
    }
    if (first == 'a' && second == 'd' && peek(2) == 'L' &&
        (peek(3) == 'Z' || (peek(3) == '_' && peek(4) == 'Z'))) {
        // The address of a member function prints as "&A::f", without its parameters (c++filt).
        m_position += 3;
        m_output.append_char('&');
        size_t start = m_output.size();
        consume('_');
        ++m_position;
        TemplateArgs saved = m_template_args;
        EncodingResult encoding = TRY(parse_encoding(EncodingContext::TopLevel));
        m_template_args = saved;
        TRY(expect('E'));
        if (encoding.kind == EncodingKind::QualifiedFunction) {
            m_output.truncate(encoding.name_end);
        } else if (encoding.kind != EncodingKind::SimpleData) {
            m_output.insert(start, "(");
            m_output.append_char(')');
        }
        return false;
    }
    if (first == 'T') {
        TRY(parse_template_param());
        return false;
    }
    if (first == 'f' && second == 'p') {
        m_position += 2;
        if (consume('T')) {
            m_output.append("this");
            return true;
        }
        // fp [<cv-qualifiers>] [<number>] _ : "{parm#N}"; c++filt refuses the qualified form.
        uint64_t number = TRY(parse_optional_number_then_underscore());
        m_output.append("{parm#");
        m_output.append_number(number + 1);
        m_output.append_char('}');
        return true;
    }
    if (first == 's' && second == 'r') {
        m_position += 2;
        return parse_unresolved_name();
    }
    if (first == 'g' && second == 's') {
        // ::new, ::delete, ::name
        m_position += 2;
        m_output.append("::");
        return parse_expression();
    }
    if (first == 'i' && second == 'l') {
        m_position += 2;
        m_output.append_char('{');
        TRY(parse_expression_list());
        m_output.append_char('}');
        return true;
    }
    if (first == 't' && second == 'l') {
        m_position += 2;
        TRY(parse_type());
        m_output.append_char('{');
        TRY(parse_expression_list());
        m_output.append_char('}');
        return false;
    }
    if (first == 't' && second == 'r') {
        m_position += 2;
        m_output.append("throw");
        return false;
    }
    if (first == 'c' && second == 'v') {
        // cv <type> <expression> | cv <type> _ <expression>* E: "(int)x", "(int)(a, b)"
        m_position += 2;
        m_output.append_char('(');
        TRY(parse_type());
        m_output.append_char(')');
        if (consume('_')) {
            m_output.append_char('(');
            TRY(parse_expression_list());
            m_output.append_char(')');
        } else {
            TRY(parse_operand());
        }
        return false;
    }
    if (second == 'c') {
        for (const Cast& cast : casts) {
            if (first == cast.first) {
                m_position += 2;
                m_output.append(cast.name);
                m_output.append_char('<');
                TRY(parse_type());
                m_output.append(">(");
                TRY(parse_expression());
                m_output.append_char(')');
                return false;
            }
        }
    }
    if (first == 'o' && second == 'n') {
        // An operator used as a name, "operator+".
        m_position += 2;
        NameInfo ignored;
        TRY(parse_operator_name(ignored, false));
        if (peek() == 'I')
            TRY(parse_template_args(false));
        return false;
    }
    if (is_digit(first)) {
        TRY(parse_source_name(false));
        if (peek() == 'I') {
            TRY(parse_template_args(false));
            return false;
        }
        return true;
    }
    const OperatorInfo* op = find_operator(first, second);
    if (op == nullptr)
        return Errno::NotSupported;
    m_position += 2;
    switch (op->kind) {
    case OperatorKind::Prefix:
        m_output.append(op->name);
        if (is_lower(op->name[0]))
            m_output.append_char(' ');
        TRY(parse_operand());
        return false;
    case OperatorKind::Increment:
        // pp_ <expression> is the prefix form, pp <expression> the postfix one.
        if (consume('_')) {
            m_output.append(op->name);
            TRY(parse_operand());
        } else {
            TRY(parse_operand());
            m_output.append(op->name);
        }
        return false;
    case OperatorKind::Binary: {
        bool greater = op->name == ">"; // "(a>b)", which could otherwise end a template argument list
        bool member = op->name == "." || op->name == "->";
        if (greater)
            m_output.append_char('(');
        TRY(parse_operand());
        m_output.append(op->name);
        if (member)
            TRY(parse_member_name());
        else
            TRY(parse_operand());
        if (greater)
            m_output.append_char(')');
        return false;
    }
    case OperatorKind::Call:
        TRY(parse_operand());
        m_output.append_char('(');
        TRY(parse_expression_list());
        m_output.append_char(')');
        return false;
    case OperatorKind::Index:
        TRY(parse_operand());
        m_output.append_char('[');
        TRY(parse_expression());
        m_output.append_char(']');
        return false;
    case OperatorKind::Conditional:
        TRY(parse_operand());
        m_output.append_char('?');
        TRY(parse_operand());
        m_output.append(" : ");
        TRY(parse_operand());
        return false;
    case OperatorKind::SizeofType:
        m_output.append(op->name);
        m_output.append(" (");
        TRY(parse_type());
        m_output.append_char(')');
        return false;
    case OperatorKind::New:
        TRY(parse_new_expression(op->name));
        return false;
    case OperatorKind::Delete:
        m_output.append(op->name);
        m_output.append_char(' ');
        TRY(parse_operand());
        return false;
    }
    return Errno::NotSupported;
}

// [gs] nw <placement expression>* _ <type> [pi <expression>* ] E: "new (p) T(a, b)".
ErrorOr<void> Parser::parse_new_expression(StringView name) {
    m_output.append(name);
    m_output.append_char(' ');
    if (!consume('_')) {
        m_output.append_char('(');
        for (size_t index = 0; !consume('_'); ++index) {
            if (at_end())
                return Errno::InvalidArgument;
            if (index > 0)
                m_output.append(", ");
            TRY(parse_expression());
        }
        m_output.append(") ");
    }
    TRY(parse_type());
    if (consume("pi")) {
        m_output.append_char('(');
        TRY(parse_expression_list());
        m_output.append_char(')');
        return {};
    }
    if (!consume('E'))
        return Errno::NotSupported; // braced initialisers
    return {};
}

// The right of "." and "->": a member name, "a.b", "a.(b<int>)", "a.A::b" (c++filt accepts no more).
ErrorOr<void> Parser::parse_member_name() {
    size_t start = m_output.size();
    bool simple = true;
    if (is_digit(peek())) {
        TRY(parse_source_name(false));
    } else if (consume("on")) {
        NameInfo ignored;
        TRY(parse_operator_name(ignored, false));
        simple = false;
    } else if (consume("sr")) {
        TRY(parse_unresolved_name());
    } else {
        return Errno::InvalidArgument;
    }
    if (peek() == 'I') {
        TRY(parse_template_args(false));
        simple = false;
    }
    if (!simple) {
        m_output.insert(start, "(");
        m_output.append_char(')');
    }
    return {};
}

// sZ <template-param> is sizeof...(T): c++filt prints the pack's length (0 for what is not a pack).
ErrorOr<void> Parser::parse_sizeof_pack() {
    m_position += 2;
    if (peek() == 'f' && peek(1) == 'p') {
        size_t mark = m_output.size();
        ++m_discarding;
        TRY(parse_expression());
        --m_discarding;
        m_output.truncate(mark);
        m_output.append_char('0');
        return {};
    }
    TRY(expect('T'));
    size_t index = TRY(parse_optional_number_then_underscore());
    if (!m_template_args.valid || index >= m_template_args.ranges.size())
        return Errno::InvalidArgument;
    SourceRange argument = m_template_args.ranges[index];
    size_t length = 0;
    if (m_input[argument.begin] == 'J') {
        SourceRange ignored;
        length = TRY(pack_element(argument, 0, ignored));
    }
    m_output.append_number(length);
    return {};
}

// sr <type> <unqualified-name> [<template-args>]: "T::x", "A<int>::b" (a qualified name: simple), and
// sr <qualifier>+ E <unqualified-name> [<template-args>]: "std::is_signed<int>::value".
ErrorOr<bool> Parser::parse_unresolved_name() {
    DEMANGLE_ENTER();
    char next = peek();
    if (!m_old_unresolved_syntax &&
        (is_digit(next) || is_lower(next) || next == 'C' || next == 'U' || next == 'L')) {
        m_used_new_unresolved_syntax = true;
        NameInfo ignored;
        TRY(parse_prefix_components(ignored, false, m_position, false)); // no candidates, as c++filt
        consume('E');
    } else {
        TRY(parse_type());
    }
    m_output.append("::");
    if (consume("on")) {
        NameInfo ignored;
        TRY(parse_operator_name(ignored, false));
    } else {
        TRY(parse_source_name(false));
    }
    if (peek() == 'I') {
        TRY(parse_template_args(false));
        return false; // "(std::declval<T>)": c++filt parenthesises a name with arguments
    }
    return true;
}

// L <type> <value> E, L_Z <encoding> E (an entity: "x", "g()", "&f"). Literals print as c++filt does:
// "5", "5u", "5ul", "true", "(char)97", "(E)5", "(float)[3f800000]", "(decltype(nullptr))0".
ErrorOr<bool> Parser::parse_expr_primary() {
    DEMANGLE_ENTER();
    TRY(expect('L'));
    if (peek() == 'Z' || (peek() == '_' && peek(1) == 'Z')) {
        consume('_');
        ++m_position;
        TemplateArgs saved = m_template_args;
        EncodingResult encoding = TRY(parse_encoding(EncodingContext::TopLevel));
        m_template_args = saved;
        TRY(expect('E'));
        return encoding.kind == EncodingKind::SimpleData;
    }
    auto print_value = [this](bool hexadecimal) -> ErrorOr<void> {
        if (consume('n'))
            m_output.append_char('-');
        size_t begin = m_position;
        while (is_digit(peek()) || (hexadecimal && peek() >= 'a' && peek() <= 'f'))
            ++m_position;
        m_output.append(StringView(m_input + begin, m_position - begin));
        return {};
    };
    char type = peek();
    for (const IntegerLiteral& literal : integer_literals) {
        if (type == literal.code) {
            ++m_position;
            TRY(print_value(false));
            m_output.append(literal.suffix);
            TRY(expect('E'));
            return false;
        }
    }
    if (type == 'b' && (peek(1) == '0' || peek(1) == '1') && peek(2) == 'E') {
        m_output.append(peek(1) == '1' ? "true" : "false");
        m_position += 3;
        return false;
    }
    if (type == 'D' && peek(1) == 'n' && peek(2) == 'E') {
        m_position += 3;
        m_output.append("decltype(nullptr)");
        return false;
    }
    if (type == 'A')
        return Errno::NotSupported; // string literals
    bool floating = type == 'f' || type == 'd' || type == 'e' || type == 'g';
    m_output.append_char('(');
    TRY(parse_type());
    m_output.append_char(')');
    if (floating)
        m_output.append_char('[');
    TRY(print_value(floating));
    if (floating)
        m_output.append_char(']');
    TRY(expect('E'));
    return false;
}

} // namespace demangle::detail
