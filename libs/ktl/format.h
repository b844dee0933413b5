// Type-safe formatting with "{}" placeholders, no heap, no libc: the kernel log, panics and the
// runner-facing test protocol all format through this.
//
//   {}        value in its natural form        {:x} {:X}  hexadecimal     {:#x}  with 0x prefix
//   {:b} {:o}  binary, octal                {:08x}     zero-padded     {:>8} {:<8}  aligned in 8
//   {{ }}     literal braces
//   a type char also reads the argument as unsigned: {:o} of 0755 is "755", {:#o} "0755"
// Types: integers, bool, char, const char*, StringView, pointers, and any T with
//   void format_value(ktl::FormatSink&, const ktl::FormatSpec&, const T&) found by argument lookup.
#pragma once

#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ktl {

class FormatSink {
public:
    virtual void write(StringView text) = 0;
    void write_char(char character) { write(StringView(&character, 1)); }

protected:
    ~FormatSink() = default;
};

struct FormatSpec {
    enum class Align : uint8_t { Default, Left, Right };
    char type = 0; // 0, 'd', 'x', 'X', 'b', 'c', 's', 'p'
    bool alternate = false;
    bool zero_pad = false;
    Align align = Align::Default;
    uint16_t width = 0;
};

class FormatArgument {
public:
    enum class Kind : uint8_t { Signed, Unsigned, Bool, Char, String, Pointer, Custom };
    using CustomFormatter = void (*)(FormatSink&, const FormatSpec&, const void*);

    template <typename T>
    static FormatArgument from(const T& value) {
        FormatArgument argument;
        using Plain = std::remove_cvref_t<T>;
        if constexpr (std::is_same_v<Plain, bool>) {
            argument.m_kind = Kind::Bool;
            argument.m_unsigned = value;
        } else if constexpr (std::is_same_v<Plain, char>) {
            argument.m_kind = Kind::Char;
            argument.m_unsigned = static_cast<unsigned char>(value);
        } else if constexpr (std::is_enum_v<Plain>) {
            argument.m_kind = Kind::Signed;
            argument.m_signed = static_cast<int64_t>(value);
        } else if constexpr (std::is_integral_v<Plain> && std::is_signed_v<Plain>) {
            argument.m_kind = Kind::Signed;
            argument.m_signed = value;
        } else if constexpr (std::is_integral_v<Plain>) {
            argument.m_kind = Kind::Unsigned;
            argument.m_unsigned = value;
        } else if constexpr (std::is_same_v<Plain, StringView>) {
            argument.m_kind = Kind::String;
            argument.m_string = value;
        } else if constexpr (std::is_same_v<std::decay_t<T>, const char*> ||
                             std::is_same_v<std::decay_t<T>, char*>) {
            argument.m_kind = Kind::String;
            const char* pointer = value;
            argument.m_string = pointer ? StringView(pointer) : StringView("(null)");
        } else if constexpr (std::is_pointer_v<Plain> || std::is_null_pointer_v<Plain>) {
            argument.m_kind = Kind::Pointer;
            argument.m_unsigned = reinterpret_cast<uintptr_t>(value);
        } else {
            argument.m_kind = Kind::Custom;
            argument.m_custom_value = &value;
            argument.m_custom_formatter = [](FormatSink& sink, const FormatSpec& spec, const void* erased) {
                format_value(sink, spec, *static_cast<const Plain*>(erased));
            };
        }
        return argument;
    }

    void format(FormatSink& sink, const FormatSpec& spec) const;

private:
    Kind m_kind = Kind::Unsigned;
    union {
        int64_t m_signed;
        uint64_t m_unsigned = 0;
    };
    StringView m_string;
    const void* m_custom_value = nullptr;
    CustomFormatter m_custom_formatter = nullptr;
};

// Formats `format_string` with the already type-erased arguments.
void vformat(FormatSink& sink, StringView format_string, const FormatArgument* arguments, size_t count);

template <typename... Args>
void format_to(FormatSink& sink, StringView format_string, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
        vformat(sink, format_string, nullptr, 0);
    } else {
        const FormatArgument arguments[] = {FormatArgument::from(args)...};
        vformat(sink, format_string, arguments, sizeof...(Args));
    }
}

// Writes numbers and padded text under a spec; used by format_value overloads of other types.
void format_unsigned(FormatSink& sink, const FormatSpec& spec, uint64_t value, bool negative = false);
void format_padded(FormatSink& sink, const FormatSpec& spec, StringView text);

// A sink over a fixed buffer; output past the end is dropped and `truncated()` says so.
class BufferSink final : public FormatSink {
public:
    BufferSink(char* buffer, size_t capacity) : m_buffer(buffer), m_capacity(capacity) {}
    void write(StringView text) override;
    StringView view() const { return {m_buffer, m_length}; }
    size_t length() const { return m_length; }
    bool truncated() const { return m_truncated; }
    void clear() {
        m_length = 0;
        m_truncated = false;
    }

private:
    char* m_buffer;
    size_t m_capacity;
    size_t m_length = 0;
    bool m_truncated = false;
};

// Formats into `buffer` (always NUL-terminated when capacity > 0) and returns the text written.
template <typename... Args>
StringView format_into(char* buffer, size_t capacity, StringView format_string, const Args&... args) {
    if (capacity == 0)
        return {};
    BufferSink sink(buffer, capacity - 1);
    format_to(sink, format_string, args...);
    buffer[sink.length()] = '\0';
    return sink.view();
}

} // namespace ktl
