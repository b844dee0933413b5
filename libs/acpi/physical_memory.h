// How the ACPI reader reaches physical memory: an abstract window the kernel backs with its direct
// map and the tests back with byte buffers. Every table byte the library reads comes through map(),
// so a pointer outside memory is an error here, never a wild read.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace acpi {

class PhysicalMemory {
public:
    // The bytes [physical, physical + length), or BadAddress when any of them is not reachable
    // (including when physical + length wraps past 2^64). The view stays valid while *this lives.
    virtual ktl::ErrorOr<ktl::ByteReader> map(uint64_t physical, size_t length) const = 0;

protected:
    ~PhysicalMemory() = default;
};

// Physical addresses [0, size) visible at `window` (a direct map, or a host buffer in tests).
class LinearMemory final : public PhysicalMemory {
public:
    LinearMemory(const uint8_t* window, uint64_t size) : m_window(window), m_size(size) {}

    ktl::ErrorOr<ktl::ByteReader> map(uint64_t physical, size_t length) const override {
        if (physical > m_size || length > m_size - physical)
            return ktl::Errno::BadAddress;
        return ktl::ByteReader(m_window + physical, length);
    }

private:
    const uint8_t* m_window;
    uint64_t m_size;
};

} // namespace acpi
