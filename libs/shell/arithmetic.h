// $(( ... )): the C integer operators over signed longs, with variables read and assigned through
// the caller, as POSIX XCU 2.6.4 describes.
#pragma once

#include <functional>
#include <string_view>

#include "shell/string.h"

namespace shell {

struct ArithmeticVariables {
    std::function<const String*(std::string_view name)> get; // null when unset
    std::function<void(std::string_view name, long value)> set;
};

// Evaluates `expression` (already expanded); false with `error` set on a syntax error or division by zero.
bool evaluate_arithmetic(std::string_view expression, ArithmeticVariables& variables, long& result,
                         String& error);

} // namespace shell
