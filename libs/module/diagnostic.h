// Why a module was refused: an errno for the caller and one line of text naming the precise cause
// ("unknown symbol foo", "section 7 overlaps section 3"), which the kernel logs and the tests check.
#pragma once

#include "ktl/error_or.h"
#include "ktl/format.h"

#include <cstddef>

namespace module {

class Diagnostic {
public:
    ktl::StringView text() const { return {m_text, m_length}; }
    void clear() { m_length = 0; }

    // Records the message (the first one wins: later failures are consequences) and returns `code`.
    template <typename... Args>
    ktl::Error fail(ktl::Errno code, ktl::StringView format, const Args&... args) {
        if (m_length == 0)
            m_length = ktl::format_into(m_text, sizeof m_text, format, args...).length();
        return ktl::Error::from_errno(code);
    }

private:
    char m_text[200] = {};
    size_t m_length = 0;
};

} // namespace module
