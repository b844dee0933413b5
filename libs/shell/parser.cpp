// Recursive descent over the POSIX sh grammar (XCU 2.10) with a hand-written, context-free lexer:
// reserved words are recognised by the parser where a command may start, as the standard says.
#include "shell/parser.h"

#include <cctype>

namespace shell {

namespace {

constexpr std::string_view operators[] = {"&&", "||", ";;", "<<-", "<<", ">>", "<&", ">&", "<>",
                                          ">|", "&",  ";",  "|",   "(",  ")",  "<",  ">"};

bool is_metachar(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
           c == '<' || c == '>';
}

bool is_redirect_operator(std::string_view op) {
    return op == "<" || op == ">" || op == ">>" || op == "<&" || op == ">&" || op == "<>" || op == ">|" ||
           op == "<<" || op == "<<-";
}

} // namespace

bool is_name(std::string_view text) {
    if (text.empty() || !(isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_'))
        return false;
    for (char c : text)
        if (!(isalnum(static_cast<unsigned char>(c)) || c == '_'))
            return false;
    return true;
}

Parser::Parser(std::string_view source, AliasLookup aliases, int first_line)
    : m_source(source), m_line(first_line), m_aliases(std::move(aliases)) {}

void Parser::fail(std::string_view message) {
    if (m_failed)
        return;
    m_failed = true;
    m_error = message;
}

void Parser::fail_unexpected() {
    if (m_failed)
        return;
    const Token& token = peek();
    if (m_failed)
        return;
    if (token.type == Token::Type::End) {
        // Running out inside a construct: an interactive caller may have more lines.
        if (!m_final)
            m_need_more = true;
        fail("end of file unexpected");
    } else if (token.type == Token::Type::Newline) {
        fail("newline unexpected");
    } else {
        fail(String("\"") + token.text.view() + "\" unexpected");
    }
}

// Finds the end of a word starting at i: quotes, $( ), ${ } and backquotes may hold metacharacters.
bool Parser::scan_word_end(size_t& i) {
    while (i < m_source.size()) {
        char c = m_source[i];
        if (is_metachar(c))
            break;
        if (!skip_word_unit(i))
            return false;
    }
    if (i > m_source.size())
        i = m_source.size();
    return true;
}

// One unit of a word at i: a backslash pair, a quoted string, a $ form, a backquoted command or a
// plain character. False when a quote or substitution is not closed.
bool Parser::skip_word_unit(size_t& i) {
    char c = m_source[i];
    if (c == '\\') {
        i += 2;
    } else if (c == '\'') {
        size_t close = m_source.find('\'', i + 1);
        if (close == String::npos)
            return false;
        i = close + 1;
    } else if (c == '"') {
        return skip_double_quoted(i);
    } else if (c == '$') {
        return skip_dollar(i);
    } else if (c == '`') {
        size_t j = i + 1;
        while (j < m_source.size() && m_source[j] != '`')
            j += m_source[j] == '\\' ? 2 : 1;
        if (j >= m_source.size())
            return false;
        i = j + 1;
    } else {
        ++i;
    }
    return true;
}

bool Parser::skip_double_quoted(size_t& i) {
    ++i;
    while (i < m_source.size() && m_source[i] != '"') {
        char c = m_source[i];
        if (c == '\\') {
            i += 2;
        } else if (c == '$') {
            if (!skip_dollar(i))
                return false;
        } else if (c == '`') {
            size_t j = i + 1;
            while (j < m_source.size() && m_source[j] != '`')
                j += m_source[j] == '\\' ? 2 : 1;
            if (j >= m_source.size())
                return false;
            i = j + 1;
        } else {
            ++i;
        }
    }
    if (i >= m_source.size())
        return false;
    ++i;
    return true;
}

bool Parser::skip_dollar(size_t& i) {
    size_t next = i + 1;
    if (next < m_source.size() && m_source[next] == '(') {
        if (next + 1 < m_source.size() && m_source[next + 1] == '(') {
            // $(( ... )): parentheses balance inside the expression.
            int depth = 0;
            for (size_t j = next + 2; j < m_source.size(); ++j) {
                if (m_source[j] == '(') {
                    ++depth;
                } else if (m_source[j] == ')') {
                    if (depth == 0) {
                        if (j + 1 < m_source.size() && m_source[j + 1] == ')') {
                            i = j + 2;
                            return true;
                        }
                        break; // "$((a) ...)": a command substitution of a subshell after all
                    }
                    --depth;
                }
            }
        }
        bool need_more = false;
        size_t end = find_substitution_end(m_source, next + 1, &need_more);
        if (end == String::npos) {
            if (!need_more)
                m_source_error = true;
            return false;
        }
        i = end;
        return true;
    }
    if (next < m_source.size() && m_source[next] == '{') {
        size_t j = next + 1;
        while (j < m_source.size() && m_source[j] != '}') {
            if (!skip_word_unit(j))
                return false;
        }
        if (j >= m_source.size())
            return false;
        i = j + 1;
        return true;
    }
    i = next;
    return true;
}

size_t Parser::find_substitution_end(std::string_view source, size_t start, bool* need_more) {
    Parser inner(source.substr(start));
    inner.m_final = false;
    Node* body = inner.parse_list(false, true);
    delete body;
    if (!inner.m_failed && inner.peek().type == Token::Type::Operator && inner.peek().text == ")") {
        Token close = inner.take();
        return start + close.start + 1;
    }
    *need_more = !inner.m_failed || inner.m_need_more;
    return String::npos;
}

bool Parser::lex(Token& token) {
    token = Token{};
    for (;;) {
        while (m_position < m_source.size() && (m_source[m_position] == ' ' || m_source[m_position] == '\t'))
            ++m_position;
        if (m_position + 1 < m_source.size() && m_source[m_position] == '\\' &&
            m_source[m_position + 1] == '\n') {
            m_position += 2;
            ++m_line;
            continue;
        }
        if (m_position < m_source.size() && m_source[m_position] == '#') {
            while (m_position < m_source.size() && m_source[m_position] != '\n')
                ++m_position;
        }
        break;
    }
    token.start = m_position;
    if (m_position >= m_source.size()) {
        token.type = Token::Type::End;
        return true;
    }
    char c = m_source[m_position];
    if (c == '\n') {
        ++m_position;
        ++m_line;
        token.type = Token::Type::Newline;
        token.text = "\n";
        return read_here_docs();
    }
    for (std::string_view op : operators) {
        if (m_source.view().substr(m_position).starts_with(op)) {
            token.type = Token::Type::Operator;
            token.text = op;
            m_position += op.size();
            return true;
        }
    }
    size_t end = m_position;
    if (!scan_word_end(end)) {
        m_unterminated = true;
        if (!m_final)
            m_need_more = true;
        fail(m_source_error ? "bad substitution" : "unterminated quoted string");
        return false;
    }
    token.type = Token::Type::Word;
    token.text = m_source.substr(m_position, end - m_position);
    for (size_t i = m_position; i < end; ++i)
        if (m_source[i] == '\n')
            ++m_line;
    m_position = end;
    bool digits = !token.text.empty();
    for (char d : token.text)
        digits = digits && isdigit(static_cast<unsigned char>(d));
    if (digits && end < m_source.size() && (m_source[end] == '<' || m_source[end] == '>'))
        token.io_number = atoi(token.text.c_str());
    return true;
}

bool Parser::read_here_docs() {
    for (PendingHereDoc& pending : m_pending_here_docs) {
        String body;
        for (;;) {
            if (m_position >= m_source.size()) {
                if (!m_final) {
                    m_need_more = true;
                    fail("here-document unterminated");
                    return false;
                }
                break; // as dash: the end of the script ends the here-document
            }
            size_t newline = m_source.find('\n', m_position);
            size_t line_end = newline == String::npos ? m_source.size() : newline;
            size_t line_start = m_position;
            if (pending.strip_tabs)
                while (line_start < line_end && m_source[line_start] == '\t')
                    ++line_start;
            std::string_view line = m_source.view().substr(line_start, line_end - line_start);
            m_position = newline == String::npos ? m_source.size() : newline + 1;
            ++m_line;
            if (line == pending.delimiter.view())
                break;
            body += line;
            body += '\n';
        }
        m_here_doc_bodies[pending.id] = body;
    }
    m_pending_here_docs.clear();
    return true;
}

void Parser::attach_here_docs(Node* node) {
    if (!node)
        return;
    for (Redirection& redirection : node->redirections)
        if (redirection.kind == Redirection::Kind::HereDoc)
            redirection.here_doc_body = m_here_doc_bodies[redirection.here_doc_id];
    for (Node* child : node->children)
        attach_here_docs(child);
    for (CaseItem& item : node->case_items)
        attach_here_docs(item.body);
}

const Parser::Token& Parser::peek() {
    if (!m_have_token) {
        if (!lex(m_token))
            m_token = Token{};
        m_have_token = true;
    }
    return m_token;
}

Parser::Token Parser::take() {
    peek();
    m_have_token = false;
    return m_token;
}

bool Parser::is_operator(std::string_view op) {
    const Token& token = peek();
    return token.type == Token::Type::Operator && token.text.view() == op;
}

bool Parser::is_reserved(std::string_view word) {
    const Token& token = peek();
    return token.type == Token::Type::Word && token.text.view() == word;
}

bool Parser::accept_operator(std::string_view op) {
    if (!is_operator(op))
        return false;
    take();
    return true;
}

bool Parser::accept_reserved(std::string_view word) {
    if (!is_reserved(word))
        return false;
    take();
    return true;
}

bool Parser::expect_reserved(std::string_view word) {
    if (accept_reserved(word) || (word == ")" && accept_operator(")")))
        return true;
    fail_unexpected();
    if (!m_need_more && m_error == "end of file unexpected")
        m_error = String("end of file unexpected (expecting \"") + word + "\")";
    return false;
}

void Parser::skip_newlines() {
    while (!m_failed && peek().type == Token::Type::Newline)
        take();
}

bool Parser::at_list_end() {
    const Token& token = peek();
    if (m_failed || token.type == Token::Type::End)
        return true;
    if (token.type == Token::Type::Operator)
        return token.text == ")" || token.text == ";;";
    if (token.type != Token::Type::Word)
        return false;
    std::string_view word = token.text.view();
    return word == "then" || word == "else" || word == "elif" || word == "fi" || word == "do" ||
           word == "done" || word == "esac" || word == "}";
}

Parser::Status Parser::parse_next(Node*& out) {
    out = nullptr;
    skip_newlines();
    if (m_failed)
        return m_need_more ? Status::NeedMore : Status::Error;
    if (peek().type == Token::Type::End)
        return Status::End;
    Node* list = parse_list(true);
    if (!list || m_failed) {
        delete list;
        return m_need_more ? Status::NeedMore : Status::Error;
    }
    if (!m_pending_here_docs.empty()) {
        // A here-document's operator on the last line, with no newline after it.
        if (!m_final) {
            delete list;
            return Status::NeedMore;
        }
        read_here_docs();
    }
    attach_here_docs(list);
    out = list;
    return Status::Command;
}

Node* Parser::parse_list(bool top_level, bool allow_empty) {
    Node* list = new Node(Node::Kind::List);
    list->line = m_line;
    for (;;) {
        if (top_level) {
            if (peek().type == Token::Type::Newline) {
                take();
                break;
            }
            if (peek().type == Token::Type::End)
                break;
        } else {
            skip_newlines();
            if (at_list_end())
                break;
        }
        Node* item = parse_and_or();
        if (!item) {
            delete list;
            return nullptr;
        }
        bool separated = true;
        if (accept_operator("&")) {
            Node* background = new Node(Node::Kind::Background);
            background->children.push_back(item);
            item = background;
        } else if (!accept_operator(";")) {
            separated = false;
        }
        list->children.push_back(item);
        if (m_failed)
            break;
        if (!separated) {
            Token::Type type = peek().type;
            if (type == Token::Type::Newline || type == Token::Type::End || (!top_level && at_list_end()))
                continue;
            fail_unexpected();
            break;
        }
    }
    if (m_failed) {
        delete list;
        return nullptr;
    }
    if (list->children.empty() && !top_level && !allow_empty) {
        delete list;
        fail_unexpected();
        return nullptr;
    }
    if (list->children.size() == 1) {
        Node* only = list->children[0];
        list->children.clear();
        delete list;
        return only;
    }
    return list;
}

Node* Parser::parse_and_or() {
    Node* left = parse_pipeline();
    while (left && !m_failed) {
        Node::Kind kind;
        if (accept_operator("&&"))
            kind = Node::Kind::And;
        else if (accept_operator("||"))
            kind = Node::Kind::Or;
        else
            break;
        skip_newlines();
        Node* right = parse_pipeline();
        if (!right) {
            delete left;
            return nullptr;
        }
        Node* node = new Node(kind);
        node->children.push_back(left);
        node->children.push_back(right);
        left = node;
    }
    return left;
}

Node* Parser::parse_pipeline() {
    bool negate = accept_reserved("!");
    Node* pipeline = new Node(Node::Kind::Pipeline);
    pipeline->negate = negate;
    pipeline->line = m_line;
    for (;;) {
        Node* command = parse_command();
        if (!command) {
            delete pipeline;
            return nullptr;
        }
        pipeline->children.push_back(command);
        if (!accept_operator("|"))
            break;
        skip_newlines();
    }
    if (pipeline->children.size() == 1 && !negate) {
        Node* only = pipeline->children[0];
        pipeline->children.clear();
        delete pipeline;
        return only;
    }
    return pipeline;
}

Node* Parser::parse_command() {
    const Token& token = peek();
    if (m_failed)
        return nullptr;
    if (token.type == Token::Type::Operator && token.text == "(")
        return parse_compound_command();
    if (token.type == Token::Type::Word) {
        std::string_view word = token.text.view();
        if (word == "if" || word == "while" || word == "until" || word == "for" || word == "case" ||
            word == "{")
            return parse_compound_command();
        if (word == "then" || word == "else" || word == "elif" || word == "fi" || word == "do" ||
            word == "done" || word == "esac" || word == "}" || word == "in") {
            fail_unexpected();
            return nullptr;
        }
    }
    return parse_simple_command();
}

bool Parser::parse_redirections(Node* node) {
    for (;;) {
        const Token& token = peek();
        if (m_failed)
            return false;
        bool redirect = (token.type == Token::Type::Operator && is_redirect_operator(token.text)) ||
                        (token.type == Token::Type::Word && token.io_number >= 0);
        if (!redirect)
            return true;
        if (!parse_redirection(node->redirections))
            return false;
    }
}

Node* Parser::parse_compound_command() {
    Node* node = nullptr;
    int line = m_line;
    if (is_operator("("))
        node = parse_group("(", ")", Node::Kind::Subshell);
    else if (is_reserved("{"))
        node = parse_group("{", "}", Node::Kind::Group);
    else if (accept_reserved("if"))
        node = parse_if();
    else if (is_reserved("while"))
        node = parse_loop(Node::Kind::While);
    else if (is_reserved("until"))
        node = parse_loop(Node::Kind::Until);
    else if (is_reserved("for"))
        node = parse_for();
    else if (is_reserved("case"))
        node = parse_case();
    else
        fail_unexpected();
    if (!node)
        return nullptr;
    node->line = line;
    if (!parse_redirections(node)) {
        delete node;
        return nullptr;
    }
    return node;
}

Node* Parser::parse_group(std::string_view open, std::string_view close, Node::Kind kind) {
    take(); // open
    Node* body = parse_list(false);
    if (!body)
        return nullptr;
    if (!expect_reserved(close)) {
        delete body;
        return nullptr;
    }
    Node* node = new Node(kind);
    node->children.push_back(body);
    return node;
}

Node* Parser::parse_if() {
    Node* node = new Node(Node::Kind::If);
    Node* condition = parse_list(false);
    if (!condition) {
        delete node;
        return nullptr;
    }
    node->children.push_back(condition);
    if (!expect_reserved("then")) {
        delete node;
        return nullptr;
    }
    Node* body = parse_list(false);
    if (!body) {
        delete node;
        return nullptr;
    }
    node->children.push_back(body);
    if (accept_reserved("elif")) {
        Node* rest = parse_if(); // takes the closing fi
        if (!rest) {
            delete node;
            return nullptr;
        }
        node->children.push_back(rest);
        return node;
    }
    if (accept_reserved("else")) {
        Node* otherwise = parse_list(false);
        if (!otherwise) {
            delete node;
            return nullptr;
        }
        node->children.push_back(otherwise);
    }
    if (!expect_reserved("fi")) {
        delete node;
        return nullptr;
    }
    return node;
}

Node* Parser::parse_loop(Node::Kind kind) {
    take(); // while / until
    Node* node = new Node(kind);
    Node* condition = parse_list(false);
    if (!condition) {
        delete node;
        return nullptr;
    }
    node->children.push_back(condition);
    Node* body = nullptr;
    if (!expect_reserved("do") || !(body = parse_list(false)) || !expect_reserved("done")) {
        delete body;
        delete node;
        return nullptr;
    }
    node->children.push_back(body);
    return node;
}

Node* Parser::parse_for() {
    take(); // for
    Token name = take();
    if (m_failed || name.type != Token::Type::Word || !is_name(name.text)) {
        if (!m_failed) {
            m_have_token = true;
            m_token = name;
            fail_unexpected();
        }
        return nullptr;
    }
    Node* node = new Node(Node::Kind::For);
    node->name = name.text;
    skip_newlines();
    if (accept_reserved("in")) {
        node->has_in = true;
        while (peek().type == Token::Type::Word && !m_failed)
            node->items.push_back(take().text);
        if (!accept_operator(";") && peek().type != Token::Type::Newline) {
            fail_unexpected();
            delete node;
            return nullptr;
        }
    } else {
        accept_operator(";");
    }
    skip_newlines();
    Node* body = nullptr;
    if (!expect_reserved("do") || !(body = parse_list(false)) || !expect_reserved("done")) {
        delete body;
        delete node;
        return nullptr;
    }
    node->children.push_back(body);
    return node;
}

Node* Parser::parse_case() {
    take(); // case
    Token word = take();
    if (m_failed || word.type != Token::Type::Word) {
        if (!m_failed) {
            m_have_token = true;
            m_token = word;
            fail_unexpected();
        }
        return nullptr;
    }
    Node* node = new Node(Node::Kind::Case);
    node->name = word.text;
    skip_newlines();
    if (!expect_reserved("in")) {
        delete node;
        return nullptr;
    }
    for (;;) {
        skip_newlines();
        if (accept_reserved("esac"))
            return node;
        accept_operator("(");
        CaseItem item;
        for (;;) {
            if (peek().type != Token::Type::Word) {
                fail_unexpected();
                delete node;
                return nullptr;
            }
            item.patterns.push_back(take().text);
            if (!accept_operator("|"))
                break;
        }
        if (!expect_reserved(")")) {
            delete node;
            return nullptr;
        }
        item.body = parse_list(false, true);
        if (m_failed) {
            delete node;
            return nullptr;
        }
        if (item.body && item.body->kind == Node::Kind::List && item.body->children.empty()) {
            delete item.body;
            item.body = nullptr;
        }
        node->case_items.push_back(item);
        if (accept_operator(";;"))
            continue;
        skip_newlines();
        if (!expect_reserved("esac")) {
            delete node;
            return nullptr;
        }
        return node;
    }
}

bool Parser::parse_redirection(std::vector<Redirection>& redirections) {
    Redirection redirection;
    Token first = take();
    String op = first.text;
    if (first.type == Token::Type::Word) {
        redirection.fd = first.io_number;
        op = take().text;
    } else {
        redirection.fd = (op[0] == '<') ? 0 : 1;
    }
    if (op == "<")
        redirection.kind = Redirection::Kind::Input;
    else if (op == ">")
        redirection.kind = Redirection::Kind::Output;
    else if (op == ">>")
        redirection.kind = Redirection::Kind::Append;
    else if (op == ">|")
        redirection.kind = Redirection::Kind::Clobber;
    else if (op == "<&")
        redirection.kind = Redirection::Kind::DupInput;
    else if (op == ">&")
        redirection.kind = Redirection::Kind::DupOutput;
    else if (op == "<>")
        redirection.kind = Redirection::Kind::ReadWrite;
    else
        redirection.kind = Redirection::Kind::HereDoc;
    if (peek().type != Token::Type::Word) {
        fail_unexpected();
        return false;
    }
    redirection.target = take().text;
    if (redirection.kind == Redirection::Kind::HereDoc) {
        redirection.strip_tabs = op == "<<-";
        // Quote removal on the delimiter; any quoting means the body is taken literally.
        String delimiter;
        const String& word = redirection.target;
        for (size_t i = 0; i < word.size(); ++i) {
            char c = word[i];
            if (c == '\\' && i + 1 < word.size()) {
                redirection.here_doc_expand = false;
                delimiter += word[++i];
            } else if (c == '\'' || c == '"') {
                redirection.here_doc_expand = false;
            } else {
                delimiter += c;
            }
        }
        redirection.here_doc_id = m_here_doc_bodies.size();
        m_here_doc_bodies.push_back(String());
        m_pending_here_docs.push_back({delimiter, redirection.strip_tabs, redirection.here_doc_id});
    }
    redirections.push_back(redirection);
    return true;
}

Node* Parser::parse_simple_command() {
    Node* node = new Node(Node::Kind::Simple);
    node->line = m_line;
    for (;;) {
        const Token& token = peek();
        if (m_failed)
            break;
        if ((token.type == Token::Type::Operator && is_redirect_operator(token.text)) ||
            (token.type == Token::Type::Word && token.io_number >= 0)) {
            if (!parse_redirection(node->redirections))
                break;
            continue;
        }
        if (token.type != Token::Type::Word)
            break;
        if (node->words.empty()) {
            size_t equals = token.text.find('=');
            if (equals != String::npos && equals > 0 && is_name(token.text.view().substr(0, equals))) {
                node->assignments.push_back(take().text);
                continue;
            }
            const String* value = m_aliases ? m_aliases(token.text) : nullptr;
            bool expanding = false;
            for (const String& name : m_expanding_aliases)
                expanding = expanding || name == token.text;
            if (value && !expanding) {
                // Splice the alias's text in place of the word and lex again from there; an alias
                // is not expanded again inside its own expansion.
                m_expanding_aliases.push_back(token.text);
                size_t start = token.start;
                size_t length = token.text.size();
                m_source.erase(start, length);
                m_source.insert(start, value->view());
                m_position = start;
                m_have_token = false;
                continue;
            }
        }
        Token word = take();
        node->words.push_back(word.text);
        if (node->words.size() == 1) {
            m_expanding_aliases.clear();
            if (node->assignments.empty() && node->redirections.empty() && is_operator("(")) {
                if (!is_name(word.text)) {
                    fail(String("bad function name"));
                    break;
                }
                take();
                if (!accept_operator(")")) {
                    fail_unexpected();
                    break;
                }
                skip_newlines();
                Node* body = parse_compound_command();
                if (!body)
                    break;
                Node* function = new Node(Node::Kind::Function);
                function->name = word.text;
                function->children.push_back(body);
                delete node;
                return function;
            }
        }
    }
    if (m_failed) {
        delete node;
        return nullptr;
    }
    if (node->words.empty() && node->assignments.empty() && node->redirections.empty()) {
        delete node;
        fail_unexpected();
        return nullptr;
    }
    return node;
}

} // namespace shell
