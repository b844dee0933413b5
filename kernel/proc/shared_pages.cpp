#include "proc/shared_pages.h"

#include "arch/paging.h"
#include "mm/direct_map.h"
#include "mm/kernel_heap.h"
#include "mm/physical.h"
#include "sync/mutex.h"

#include <cstring>

namespace proc {

namespace {

// One read-only mapping of one program file, with a frame for each page once it has been built.
struct SharedSegment {
    const uint8_t* file_data;
    size_t file_size;
    elf::Mapping mapping;
    uint64_t* frames; // one per page of the mapping; 0 until built
    SharedSegment* next;

    bool is_for(ktl::ByteReader file, const elf::Mapping& other) const {
        return file_data == file.data() && file_size == file.size() &&
               mapping.virtual_start == other.virtual_start && mapping.virtual_end == other.virtual_end &&
               mapping.copy_start == other.copy_start && mapping.file_offset == other.file_offset &&
               mapping.file_bytes == other.file_bytes;
    }
};

struct Cache {
    SharedSegment* segments = nullptr;
    size_t frames = 0;
};

constinit sync::MutexProtected<Cache> cache;

ktl::ErrorOr<SharedSegment*> find_or_add(Cache& state, ktl::ByteReader file, const elf::Mapping& mapping) {
    for (SharedSegment* segment = state.segments; segment; segment = segment->next) {
        if (segment->is_for(file, mapping))
            return segment;
    }
    size_t pages = (mapping.virtual_end - mapping.virtual_start) / arch::page_size;
    auto* segment = static_cast<SharedSegment*>(mm::kmalloc(sizeof(SharedSegment)));
    auto* frames = static_cast<uint64_t*>(mm::kmalloc(pages * sizeof(uint64_t)));
    if (!segment || !frames) {
        mm::kfree(segment);
        mm::kfree(frames);
        return ktl::Errno::NoMemory;
    }
    memset(frames, 0, pages * sizeof(uint64_t));
    *segment = {file.data(), file.size(), mapping, frames, state.segments};
    state.segments = segment;
    return segment;
}

// The page's content: the file's bytes where the mapping copies them, zeros around them.
ktl::ErrorOr<uint64_t> build_page(ktl::ByteReader file, const elf::Mapping& mapping, uint64_t page) {
    uint64_t frame = TRY(mm::allocate_zeroed_frame());
    uint64_t copy_end = mapping.copy_start + mapping.file_bytes;
    uint64_t from = page > mapping.copy_start ? page : mapping.copy_start;
    uint64_t to = page + arch::page_size < copy_end ? page + arch::page_size : copy_end;
    if (from < to) {
        memcpy(mm::physical_to_virtual<uint8_t>(frame) + (from - page),
               file.data() + mapping.file_offset + (from - mapping.copy_start), to - from);
    }
    return frame;
}

} // namespace

ktl::ErrorOr<uint64_t> shared_program_page(ktl::ByteReader file, const elf::Mapping& mapping, uint64_t page) {
    // The ELF parser checked the mapping against the file; these keep a bad caller from reading past it.
    // Only pages holding file bytes: a zero-filled page would pin memory that holds nothing shared.
    if (mapping.writable || page % arch::page_size || page < mapping.virtual_start ||
        page >= mapping.virtual_end || mapping.file_offset > file.size() ||
        mapping.file_bytes > file.size() - mapping.file_offset ||
        page + arch::page_size <= mapping.copy_start || page >= mapping.copy_start + mapping.file_bytes)
        return ktl::Errno::InvalidArgument;
    return cache.with([&](Cache& state) -> ktl::ErrorOr<uint64_t> {
        SharedSegment* segment = TRY(find_or_add(state, file, mapping));
        uint64_t& frame = segment->frames[(page - mapping.virtual_start) / arch::page_size];
        if (frame == 0) {
            frame = TRY(build_page(file, mapping, page));
            ++state.frames;
        }
        return frame;
    });
}

size_t shared_program_page_count() {
    return cache.with([](Cache& state) { return state.frames; });
}

} // namespace proc
