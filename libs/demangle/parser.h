// The demangler's internals, shared by its .cpp files (names, substitutions, types, expressions, output).
//
// One pass over the mangled name prints straight into the caller's buffer. Two ideas keep that possible
// without a syntax tree:
//  - Substitutions (S_, S0_, ...) and template parameters (T_, T0_, ...) are remembered as ranges of the
//    *mangled* text and printed again by parsing that range once more ("replay", which records nothing).
//    Replaying in the current context is also what makes c++filt's print-time behaviour fall out: a T_
//    inside a substitution means the template argument of the function being printed.
//  - C++ declarator syntax ("void (*)(int)", "int (&) [3]", a template function returning a function
//    pointer) puts later-parsed text inside earlier-printed text. Each printed type reports where its
//    "hole" is, and a declarator printed at the end of the buffer is rotated into that hole in place.
#pragma once

#include "ktl/error_or.h"
#include "ktl/fixed_vector.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace demangle::detail {

using ktl::Errno;
using ktl::ErrorOr;
using ktl::StringView;

// The output text and the in-place edits that declarator syntax needs. After an overflow every edit is
// ignored; the parser checks overflowed() at each step and stops.
class Output {
public:
    Output(char* buffer, size_t capacity) : m_buffer(buffer), m_capacity(capacity) {}

    size_t size() const { return m_size; }
    bool overflowed() const { return m_overflowed; }
    char last() const { return m_size > 0 ? m_buffer[m_size - 1] : '\0'; }
    // The last character as c++filt sees it: after a dropped separator (", " before an empty pack) it
    // still "sees" that separator's space, so "<a, <empty>>" gets no space before the closing '>'.
    char last_printed() const { return m_dropped_separator ? ' ' : last(); }
    // Removes the separator at [mark, size) that an empty element made useless.
    void drop_separator(size_t mark) {
        truncate(mark);
        m_dropped_separator = true;
    }
    StringView view() const { return {m_buffer, m_size}; }

    void append(StringView text);
    void append_char(char character) { append(StringView(&character, 1)); }
    void append_number(uint64_t value);
    void insert(size_t at, StringView text);
    void erase(size_t from, size_t to);
    void truncate(size_t size);
    void clear() {
        m_size = 0;
        m_overflowed = false;
        m_dropped_separator = false;
    }
    // Swaps [first, middle) and [middle, last): the second part moves in front of the first.
    void rotate(size_t first, size_t middle, size_t last);

private:
    bool valid(size_t position) const { return !m_overflowed && position <= m_size; }

    char* m_buffer;
    size_t m_capacity;
    size_t m_size = 0;
    bool m_overflowed = false;
    bool m_dropped_separator = false;
};

// Prints the ", " between list elements as c++filt does when some elements (empty packs) print nothing:
// the separators of a trailing run of empty elements are dropped, the others stay ("f(a, , b)").
class ListSeparators {
public:
    explicit ListSeparators(Output& output) : m_output(output) {}
    // Call before each element; returns the output size the element starts at.
    size_t before(size_t index) {
        m_separator = m_output.size();
        if (index > 0)
            m_output.append(", ");
        m_index = index;
        return m_output.size();
    }
    void after(size_t element_start) {
        if (m_output.size() != element_start)
            m_run_start = none;
        else if (m_index > 0 && m_run_start == none)
            m_run_start = m_separator;
    }
    void finish() {
        if (m_run_start != none)
            m_output.drop_separator(m_run_start);
    }

private:
    static constexpr size_t none = static_cast<size_t>(-1);
    Output& m_output;
    size_t m_separator = 0, m_index = 0, m_run_start = none;
};

// How a printed type accepts a declarator (a "*", a "const", a member pointer or a function's name).
enum class Shape : uint8_t {
    Plain,      // "int", "A::B<int> const*": declarators are appended
    Function,   // "void (int)": the first declarator is wrapped, "void (*)(int)"
    Array,      // "int [3]": the first declarator is wrapped, "int (*) [3]"
    Declarator, // "void (*)(int)": further declarators go inside, after the "*"
};

