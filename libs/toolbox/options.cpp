// GNU-style option parsing (see options.h).
#include "toolbox/options.h"

#include "toolbox/program.h"

#include <cstring>

namespace toolbox {

OptionParser::OptionParser(int argc, char* const* argv, const char* short_options,
                           const LongOption* long_options, size_t long_option_count)
    : m_argc(argc), m_argv(argv), m_short_options(short_options), m_long_options(long_options),
      m_long_option_count(long_option_count) {}

int OptionParser::next() {
    m_argument = nullptr;
    if (m_cluster != nullptr && *m_cluster != '\0')
        return next_short();
    m_cluster = nullptr;
    while (m_index < m_argc) {
        char* text = m_argv[m_index];
        if (m_done || text[0] != '-' || text[1] == '\0') {
            // "-" alone is an operand (standard input).
            m_operands.push_back(text);
            ++m_index;
            if (m_stop_at_operand)
                m_done = true;
            continue;
        }
        ++m_index;
        if (strcmp(text, "--") == 0) {
            m_done = true;
            continue;
        }
        if (text[1] == '-')
            return next_long(text + 2);
        m_cluster = text + 1;
        return next_short();
    }
    return end;
}

int OptionParser::next_short() {
    char letter = *m_cluster++;
    const char* spec = letter == ':' ? nullptr : strchr(m_short_options, letter);
    if (spec == nullptr) {
        error("invalid option -- '%c'", letter);
        report_try_help();
        m_cluster = nullptr;
        return invalid;
    }
    if (spec[1] == ':') {
        if (*m_cluster != '\0') {
            m_argument = m_cluster;
        } else if (m_index < m_argc) {
            m_argument = m_argv[m_index++];
        } else {
            error("option requires an argument -- '%c'", letter);
            report_try_help();
            m_cluster = nullptr;
            return invalid;
        }
        m_cluster = nullptr;
    }
    return static_cast<unsigned char>(letter);
}

int OptionParser::next_long(char* text) {
    const char* equals = strchr(text, '=');
    size_t length = equals != nullptr ? static_cast<size_t>(equals - text) : strlen(text);
    if (strncmp(text, "help", length) == 0 && length == 4)
        return help;
    // An unambiguous prefix is accepted, as GNU does (--rec for --recursive); an exact match wins.
    const LongOption* found = nullptr;
    size_t matches = 0;
    for (size_t i = 0; i < m_long_option_count; ++i) {
        const LongOption& option = m_long_options[i];
        if (strncmp(option.name, text, length) != 0)
            continue;
        if (option.name[length] == '\0') {
            found = &option;
            matches = 1;
            break;
        }
        found = &option;
        ++matches;
    }
    if (matches != 1) {
        if (matches == 0)
            error("unrecognized option '--%s'", text);
        else
            error("option '--%s' is ambiguous", text);
        report_try_help();
        return invalid;
    }
    if (found->has_argument) {
        if (equals != nullptr) {
            m_argument = equals + 1;
        } else if (m_index < m_argc) {
            m_argument = m_argv[m_index++];
        } else {
            error("option '--%s' requires an argument", found->name);
            report_try_help();
            return invalid;
        }
    } else if (equals != nullptr) {
        error("option '--%s' doesn't allow an argument", found->name);
        report_try_help();
        return invalid;
    }
    return found->code;
}

void report_try_help() {
    note("Try '%s --help' for more information.", program_name());
}

} // namespace toolbox
