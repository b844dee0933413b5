#include "module/parameters.h"

#include "ktl/format.h"

namespace module {

namespace {

bool parse_integer(ktl::StringView text, int64_t& value) {
    bool negative = !text.is_empty() && text[0] == '-';
    if (negative)
        text = text.substring(1);
    uint64_t base = 10;
    if (text.length() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text = text.substring(2);
    }
    if (text.is_empty())
        return false;
    uint64_t magnitude = 0;
    for (char c : text) {
        uint64_t digit;
        if (c >= '0' && c <= '9')
            digit = uint64_t(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            digit = uint64_t(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            digit = uint64_t(c - 'A' + 10);
        else
            return false;
        if (magnitude > (uint64_t(1) << 63) / base)
            return false;
        magnitude = magnitude * base + digit;
        if (magnitude > (uint64_t(1) << 63))
            return false;
    }
    if (!negative && magnitude > uint64_t(INT64_MAX))
        return false;
    value = negative ? int64_t(0 - magnitude) : int64_t(magnitude);
    return true;
}

// Linux's kstrtobool subset: y/Y/1/n/N/0, "on"/"off" and "true"/"false".
bool parse_boolean(ktl::StringView text, bool& value) {
    if (text == "y" || text == "Y" || text == "1" || text == "yes" || text == "on" || text == "true") {
        value = true;
        return true;
    }
    if (text == "n" || text == "N" || text == "0" || text == "no" || text == "off" || text == "false") {
        value = false;
        return true;
    }
    return false;
}

ktl::ErrorOr<void> apply_one(const ModuleInfo::Parameter& parameter, ktl::StringView value, bool has_value,
                             Diagnostic& diagnostic) {
    switch (parameter.kind) {
    case ParameterKind::Integer: {
        int64_t number = 0;
        if (!has_value || !parse_integer(value, number))
            return diagnostic.fail(ktl::Errno::InvalidArgument, "parameter {}: \"{}\" is not an integer",
                                   parameter.name, value);
        __builtin_memcpy(parameter.variable, &number, sizeof number);
        return {};
    }
    case ParameterKind::Boolean: {
        bool flag = true;
        if (has_value && !parse_boolean(value, flag))
            return diagnostic.fail(ktl::Errno::InvalidArgument, "parameter {}: \"{}\" is not a boolean",
                                   parameter.name, value);
        *parameter.variable = flag ? 1 : 0;
        return {};
    }
    case ParameterKind::String:
        if (value.length() >= parameter.size)
            return diagnostic.fail(ktl::Errno::NoSpace, "parameter {}: {} bytes, at most {} fit",
                                   parameter.name, value.length(), parameter.size - 1);
        __builtin_memcpy(parameter.variable, value.data(), value.length());
        parameter.variable[value.length()] = 0;
        return {};
    }
    return diagnostic.fail(ktl::Errno::InvalidArgument, "parameter {}: unknown kind", parameter.name);
}

} // namespace

ktl::ErrorOr<void> apply_parameters(ktl::StringView words,
                                    const ktl::Vector<ModuleInfo::Parameter>& parameters,
                                    ktl::FunctionRef<void(ktl::StringView word)> unknown,
                                    Diagnostic& diagnostic) {
    size_t position = 0;
    while (position < words.length()) {
        if (words[position] == ' ' || words[position] == '\t') {
            ++position;
            continue;
        }
        size_t end = position;
        while (end < words.length() && words[end] != ' ' && words[end] != '\t')
            ++end;
        ktl::StringView word = words.substring(position, end - position);
        position = end;
        size_t equals = word.find('=');
        bool has_value = equals != ktl::StringView::npos;
        ktl::StringView name = has_value ? word.substring(0, equals) : word;
        ktl::StringView value = has_value ? word.substring(equals + 1) : ktl::StringView();
        const ModuleInfo::Parameter* found = nullptr;
        for (const ModuleInfo::Parameter& parameter : parameters)
            if (parameter.name == name)
                found = &parameter;
        if (!found) {
            unknown(word);
            continue;
        }
        TRY(apply_one(*found, value, has_value, diagnostic));
    }
    return {};
}

void format_parameter(const ModuleInfo::Parameter& parameter, ktl::StringBuilder& out) {
    switch (parameter.kind) {
    case ParameterKind::Integer: {
        int64_t number;
        __builtin_memcpy(&number, parameter.variable, sizeof number);
        ktl::format_to(out, "{}\n", number);
        return;
    }
    case ParameterKind::Boolean:
        out.write(*parameter.variable ? "Y\n" : "N\n");
        return;
    case ParameterKind::String: {
        // Bounded by the array: the module may have written anything into it since.
        size_t length = 0;
        while (length + 1 < parameter.size && parameter.variable[length] != 0)
            ++length;
        ktl::format_to(out, "{}\n",
                       ktl::StringView(reinterpret_cast<const char*>(parameter.variable), length));
        return;
    }
    }
}

} // namespace module