// Whether the outermost part of a type is a reference, for collapsing "& &&" to "&" as c++filt does.
enum class Reference : uint8_t { None, LValue, RValue };

struct TypeSpan {
    size_t start = 0; // the type's text is [start, end) of the output
    size_t hole = 0;  // where the next declarator goes
    size_t end = 0;
    Shape shape = Shape::Plain;
    Reference reference = Reference::None;
};

// How a declarator is separated from a Plain type: "int*" (Tight), "int A::*" (Member), "int* f()" (Name).
enum class Spacing : uint8_t { Tight, Member, Name };

struct SourceRange {
    uint16_t begin = 0;
    uint16_t end = 0;
};

// A substitution candidate: something printed again by parsing its mangled text as a type or a prefix.
struct Substitution {
    SourceRange range;
    bool is_prefix = false;
};

// What an encoding needs from the name it printed.
struct NameInfo {
    bool nested = false;                // N...E with more than one component
    bool ends_in_template_args = false; // a function template: the encoding carries a return type
    bool no_return_type = false;        // constructor, destructor or conversion operator
    bool is_simple = true;              // a plain (qualified) name: c++filt does not parenthesise it
    uint8_t qualifiers = 0;             // a member function's cv-qualifiers (Qualifier bits)
    Reference ref_qualifier = Reference::None;
};

enum Qualifier : uint8_t { qualifier_restrict = 1, qualifier_volatile = 2, qualifier_const = 4 };

enum class EncodingContext : uint8_t {
    TopLevel,   // the whole symbol, a thunk's target, a template argument's L_Z...E
    LocalScope, // the function of a local name (Z...E): c++filt prints it without its return type
};

enum class EncodingKind : uint8_t {
    Special,
    Data,
    SimpleData, // an entity c++filt prints without parentheses as an operand
    Function,
    QualifiedFunction, // A::f(int) with no template arguments or qualifiers: "&A::f" drops "(int)"
};

struct EncodingResult {
    EncodingKind kind = EncodingKind::Special;
    size_t name_end = 0; // where the name's text ends (a function's parameters follow)
};

enum class ReplayAs : uint8_t { Type, TemplateArg, Prefix, Expression };

// The template arguments T_, T0_, ... refer to: those ending the name of the function being printed.
struct TemplateArgs {
    ktl::FixedVector<SourceRange, 32> ranges;
    bool valid = false;
};

// A pack expansion (Dp) being printed: which element, and the pack's length once a T_ has named it.
struct PackState {
    bool active = false;
    bool length_known = false;
    size_t index = 0;
    size_t length = 0;
};

// "operator T" of a conversion template (cvT_IiE): its T_ are printed once the arguments are known.
struct ConversionRerender {
    bool pending = false;
    SourceRange type;
    size_t output_begin = 0, output_end = 0;
};

// The operator codes of names ("operator+") and expressions ("a+b").
enum class OperatorKind : uint8_t {
    Prefix,      // -a, sizeof a
    Increment,   // ++a (with a '_' after the code), a++
    Binary,      // a+b
    Call,        // f(a, b)
    Index,       // a[b]
    Conditional, // a?b : c
    SizeofType,  // sizeof (T)
    New,
    Delete,
};

struct OperatorInfo {
    char code[2];
    StringView name;
    OperatorKind kind;
};

const OperatorInfo* find_operator(char first, char second);

class Parser {
public:
    Parser(StringView input, char* buffer, size_t capacity, size_t stack_budget = default_stack_budget);
    ErrorOr<StringView> run();
    ErrorOr<StringView> run_once();
    void reset();

