// FrameDescriptors: what the kernel knows about each physical frame beyond "free or not" (Linux's
// struct page), one descriptor per frame over [0, highest_address). Today a descriptor holds the
// frame's reference count: every page-table entry and kernel owner that keeps the frame alive holds
// one, and the frame goes back to the allocator when the last one is dropped. Copy-on-write after
// fork is what needs it: one frame, mapped read-only into two address spaces, is copied only by the
// side that writes while the other still holds it.
//
// The counts change with atomic operations and no lock: a holder may take another reference on
// behalf of someone else (fork) and drop its own at any time, concurrently with other CPUs. Only the
// step from 1 to 0 hands the frame back, and the caller does that under the allocator's lock.
#pragma once

#include "ktl/error_or.h"
#include "mm/frame_allocator.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace mm {

struct FrameDescriptor {
    uint32_t references; // 0: free (or never handed out: holes, reserved frames)
};
static_assert(sizeof(FrameDescriptor) == 4);

class FrameDescriptors {
public:
    static constexpr size_t bytes_for(uint64_t highest_address) {
        return static_cast<size_t>(highest_address / frame_size) * sizeof(FrameDescriptor);
    }

    // `storage` (bytes_for(...) bytes, any content) becomes the descriptors, all zero. The caller
    // keeps it alive.
    void initialize(std::span<FrameDescriptor> storage);

    // A freshly allocated run of frames: one reference each. InvalidArgument for frames outside the
    // table or that still have references (the allocator handed out a frame twice: a kernel bug).
    ktl::ErrorOr<void> set_allocated(uint64_t address, size_t count = 1);
    // One more holder of a frame that already has one. InvalidArgument for a free frame (taking a
    // reference to memory nobody owns is a use after free), an unaligned or foreign address, or a
    // count that would overflow.
    ktl::ErrorOr<void> acquire(uint64_t address);
    // Drops one reference; returns how many are left (0: the caller frees the frame).
    // InvalidArgument, with nothing changed, for a frame without references (a double free).
    ktl::ErrorOr<uint32_t> release(uint64_t address);
    // For a run allocated together and freed together: each frame must have exactly one reference.
    // InvalidArgument, nothing changed, otherwise.
    ktl::ErrorOr<void> release_run(uint64_t address, size_t count);

    // The count now (0 for an address outside the table); another CPU may change it right after.
    uint32_t references(uint64_t address) const;
    uint64_t frame_count() const { return m_descriptors.size(); }

private:
    FrameDescriptor* descriptor_for(uint64_t address) const;

    std::span<FrameDescriptor> m_descriptors;
};

} // namespace mm
