// Assertions for code shared by the kernel and the host tests. Each side provides
// ktl_assertion_failed: the kernel panics, the host build aborts with a message.
#pragma once

[[noreturn]] void ktl_assertion_failed(const char* expression, const char* file, int line,
                                       const char* function);

#define KTL_ASSERT(expression)                                                                               \
    do {                                                                                                     \
        if (!(expression)) [[unlikely]]                                                                      \
            ktl_assertion_failed(#expression, __FILE__, __LINE__, __func__);                                 \
    } while (0)

// For results whose failure would be a bug, never for input from outside.
#define MUST(expression)                                                                                     \
    ({                                                                                                       \
        auto _must_result = (expression);                                                                    \
        if (_must_result.is_error()) [[unlikely]]                                                            \
            ktl_assertion_failed(#expression, __FILE__, __LINE__, __func__);                                 \
        _must_result.release_value();                                                                        \
    })
