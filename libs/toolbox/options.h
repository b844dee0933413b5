// Command-line options the way GNU utilities read them: clustered short options (-la), option
// arguments attached or separate (-n5, -n 5), long options (--recursive, --lines=5), "--" ending
// options, operands mixed with options unless the utility wants the first operand to end them
// (env, xargs, find), and --help everywhere. Errors use GNU's wording ("invalid option -- 'z'").
#pragma once

#include <cstddef>
#include <vector>

namespace toolbox {

struct LongOption {
    const char* name;  // without the leading "--"
    int code;          // what next() returns: the equivalent short option, or a value >= 256
    bool has_argument; // --name=VALUE or --name VALUE
};

class OptionParser {
public:
    // Returned by next(): the end of the options, --help, and a usage error (already reported).
    static constexpr int end = 0;
    static constexpr int help = -1;
    static constexpr int invalid = -2;

    // `short_options` is getopt's syntax: letters, ':' after those that take an argument.
    OptionParser(int argc, char* const* argv, const char* short_options,
                 const LongOption* long_options = nullptr, size_t long_option_count = 0);

    // The first operand ends the options (the rest are a command and its arguments).
    void stop_at_first_operand() { m_stop_at_operand = true; }

    int next();
    // The argument of the option next() just returned.
    const char* argument() const { return m_argument; }
    // Operands in order, valid once next() returned end.
    const std::vector<char*>& operands() const { return m_operands; }

private:
    int next_short();
    int next_long(char* text);

    int m_argc;
    char* const* m_argv;
    const char* m_short_options;
    const LongOption* m_long_options;
    size_t m_long_option_count;
    bool m_stop_at_operand = false;
    bool m_done = false;
    int m_index = 1;
    const char* m_cluster = nullptr; // rest of a "-abc" cluster being read
    const char* m_argument = nullptr;
    std::vector<char*> m_operands;
};

// GNU's closing line after a usage error: "Try 'ls --help' for more information."
void report_try_help();

} // namespace toolbox
