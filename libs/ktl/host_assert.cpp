// Host side of KTL_ASSERT/MUST: report and abort, so a failing unit test names the broken assertion.
#include "ktl/assert.h"

#include <cstdio>
#include <cstdlib>

void ktl_assertion_failed(const char* expression, const char* file, int line, const char* function) {
    std::fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", file, line, function, expression);
    std::abort();
}
