#include "mm/frame_descriptors.h"

namespace mm {

void FrameDescriptors::initialize(std::span<FrameDescriptor> storage) {
    m_descriptors = storage;
    for (FrameDescriptor& descriptor : storage)
        descriptor.references = 0;
}

FrameDescriptor* FrameDescriptors::descriptor_for(uint64_t address) const {
    if (address % frame_size != 0 || address / frame_size >= m_descriptors.size())
        return nullptr;
    return &m_descriptors[address / frame_size];
}

ktl::ErrorOr<void> FrameDescriptors::set_allocated(uint64_t address, size_t count) {
    FrameDescriptor* first = descriptor_for(address);
    if (!first || count > m_descriptors.size() - address / frame_size)
        return ktl::Errno::InvalidArgument;
    for (size_t i = 0; i < count; ++i)
        if (__atomic_load_n(&first[i].references, __ATOMIC_RELAXED) != 0)
            return ktl::Errno::InvalidArgument;
    for (size_t i = 0; i < count; ++i)
        __atomic_store_n(&first[i].references, 1, __ATOMIC_RELAXED);
    return {};
}

ktl::ErrorOr<void> FrameDescriptors::acquire(uint64_t address) {
    FrameDescriptor* descriptor = descriptor_for(address);
    if (!descriptor)
        return ktl::Errno::InvalidArgument;
    uint32_t count = __atomic_load_n(&descriptor->references, __ATOMIC_RELAXED);
    do {
        if (count == 0 || count == UINT32_MAX)
            return ktl::Errno::InvalidArgument;
    } while (!__atomic_compare_exchange_n(&descriptor->references, &count, count + 1, true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return {};
}

ktl::ErrorOr<uint32_t> FrameDescriptors::release(uint64_t address) {
    FrameDescriptor* descriptor = descriptor_for(address);
    if (!descriptor)
        return ktl::Errno::InvalidArgument;
    uint32_t count = __atomic_load_n(&descriptor->references, __ATOMIC_RELAXED);
    do {
        if (count == 0)
            return ktl::Errno::InvalidArgument;
        // Release order: whatever this holder wrote to the frame happens before its next owner's use.
    } while (!__atomic_compare_exchange_n(&descriptor->references, &count, count - 1, true, __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED));
    return count - 1;
}

ktl::ErrorOr<void> FrameDescriptors::release_run(uint64_t address, size_t count) {
    FrameDescriptor* first = descriptor_for(address);
    if (!first || count > m_descriptors.size() - address / frame_size)
        return ktl::Errno::InvalidArgument;
    for (size_t i = 0; i < count; ++i)
        if (__atomic_load_n(&first[i].references, __ATOMIC_RELAXED) != 1)
            return ktl::Errno::InvalidArgument;
    for (size_t i = 0; i < count; ++i)
        __atomic_store_n(&first[i].references, 0, __ATOMIC_RELEASE);
    return {};
}

uint32_t FrameDescriptors::references(uint64_t address) const {
    FrameDescriptor* descriptor = descriptor_for(address);
    return descriptor ? __atomic_load_n(&descriptor->references, __ATOMIC_ACQUIRE) : 0;
}

} // namespace mm
