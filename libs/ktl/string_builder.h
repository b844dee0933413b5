// Builds a String piece by piece, and is a FormatSink so `ktl::format_to(builder, "{}", …)` writes into it.
// FormatSink::write cannot return an error, so a failed allocation there is remembered in has_failed()
// and the caller checks it (or try_build() reports it) once at the end.
#pragma once

#include "ktl/error_or.h"
#include "ktl/format.h"
#include "ktl/string.h"
#include "ktl/string_view.h"
#include "ktl/vector.h"

#include <cstddef>

namespace ktl {

class StringBuilder final : public FormatSink {
public:
    StringBuilder() = default;
    StringBuilder(StringBuilder&&) = default;
    StringBuilder& operator=(StringBuilder&&) = default;
    ~StringBuilder() = default;

    [[nodiscard]] ErrorOr<void> try_append(StringView text) {
        return m_characters.try_extend(text.data(), text.length());
    }
    [[nodiscard]] ErrorOr<void> try_append(char character) { return m_characters.try_append(character); }

    // FormatSink: appends, or marks the builder failed if the text does not fit in memory.
    void write(StringView text) override {
        if (try_append(text).is_error())
            m_failed = true;
    }

    StringView view() const { return {m_characters.data(), m_characters.size()}; }
    size_t length() const { return m_characters.size(); }
    bool is_empty() const { return m_characters.is_empty(); }
    // True once a write() could not allocate: the text is then missing a piece.
    bool has_failed() const { return m_failed; }

    // ENOMEM if a write() failed earlier, so formatted text is never silently truncated.
    [[nodiscard]] ErrorOr<String> try_build() const {
        if (m_failed)
            return Errno::NoMemory;
        return String::try_create(view());
    }
    void clear() {
        m_characters.clear();
        m_failed = false;
    }

private:
    Vector<char> m_characters;
    bool m_failed = false;
};

} // namespace ktl
