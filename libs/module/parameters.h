// Module parameters (MODULE_PARAMETER in kernel/module/module_api.h): setting the declared variables
// from insmod's words before the module runs, and their text for /sys/module/NAME/parameters. The
// words come from the user and the records from a hostile file (checked by read_descriptor): nothing
// here writes outside a variable.
#pragma once

#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/string_builder.h"
#include "ktl/string_view.h"
#include "module/diagnostic.h"
#include "module/linker.h"

namespace module {

// Sets each declared parameter named by a word of `words` ("name=value", or "name" for a bool;
// words split at spaces and tabs). Words naming no parameter go to `unknown`. InvalidArgument for a
// value that does not parse, NoSpace for a string longer than its array; then nothing is promised
// about the parameters set before it (the caller discards the module).
ktl::ErrorOr<void> apply_parameters(ktl::StringView words,
                                    const ktl::Vector<ModuleInfo::Parameter>& parameters,
                                    ktl::FunctionRef<void(ktl::StringView word)> unknown,
                                    Diagnostic& diagnostic);

// The parameter's value as Linux's sysfs shows it, with a newline: "42", "Y"/"N", the string.
void format_parameter(const ModuleInfo::Parameter& parameter, ktl::StringBuilder& out);

} // namespace module
