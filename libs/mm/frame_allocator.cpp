// FrameAllocator: the hierarchical free bitmap, the managed bitmap and the operations over them.
#include "mm/frame_allocator.h"

namespace mm {

namespace {

// Our own popcount: without -mpopcnt GCC calls __popcountdi2 from libgcc, which the kernel does not link.
constexpr uint64_t count_bits(uint64_t word) {
    word = word - ((word >> 1) & 0x5555555555555555);
    word = (word & 0x3333333333333333) + ((word >> 2) & 0x3333333333333333);
    word = (word + (word >> 4)) & 0x0f0f0f0f0f0f0f0f;
    return (word * 0x0101010101010101) >> 56;
}

// ctz of a non-zero word; compiles to bsf/tzcnt, no library call.
constexpr uint64_t lowest_bit(uint64_t word) {
    return static_cast<uint64_t>(__builtin_ctzll(word));
}

// Bits [first % 64, last % 64) of the word holding `first`, with `last` past that word meaning "to its end".
constexpr uint64_t word_mask(uint64_t first, uint64_t last) {
    uint64_t low = ~uint64_t(0) << (first % 64);
    if (last - (first - first % 64) >= 64)
        return low;
    return low & ((uint64_t(1) << (last % 64)) - 1);
}

// First bit in [first, last) equal to `value`, or `last`.
uint64_t find_bit(std::span<const uint64_t> bits, uint64_t first, uint64_t last, bool value) {
    while (first < last) {
        uint64_t word = bits[first / 64];
        if (!value)
            word = ~word;
        word &= word_mask(first, last);
        if (word != 0) {
            uint64_t found = first - first % 64 + lowest_bit(word);
            return found < last ? found : last;
        }
        first = first - first % 64 + 64;
    }
    return last;
}

// Sets bits [first, last) to `value`.
void fill_bits(std::span<uint64_t> bits, uint64_t first, uint64_t last, bool value) {
    while (first < last) {
        uint64_t mask = word_mask(first, last);
        if (value)
            bits[first / 64] |= mask;
        else
            bits[first / 64] &= ~mask;
        first = first - first % 64 + 64;
    }
}

uint64_t count_set(std::span<const uint64_t> bits) {
    uint64_t count = 0;
    for (uint64_t word : bits)
        count += count_bits(word);
    return count;
}

} // namespace

ktl::ErrorOr<void> FrameAllocator::initialize(std::span<uint64_t> storage, uint64_t highest_address,
                                              std::span<const PhysicalRange> usable,
                                              std::span<const PhysicalRange> reserved) {
    if (highest_address == 0 || highest_address > max_highest_address)
        return ktl::Errno::InvalidArgument;
    if (storage.size() * sizeof(uint64_t) < metadata_bytes_for(highest_address))
        return ktl::Errno::InvalidArgument;

    // Nothing below can fail, so a rejected call above has left the old state untouched. Start over.
    *this = FrameAllocator();
    m_frame_count = highest_address / frame_size;
    Layout layout = layout_for(m_frame_count);
    m_level_count = layout.level_count;
    size_t offset = 0;
    for (size_t level = 0; level < m_level_count; ++level) {
        m_levels[level] = storage.subspan(offset, layout.level_words[level]);
        offset += layout.level_words[level];
    }
    m_managed = storage.subspan(offset, layout.managed_words);
    for (size_t i = 0; i < offset + layout.managed_words; ++i)
        storage[i] = 0;

    // Usable RAM shrinks inward: a partial frame at either end is not ours to hand out.
    uint64_t managed_end = m_frame_count * frame_size;
    for (const PhysicalRange& range : usable) {
        uint64_t end = range.end < managed_end ? range.end : managed_end;
        if (range.base >= end)
            continue;
        uint64_t first = (range.base + frame_size - 1) / frame_size; // base < managed_end: no overflow
        uint64_t last = end / frame_size;
        if (first < last)
            fill_bits(m_managed, first, last, true);
    }
    uint64_t usable_frames = count_set(m_managed);

    // Reserved ranges grow outward: any frame they touch is off limits.
    for (const PhysicalRange& range : reserved) {
        if (range.base >= range.end || range.base >= managed_end)
            continue;
        uint64_t first = range.base / frame_size;
        uint64_t last = range.end < managed_end ? (range.end + frame_size - 1) / frame_size : m_frame_count;
        fill_bits(m_managed, first, last, false);
    }
    m_total_frames = count_set(m_managed);
    m_reserved_frames = usable_frames - m_total_frames;
    m_free_frames = m_total_frames;

    // Everything managed starts free; build each summary level from the one below.
    for (size_t i = 0; i < m_managed.size(); ++i)
        m_levels[0][i] = m_managed[i];
    for (size_t level = 1; level < m_level_count; ++level) {
        std::span<const uint64_t> below = m_levels[level - 1];
        for (size_t i = 0; i < below.size(); ++i) {
            if (below[i] != 0)
                m_levels[level][i / 64] |= uint64_t(1) << (i % 64);
        }
    }
    m_hint = 0;
    return {};
}

// Lowest set bit of `level` at or after `position`, or npos. Walks up only when the rest of the word is
// empty, so the cost is bounded by the number of levels, not by the size of memory.
uint64_t FrameAllocator::find_next_free(size_t level, uint64_t position) const {
    std::span<const uint64_t> bits = m_levels[level];
    uint64_t index = position / 64;
    if (index >= bits.size())
        return npos;
    uint64_t word = bits[index] & (~uint64_t(0) << (position % 64));
    if (word != 0)
        return index * 64 + lowest_bit(word);
    if (level + 1 == m_level_count)
        return npos;
    uint64_t next = find_next_free(level + 1, index + 1);
    if (next == npos)
        return npos;
    return next * 64 + lowest_bit(bits[next]); // non-zero: its summary bit was set
}

// Stores a level-0 word and carries "became empty" / "became non-empty" up the summary levels.
void FrameAllocator::set_free_word(size_t index, uint64_t value) {
    uint64_t old = m_levels[0][index];
    m_levels[0][index] = value;
    bool now_free = value != 0;
    if ((old != 0) == now_free)
        return;
    for (size_t level = 1; level < m_level_count; ++level) {
        uint64_t& word = m_levels[level][index / 64];
        uint64_t before = word;
        uint64_t bit = uint64_t(1) << (index % 64);
        word = now_free ? (word | bit) : (word & ~bit);
        if ((before != 0) == (word != 0))
            return;
        index /= 64;
    }
}

// Marks frames [first, first + count) free or allocated; the caller has checked they are managed.
void FrameAllocator::mark_free(uint64_t first, uint64_t count, bool free) {
    uint64_t last = first + count;
    for (uint64_t position = first; position < last; position = position - position % 64 + 64) {
        size_t index = static_cast<size_t>(position / 64);
        uint64_t mask = word_mask(position, last);
        uint64_t old = m_levels[0][index];
        set_free_word(index, free ? (old | mask) : (old & ~mask));
    }
    if (free) {
        m_free_frames += count;
        if (first / 64 < m_hint)
            m_hint = static_cast<size_t>(first / 64);
    } else {
        m_free_frames -= count;
    }
}

size_t FrameAllocator::release_reserved(PhysicalRange range) {
    uint64_t managed_end = m_frame_count * frame_size;
    if (range.base >= range.end || range.base >= managed_end)
        return 0;
    uint64_t end = range.end < managed_end ? range.end : managed_end;
    uint64_t first = (range.base + frame_size - 1) / frame_size;
    uint64_t last = end / frame_size;
    size_t released = 0;
    for (uint64_t frame = first; frame < last; ++frame) {
        if (find_bit(m_managed, frame, frame + 1, true) == frame)
            continue; // already managed: free or in use, not ours to change
        fill_bits(m_managed, frame, frame + 1, true);
        ++m_total_frames;
        if (m_reserved_frames > 0)
            --m_reserved_frames;
        mark_free(frame, 1, true);
        ++released;
    }
    return released;
}

ktl::ErrorOr<uint64_t> FrameAllocator::allocate() {
    if (m_free_frames == 0)
        return ktl::Errno::NoMemory;
    // Fast path: the hint word still has a free frame (sequential allocation).
    if (m_levels[0][m_hint] == 0) {
        uint64_t frame = find_next_free(0, uint64_t(m_hint) * 64);
        if (frame == npos) [[unlikely]]
            return ktl::Errno::NoMemory; // unreachable while m_free_frames is right
        m_hint = static_cast<size_t>(frame / 64);
    }
    uint64_t word = m_levels[0][m_hint];
    uint64_t bit = lowest_bit(word);
    set_free_word(m_hint, word & (word - 1));
    --m_free_frames;
    return (uint64_t(m_hint) * 64 + bit) * frame_size;
}

ktl::ErrorOr<uint64_t> FrameAllocator::allocate_contiguous(size_t count, size_t alignment_frames,
                                                           uint64_t below) {
    if (count == 0 || alignment_frames == 0 || (alignment_frames & (alignment_frames - 1)) != 0)
        return ktl::Errno::InvalidArgument;
    uint64_t limit = below / frame_size; // frames [0, limit) end at or below `below`
    if (limit > m_frame_count)
        limit = m_frame_count;
    if (count > m_free_frames || count > limit)
        return ktl::Errno::NoMemory;
    uint64_t alignment = alignment_frames;
    uint64_t last_start = limit - count; // the highest start whose run still fits

    // Jump to the next free frame, round it up to the alignment, and check the run word by word; a
    // blocking frame moves the search past it. Each step moves forward, so this ends.
    uint64_t position = uint64_t(m_hint) * 64;
    while (position <= last_start) {
        uint64_t frame = find_next_free(0, position);
        if (frame == npos || frame > last_start)
            break;
        uint64_t misalignment = frame & (alignment - 1);
        if (misalignment != 0) {
            if (alignment - misalignment > last_start - frame)
                break;
            frame += alignment - misalignment;
        }
        uint64_t blocked = find_bit(m_levels[0], frame, frame + count, false);
        if (blocked == frame + count) {
            mark_free(frame, count, false);
            return frame * frame_size;
        }
        position = blocked + 1;
    }
    return ktl::Errno::NoMemory;
}

ktl::ErrorOr<void> FrameAllocator::free(uint64_t address) {
    return free_contiguous(address, 1);
}

ktl::ErrorOr<void> FrameAllocator::free_contiguous(uint64_t address, size_t count) {
    if (count == 0 || address % frame_size != 0)
        return ktl::Errno::InvalidArgument;
    uint64_t first = address / frame_size;
    if (first >= m_frame_count || count > m_frame_count - first)
        return ktl::Errno::InvalidArgument;
    uint64_t last = first + count;
    // Every frame must be managed (not a hole or reserved) and allocated (not free) before any changes.
    if (find_bit(m_managed, first, last, false) != last || find_bit(m_levels[0], first, last, true) != last)
        return ktl::Errno::InvalidArgument;
    mark_free(first, count, true);
    return {};
}

bool FrameAllocator::is_free(uint64_t address) const {
    if (address % frame_size != 0 || address / frame_size >= m_frame_count)
        return false;
    uint64_t frame = address / frame_size;
    return (m_levels[0][frame / 64] >> (frame % 64)) & 1;
}

FrameStatistics FrameAllocator::statistics() const {
    return {m_total_frames, m_free_frames, m_total_frames - m_free_frames, m_reserved_frames};
}

} // namespace mm
