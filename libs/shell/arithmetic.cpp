// Precedence climbing over the expression text; `m_evaluate` off skips side effects and division
// checks in the branch that && || ?: do not take.
#include "shell/arithmetic.h"

#include <cctype>
#include <cstdlib>

namespace shell {

namespace {

class Evaluator {
public:
    Evaluator(std::string_view text, ArithmeticVariables& variables, int depth)
        : m_text(text), m_variables(variables), m_depth(depth) {}

    bool run(long& result, String& error) {
        result = assignment();
        skip_spaces();
        if (!m_failed && m_position < m_text.size())
            fail("syntax error");
        if (m_failed)
            error = m_error;
        return !m_failed;
    }

private:
    void fail(std::string_view message) {
        if (!m_failed) {
            m_failed = true;
            m_error = String("arithmetic expression: ") + message + ": \"" + m_text + "\"";
        }
    }
    void skip_spaces() {
        while (m_position < m_text.size() && isspace(static_cast<unsigned char>(m_text[m_position])))
            ++m_position;
    }
    bool accept(std::string_view op) {
        skip_spaces();
        if (!m_text.substr(m_position).starts_with(op))
            return false;
        m_position += op.size();
        return true;
    }
    // An operator that is not the start of a longer one ("<" but not "<<" or "<=").
    bool accept_exact(std::string_view op, std::string_view not_followed_by) {
        skip_spaces();
        if (!m_text.substr(m_position).starts_with(op))
            return false;
        size_t next = m_position + op.size();
        if (next < m_text.size() && not_followed_by.find(m_text[next]) != std::string_view::npos)
            return false;
        m_position = next;
        return true;
    }

    long variable_value(std::string_view name) {
        const String* value = m_variables.get(name);
        if (!value || value->empty())
            return 0;
        if (m_depth > 32) {
            fail("expression recursion");
            return 0;
        }
        Evaluator inner(*value, m_variables, m_depth + 1);
        long result = 0;
        String error;
        if (!inner.run(result, error))
            fail("bad number");
        return result;
    }

