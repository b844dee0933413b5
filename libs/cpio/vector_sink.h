// The host's ByteSink for cpio::Writer: the archive grows in a std::vector. Host only (it needs the
// standard library's allocator), for tools/mkinitrd, the runner and the tests.
#pragma once

#include "cpio/writer.h"

#include <cstdint>
#include <vector>

namespace cpio {

class VectorSink final : public ByteSink {
public:
    ktl::ErrorOr<void> write(ktl::ByteReader bytes) override {
        m_bytes.insert(m_bytes.end(), bytes.data(), bytes.data() + bytes.size());
        return {};
    }

    const std::vector<uint8_t>& bytes() const { return m_bytes; }
    std::vector<uint8_t> take_bytes() { return std::move(m_bytes); }
    ktl::ByteReader reader() const { return ktl::ByteReader(m_bytes.data(), m_bytes.size()); }

private:
    std::vector<uint8_t> m_bytes;
};

} // namespace cpio