    // Limits: real symbols stay well below them; hostile input reaches them and gets Overflow.
    static constexpr size_t max_depth = 128;
    // Stack the parser may use, measured from its entry: kernel stacks are 32 KiB, and a deep name costs
    // ~200 bytes a level there. The host's (tests, sanitizers with their larger frames) is ample.
#ifdef BLOG_OS_KERNEL
    static constexpr size_t default_stack_budget = 12 * 1024;
#else
    static constexpr size_t default_stack_budget = 1024 * 1024;
#endif
    static constexpr size_t max_substitutions = 160;

    // --- cursor (names.cpp) ---
    char peek(size_t ahead = 0) const {
        return m_position + ahead < m_end ? m_input[m_position + ahead] : '\0';
    }
    bool at_end() const {
        return m_position >= m_end;
    }
    bool consume(char character);
    bool consume(StringView text);
    ErrorOr<void> expect(char character);
    ErrorOr<uint64_t> parse_number();                          // decimal digits, at least one
    ErrorOr<uint64_t> parse_optional_number_then_underscore(); // "_" is 0, "<n>_" is n + 1
    ErrorOr<void> enter();
    void leave() {
        --m_depth;
    }

    // --- names (names.cpp) ---
    ErrorOr<EncodingResult> parse_encoding(EncodingContext context);
    ErrorOr<void> parse_special_name();
    ErrorOr<void> parse_call_offset();
    ErrorOr<void> parse_name(NameInfo& info, bool encoding_name);
    ErrorOr<void> parse_nested_name(NameInfo& info, bool encoding_name);
    ErrorOr<void> parse_prefix_components(NameInfo& info, bool encoding_name, size_t prefix_begin,
                                          bool add_candidates = true);
    ErrorOr<void> parse_ctor_dtor_name(NameInfo& info);
    ErrorOr<void> parse_local_name(NameInfo& info, bool encoding_name);
    ErrorOr<void> parse_discriminator();
    ErrorOr<void> parse_unqualified_name(NameInfo& info, bool encoding_name);
    ErrorOr<void> parse_source_name(bool remember_as_last_name);
    ErrorOr<void> parse_abi_tags();
    ErrorOr<void> parse_operator_name(NameInfo& info, bool encoding_name);
    ErrorOr<void> parse_lambda_or_unnamed_type();
    ErrorOr<void> parse_template_args(bool record);
    ErrorOr<TypeSpan> parse_template_arg();
    ErrorOr<void> parse_clone_suffix();
    ErrorOr<void> parse_parameter_types();
    // S_, S<seq-id>_ and the std:: abbreviations (Sa, Ss, ...; `was_abbreviation` tells which).
    ErrorOr<TypeSpan> parse_substitution(bool& was_abbreviation);
    ErrorOr<TypeSpan> parse_template_param();
    ErrorOr<TypeSpan> parse_reference(Reference reference);
    ErrorOr<void> add_substitution(size_t begin, bool is_prefix);
    ErrorOr<TypeSpan> replay(SourceRange range, ReplayAs kind);
    ErrorOr<size_t> pack_element(SourceRange pack, size_t wanted, SourceRange& element);
    ErrorOr<size_t> measure_template_arg(size_t begin, size_t end);
    TypeSpan plain_from(size_t start) const;
    void print_function_qualifiers(uint8_t qualifiers, Reference ref_qualifier);