    long assignment() {
        skip_spaces();
        size_t start = m_position;
        if (m_position < m_text.size() &&
            (isalpha(static_cast<unsigned char>(m_text[m_position])) || m_text[m_position] == '_')) {
            size_t end = m_position;
            while (end < m_text.size() &&
                   (isalnum(static_cast<unsigned char>(m_text[end])) || m_text[end] == '_'))
                ++end;
            std::string_view name = m_text.substr(m_position, end - m_position);
            m_position = end;
            static constexpr std::string_view ops[] = {
                "<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "="};
            for (std::string_view op : ops) {
                skip_spaces();
                if (m_text.substr(m_position).starts_with(op) &&
                    !(op == "=" && m_position + 1 < m_text.size() && m_text[m_position + 1] == '=')) {
                    m_position += op.size();
                    long value = assignment();
                    if (m_failed)
                        return 0;
                    if (op != "=") {
                        long current = variable_value(name);
                        value = binary(current, op.substr(0, op.size() - 1), value);
                    }
                    if (m_evaluate && !m_failed)
                        m_variables.set(name, value);
                    return value;
                }
            }
            m_position = start;
        }
        return conditional();
    }

    long binary(long a, std::string_view op, long b) {
        if (op == "+")
            return static_cast<long>(static_cast<unsigned long>(a) + static_cast<unsigned long>(b));
        if (op == "-")
            return static_cast<long>(static_cast<unsigned long>(a) - static_cast<unsigned long>(b));
        if (op == "*")
            return static_cast<long>(static_cast<unsigned long>(a) * static_cast<unsigned long>(b));
        if (op == "/" || op == "%") {
            if (b == 0) {
                if (m_evaluate)
                    fail("division by zero");
                return 0;
            }
            if (b == -1)
                return op == "/" ? static_cast<long>(0 - static_cast<unsigned long>(a)) : 0;
            return op == "/" ? a / b : a % b;
        }
        if (op == "<<")
            return static_cast<long>(static_cast<unsigned long>(a) << (b & 63));
        if (op == ">>")
            return a >> (b & 63);
        if (op == "&")
            return a & b;
        if (op == "^")
            return a ^ b;
        if (op == "|")
            return a | b;
        return 0;
    }

    long conditional() {
        long condition = logical_or();
        if (!accept("?"))
            return condition;
        bool saved = m_evaluate;
        m_evaluate = saved && condition != 0;
        long yes = assignment();
        if (!accept(":")) {
            fail("expecting ':'");
            return 0;
        }
        m_evaluate = saved && condition == 0;
        long no = conditional();
        m_evaluate = saved;
        return condition ? yes : no;
    }

    long logical_or() {
        long left = logical_and();
        while (accept("||")) {
            bool saved = m_evaluate;
            m_evaluate = saved && left == 0;
            long right = logical_and();
            m_evaluate = saved;
            left = (left != 0 || right != 0) ? 1 : 0;
        }
        return left;
    }

    long logical_and() {
        long left = bit_or();
        while (accept("&&")) {
            bool saved = m_evaluate;
            m_evaluate = saved && left != 0;
            long right = bit_or();
            m_evaluate = saved;
            left = (left != 0 && right != 0) ? 1 : 0;
        }
        return left;
    }

    long bit_or() {
        long left = bit_xor();
        while (accept_exact("|", "|="))
            left |= bit_xor();
        return left;
    }
    long bit_xor() {
        long left = bit_and();
        while (accept_exact("^", "="))
            left ^= bit_and();
        return left;
    }
    long bit_and() {
        long left = equality();
        while (accept_exact("&", "&="))
            left &= equality();
        return left;
    }
    long equality() {
        long left = relational();
        for (;;) {
            if (accept("=="))
                left = left == relational();
            else if (accept("!="))
                left = left != relational();
            else
                return left;
        }
    }
    long relational() {
        long left = shift();
        for (;;) {
            if (accept("<="))
                left = left <= shift();
            else if (accept(">="))
                left = left >= shift();
            else if (accept_exact("<", "<"))
                left = left < shift();
            else if (accept_exact(">", ">"))
                left = left > shift();
            else
                return left;
        }
    }
    long shift() {
        long left = additive();
        for (;;) {
            if (accept_exact("<<", "="))
                left = binary(left, "<<", additive());
            else if (accept_exact(">>", "="))
                left = binary(left, ">>", additive());
            else
                return left;
        }
    }
    long additive() {
        long left = multiplicative();
        for (;;) {
            if (accept_exact("+", "+="))
                left = binary(left, "+", multiplicative());
            else if (accept_exact("-", "-="))
                left = binary(left, "-", multiplicative());
            else
                return left;
        }
    }
    long multiplicative() {
        long left = unary();
        for (;;) {
            if (accept_exact("*", "="))
                left = binary(left, "*", unary());
            else if (accept_exact("/", "="))
                left = binary(left, "/", unary());
            else if (accept_exact("%", "="))
                left = binary(left, "%", unary());
            else
                return left;
        }
    }
    long unary() {
        if (m_failed)
            return 0;
        if (accept_exact("+", "+"))
            return unary();
        if (accept_exact("-", "-"))
            return static_cast<long>(0 - static_cast<unsigned long>(unary()));
        if (accept_exact("!", "="))
            return unary() == 0;
        if (accept("~"))
            return ~unary();
        return primary();
    }
    long primary() {
        skip_spaces();
        if (m_position >= m_text.size()) {
            fail("syntax error");
            return 0;
        }
        char c = m_text[m_position];
        if (c == '(') {
            ++m_position;
            long value = assignment();
            if (!accept(")"))
                fail("expecting ')'");
            return value;
        }
        if (isdigit(static_cast<unsigned char>(c))) {
            const char* begin = m_text.data() + m_position;
            String digits;
            size_t end = m_position;
            while (end < m_text.size() && isalnum(static_cast<unsigned char>(m_text[end])))
                digits += m_text[end++];
            char* stop = nullptr;
            long value = static_cast<long>(strtoul(digits.c_str(), &stop, 0));
            (void)begin;
            if (*stop != '\0')
                fail("bad number");
            m_position = end;
            return value;
        }
        if (isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t end = m_position;
            while (end < m_text.size() &&
                   (isalnum(static_cast<unsigned char>(m_text[end])) || m_text[end] == '_'))
                ++end;
            std::string_view name = m_text.substr(m_position, end - m_position);
            m_position = end;
            return variable_value(name);
        }
        fail("syntax error");
        return 0;
    }

    std::string_view m_text;
    ArithmeticVariables& m_variables;
    int m_depth;
    size_t m_position = 0;
    bool m_evaluate = true;
    bool m_failed = false;
    String m_error;
};

} // namespace

bool evaluate_arithmetic(std::string_view expression, ArithmeticVariables& variables, long& result,
                         String& error) {
    Evaluator evaluator(expression, variables, 0);
    return evaluator.run(result, error);
}

} // namespace shell
