// FrameAllocator: hands out 4 KiB physical frames. A pure algorithm over caller-provided metadata: the
// kernel wraps it in a lock and feeds it the boot memory map; the host tests drive it against a model.
//
// Metadata: a "free" bitmap (1 bit per frame over [0, highest_address), set = free) with summary levels
// above it (bit i of level L+1 is set iff word i of level L is non-zero) up to a single top word, and a
// "managed" bitmap (set = usable RAM that is not reserved). Holes and reserved frames are never free;
// "managed but not free" is exactly "allocated", which is how free() rejects double and bogus frees.
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace mm {

inline constexpr uint64_t frame_size = 4096;

// Physical bytes [base, end).
struct PhysicalRange {
    uint64_t base;
    uint64_t end;
};

// total = usable frames minus reserved ones = free + used; reserved = usable frames that were reserved.
struct FrameStatistics {
    uint64_t total_frames;
    uint64_t free_frames;
    uint64_t used_frames;
    uint64_t reserved_frames;

    constexpr bool operator==(const FrameStatistics&) const = default;
};

class FrameAllocator {
public:
    // The largest physical address space we accept (the x86-64 architectural limit of 52 bits).
    static constexpr uint64_t max_highest_address = uint64_t(1) << 52;

    // Bytes of metadata needed to manage physical addresses [0, highest_address).
    static constexpr size_t metadata_bytes_for(uint64_t highest_address) {
        Layout layout = layout_for(highest_address / frame_size);
        return (layout.free_words + layout.managed_words) * sizeof(uint64_t);
    }

    // `storage` (at least metadata_bytes_for(highest_address) bytes, any content) becomes the metadata;
    // the caller keeps it alive and lists it in `reserved` if it lives in managed RAM. Only whole frames
    // below highest_address are managed. `usable` ranges (any order, may overlap) shrink inward to whole
    // frames; `reserved` ranges grow outward. Empty or reversed ranges are ignored.
    // Errors: highest_address 0 or above max_highest_address, storage too small → InvalidArgument, and
    // the allocator is left as it was. Re-initializing starts over.
    ktl::ErrorOr<void> initialize(std::span<uint64_t> storage, uint64_t highest_address,
                                  std::span<const PhysicalRange> usable,
                                  std::span<const PhysicalRange> reserved);

    // One frame: the lowest free one. NoMemory when there is none.
    ktl::ErrorOr<uint64_t> allocate();
    // The lowest run of `count` free frames starting at a multiple of alignment_frames * frame_size (a
    // power of two) and ending at or below `below`. NoMemory when there is no such run; InvalidArgument
    // for count 0 or an alignment that is 0 or not a power of two.
    ktl::ErrorOr<uint64_t> allocate_contiguous(size_t count, size_t alignment_frames = 1,
                                               uint64_t below = UINT64_MAX);

    // InvalidArgument, and nothing changes, for an unaligned address, one outside the managed range, a
    // hole or reserved frame, or a frame that is already free. free_contiguous checks every frame first.
    ktl::ErrorOr<void> free(uint64_t address);
    ktl::ErrorOr<void> free_contiguous(uint64_t address, size_t count);

    // Gives reserved RAM back (the initrd's frames once it is unpacked): every whole frame inside
    // `range` that is not managed becomes managed and free, and stops counting as reserved. The caller
    // vouches that the range is RAM and that nothing else lives there. Returns how many frames came back.
    size_t release_reserved(PhysicalRange range);

    // False for anything that is not a free frame (unaligned, out of range, hole, reserved, allocated).
    bool is_free(uint64_t address) const;
    FrameStatistics statistics() const;
    // Number of frames the bitmaps cover: highest_address / frame_size.
    uint64_t frame_count() const { return m_frame_count; }

private:
    // 2^40 frames (2^52 bytes) need 7 levels: 2^34 words, 2^28, 2^22, 2^16, 2^10, 2^4, 1.
    static constexpr size_t max_levels = 8;

    struct Layout {
        size_t level_count;
        size_t level_words[max_levels];
        size_t free_words;    // all levels together
        size_t managed_words; // the managed bitmap
    };

    static constexpr size_t words_for(uint64_t bits) { return static_cast<size_t>((bits + 63) / 64); }

    static constexpr Layout layout_for(uint64_t frames) {
        Layout layout{};
        // Even zero frames get one word per bitmap, so the top level always exists.
        size_t words = frames == 0 ? 1 : words_for(frames);
        layout.managed_words = words;
        while (true) {
            layout.level_words[layout.level_count++] = words;
            layout.free_words += words;
            if (words == 1 || layout.level_count == max_levels)
                break;
            words = words_for(words);
        }
        return layout;
    }

    static constexpr uint64_t npos = UINT64_MAX;

    uint64_t find_next_free(size_t level, uint64_t position) const;
    void set_free_word(size_t index, uint64_t value);
    void mark_free(uint64_t first, uint64_t count, bool free);

    std::span<uint64_t> m_levels[max_levels];
    std::span<uint64_t> m_managed;
    size_t m_level_count = 0;
    uint64_t m_frame_count = 0;
    uint64_t m_total_frames = 0;
    uint64_t m_reserved_frames = 0;
    uint64_t m_free_frames = 0;
    // Every level-0 word below m_hint is zero: allocate() starts there, free() lowers it.
    size_t m_hint = 0;
};

} // namespace mm
