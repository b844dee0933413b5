// The POSIX sh grammar as a recursive-descent parser: source text in, one complete command's
// syntax tree at a time out, so a script runs up to a later syntax error as dash's does.
#pragma once

#include <functional>
#include <string_view>

#include "shell/ast.h"

namespace shell {

// A valid variable or function name: a letter or '_', then letters, digits and '_'.
bool is_name(std::string_view text);

class Parser {
public:
    enum class Status { Command, End, NeedMore, Error };
    // Alias expansion happens while parsing: it gives an alias's value, or null when there is none.
    using AliasLookup = std::function<const String*(std::string_view name)>;

    explicit Parser(std::string_view source, AliasLookup aliases = nullptr, int first_line = 1);

    // Parses the next complete command (a list ended by a newline or the end). On Command the
    // caller owns *out. NeedMore means the source ended inside a construct: more input may finish it.
    Status parse_next(Node*& out);

    // No more input will come: a construct still open at the end is a syntax error, and a
    // here-document ends at the end of the text.
    void set_final(bool final) { m_final = final; }

    const String& error() const { return m_error; }
    int line() const { return m_line; }
    size_t position() const { return m_position; }

    // For $( ... ): parses commands up to the unmatched ')' starting at `start`; returns the
    // position just past it, or npos (and sets *need_more when the text ran out).
    static size_t find_substitution_end(std::string_view source, size_t start, bool* need_more);

private:
    struct Token {
        enum class Type { Word, Operator, Newline, End };
        Type type = Type::End;
        String text;
        size_t start = 0;
        int io_number = -1; // a word of digits just before < or >
    };

    const Token& peek();
    Token take();
    bool lex(Token& token);
    bool scan_word_end(size_t& i);
    bool skip_word_unit(size_t& i);
    bool skip_double_quoted(size_t& i);
    bool skip_dollar(size_t& i);
    bool read_here_docs();
    void attach_here_docs(Node* node);

    bool is_operator(std::string_view op);
    bool is_reserved(std::string_view word);
    bool accept_operator(std::string_view op);
    bool accept_reserved(std::string_view word);
    bool expect_reserved(std::string_view word);
    void skip_newlines();
    bool at_list_end();

    Node* parse_list(bool top_level, bool allow_empty = false);
    Node* parse_and_or();
    Node* parse_pipeline();
    Node* parse_command();
    Node* parse_simple_command();
    Node* parse_compound_command();
    Node* parse_if();
    Node* parse_loop(Node::Kind kind);
    Node* parse_for();
    Node* parse_case();
    Node* parse_group(std::string_view open, std::string_view close, Node::Kind kind);
    bool parse_redirection(std::vector<Redirection>& redirections);
    bool parse_redirections(Node* node);
    void fail(std::string_view message);
    void fail_unexpected();

    String m_source;
    size_t m_position = 0;
    int m_line = 1;
    Token m_token;
    bool m_have_token = false;
    bool m_need_more = false;
    bool m_final = true;
    bool m_failed = false;
    bool m_unterminated = false; // a quote or substitution still open at the end
    bool m_source_error = false;
    String m_error;
    AliasLookup m_aliases;
    std::vector<String> m_expanding_aliases;
    struct PendingHereDoc {
        String delimiter;
        bool strip_tabs;
        size_t id;
    };
    std::vector<PendingHereDoc> m_pending_here_docs;
    std::vector<String> m_here_doc_bodies;
};

} // namespace shell