    // --- types (types.cpp) ---
    ErrorOr<TypeSpan> parse_type();
    ErrorOr<TypeSpan> parse_qualified_type(uint8_t outer_qualifiers);
    ErrorOr<TypeSpan> parse_function_type(uint8_t qualifiers, SourceRange exception_spec,
                                          bool transaction_safe);
    ErrorOr<TypeSpan> parse_array_type();
    ErrorOr<TypeSpan> parse_pointer_to_member();
    ErrorOr<TypeSpan> parse_pack_expansion(ReplayAs pattern_kind);
    ErrorOr<TypeSpan> parse_vendor_qualified_type();
    ErrorOr<TypeSpan> parse_vector_type();
    ErrorOr<void> print_exception_spec(SourceRange exception_spec);
    TypeSpan attach(TypeSpan type, Spacing spacing);
    TypeSpan attach_qualifier(TypeSpan type, StringView text);
    TypeSpan attach_trailing_qualifier(TypeSpan type);
    TypeSpan attach_reference(TypeSpan type, Reference reference);
    TypeSpan attach_array(TypeSpan element);
    TypeSpan move_after(size_t start, size_t end, TypeSpan type);
    TypeSpan attach_function(TypeSpan return_type);

    // --- expressions (expressions.cpp) ---
    // Returns whether the printed expression is "simple" (a name or a parameter): c++filt parenthesises
    // every other operand.
    ErrorOr<bool> parse_expression();
    ErrorOr<void> parse_operand();
    ErrorOr<void> parse_expression_list();
    ErrorOr<bool> parse_expr_primary();
    ErrorOr<bool> parse_unresolved_name();
    ErrorOr<void> parse_member_name();
    ErrorOr<void> parse_new_expression(StringView name);
    ErrorOr<void> parse_sizeof_pack();

    // --- state ---
    const char* m_input;
    size_t m_length;
    size_t m_position = 0;
    size_t m_end;
    Output m_output;

    ktl::FixedVector<Substitution, max_substitutions> m_substitutions;
    TemplateArgs m_template_args;

    // The name a constructor or destructor repeats: text of the input or a static string.
    StringView m_last_name;

    size_t m_replaying = 0;            // > 0 while re-parsing a remembered range: nothing is recorded
    size_t m_lambda_depth = 0;         // > 0 inside a lambda's signature: T_ prints "auto:1"
    bool m_conversion_pending = false; // inside "cv <type>" of an encoding's name
    bool m_conversion_used_param = false;
    size_t m_conversion_args_depth = 0; // template argument lists entered inside "cv <type>"
    ConversionRerender m_conversion;
    PackState m_pack;
    // cv-qualifiers applied to the type being parsed next (through T_ or S_ too): c++filt prints a
    // qualifier once when an inner type repeats it, "T const&" with T = "LoopInfo const".
    uint8_t m_pending_qualifiers = 0;

    // c++filt resolves a template parameter under a reference (RT_, OT_) in the template context where
    // that parameter was first printed so, and re-uses that when a substitution prints it again
    // elsewhere. Keyed by the parameter's position in the input; holds the argument it resolved to.
    struct ReferencedParam {
        uint16_t position;
        SourceRange argument;
    };
    ktl::FixedVector<ReferencedParam, 32> m_referenced_params;
    size_t m_reference_param = static_cast<size_t>(-1); // position of a T_ directly under R or O
    size_t m_discarding = 0; // > 0 while parsing text c++filt does not print (it records nothing)

    // "sr 3std 9is_signed IT_E E 5value" (A::x as sr1AE1x) is tried first; if the name then fails to
    // demangle, it is tried again reading sr's operand as a type (the older sr1A1x), as c++filt does.
    bool m_old_unresolved_syntax = false;
    bool m_used_new_unresolved_syntax = false;

    size_t m_depth = 0;
    size_t m_fuel;
    size_t m_initial_fuel;
    uintptr_t m_stack_base = 0;
    size_t m_stack_budget;
};

// Counts a level of recursion (and a unit of work) until the end of the enclosing function.
#define DEMANGLE_ENTER()                                                                                     \
    TRY(enter());                                                                                            \
    struct DepthGuard {                                                                                      \
        Parser& parser;                                                                                      \
        ~DepthGuard() { parser.leave(); }                                                                    \
    } depth_guard_ {                                                                                         \
        *this                                                                                                \
    }

bool is_digit(char character);
bool is_lower(char character);
bool is_upper(char character);

} // namespace demangle::detail
