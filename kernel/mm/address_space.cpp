#include "mm/address_space.h"

#include "ktl/assert.h"

#include "mm/direct_map.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/layout.h"
#include "mm/physical.h"
#include "mm/user_memory.h"

#include <cstring>
#include <new>

namespace mm {

namespace {
// Every address space, for unmap_object_pages. A space is in it from create() until the first thing
// its destructor does, so a walk holding the lock never meets one half gone.
constinit sync::MutexProtected<ktl::IntrusiveList<AddressSpace, InSpaceRegistry>> registry;
} // namespace

bool AddressSpace::is_user_address(uint64_t virtual_address) {
    return virtual_address < user_space_end && virtual_address % arch::page_size == 0;
}

ktl::ErrorOr<AddressSpace*> AddressSpace::create() {
    uint64_t root = TRY(allocate_zeroed_frame());
    const uint64_t* kernel_pml4 = physical_to_virtual<const uint64_t>(kernel_root());
    uint64_t* pml4 = physical_to_virtual<uint64_t>(root);
    for (int index = 256; index < 512; ++index)
        pml4[index] = kernel_pml4[index];
    auto* space = new (std::nothrow) AddressSpace(root);
    if (!space) {
        free_frame(root);
        return ktl::Errno::NoMemory;
    }
    registry.with([&](auto& spaces) { spaces.push_back(*space); });
    return space;
}

ktl::ErrorOr<AddressSpace*> AddressSpace::fork() {
    AddressSpace* child = TRY(create());
    auto copied = [&]() -> ktl::ErrorOr<void> {
        sync::MutexLocker locker(m_lock);
        // The child is in the registry already: a truncation must not find it between its copy
        // of the parent's pages and the parent's (it would miss the copies).
        sync::MutexLocker child_locker(child->m_lock);
        TRY(m_regions.clone_into(child->m_regions));
        for (auto& entry : m_file_mappings)
            TRY(child->m_file_mappings.try_set(entry.key, entry.value));
        child->m_next_mapping_tag = m_next_mapping_tag;
        child->mmap_base = mmap_base;
        child->break_start = break_start;
        child->break_end = break_end;
        // One walk over what is there builds the child's tables beside the parent's. The parent
        // loses write access to its own frames, which both now share; its TLB is flushed once at
        // the end, here, the one place a shootdown to other CPUs running this space will go.
        auto result =
            arch::copy_user_half(m_root, child->m_root, kernel_frame_source(),
                                 [&](uint64_t, const arch::Translation& translation) {
                                     bool own = !arch::has(translation.flags, arch::PageFlags::Shared);
                                     if (own)
                                         share_frame(translation.physical); // the copy below cannot fail
                                     return arch::ForkDecision{true, own};
                                 });
        if (m_root == arch::active_root())
            arch::flush_user_tlb();
        TRY(result);
        return {};
    }();
    if (copied.is_error()) {
        child->unref(); // drops the references the copy took
        return copied.error();
    }
    return child;
}

arch::PageFlags AddressSpace::owned_page_flags(uint64_t frame, arch::PageFlags flags) {
    if (arch::has(flags, arch::PageFlags::Writable) && frame_references(frame) > 1)
        return static_cast<arch::PageFlags>(static_cast<uint32_t>(flags) &
                                            ~static_cast<uint32_t>(arch::PageFlags::Writable));
    return flags;
}

namespace {
// A page-table change made for a fault: it fails only for want of a frame for a table.
template <typename T>
arch::PageFaultOutcome outcome_of(const ktl::ErrorOr<T>& change) {
    return change.is_error() ? arch::PageFaultOutcome::OutOfMemory : arch::PageFaultOutcome::Resolved;
}
} // namespace

arch::PageFaultOutcome AddressSpace::break_copy_on_write(uint64_t page, uint64_t frame,
                                                         arch::PageFlags flags) {
    // Alone with the frame (the other side wrote first, or exited): no copy. Nobody can take a new
    // reference meanwhile, as only a fork of this space would, and it holds the space's lock.
    if (frame_references(frame) == 1)
        return outcome_of(arch::protect_page(m_root, page, flags));
    auto copy = allocate_frame();
    if (copy.is_error())
        return arch::PageFaultOutcome::OutOfMemory;
    memcpy(physical_to_virtual<uint8_t>(copy.value()), physical_to_virtual<uint8_t>(frame), frame_size);
    // One store: the page is never missing for another thread of the space to fault on.
    if (arch::replace_page(m_root, page, copy.value(), flags).is_error()) {
        free_frame(copy.value());
        return arch::PageFaultOutcome::OutOfMemory;
    }
    free_frame(frame); // this space's reference; the other holders keep theirs
    return arch::PageFaultOutcome::Resolved;
}

AddressSpace::~AddressSpace() {
    registry.with([&](auto& spaces) { spaces.remove(*this); });
    // Frames mapped Shared (program pages, the vDSO, file pages) are left alone; the rest are the
    // space's own.
    arch::release_user_half(m_root, kernel_frame_source(), free_frame);
    free_frame(m_root);
}

ktl::ErrorOr<void> AddressSpace::allocate_and_map(uint64_t virtual_address, arch::PageFlags flags) {
    if (!is_user_address(virtual_address))
        return ktl::Errno::InvalidArgument;
    uint64_t frame = TRY(allocate_zeroed_frame());
    auto mapped =
        arch::map_page(m_root, virtual_address, frame, flags | arch::PageFlags::User, kernel_frame_source());
    if (mapped.is_error()) {
        free_frame(frame);
        return mapped.error();
    }
    return {};
}

ktl::ErrorOr<void> AddressSpace::map_shared(uint64_t virtual_address, uint64_t frame, arch::PageFlags flags) {
    if (!is_user_address(virtual_address) || arch::has(flags, arch::PageFlags::Writable))
        return ktl::Errno::InvalidArgument;
    return arch::map_page(m_root, virtual_address, frame,
                          flags | arch::PageFlags::User | arch::PageFlags::Shared, kernel_frame_source());
}

namespace {

// Unmaps a user page and frees its frame unless it is shared; NoEntry if nothing is mapped there.
ktl::ErrorOr<void> unmap_owned(uint64_t root, uint64_t virtual_address) {
    arch::Translation translation = TRY(arch::translate(root, virtual_address));
    uint64_t frame = TRY(arch::unmap_page(root, virtual_address));
    if (!arch::has(translation.flags, arch::PageFlags::Shared))
        free_frame(frame);
    return {};
}

// Gives a shared page a private copy before it becomes writable: the shared frame is every other
// process's program too. Nothing to do for a page that is not mapped or already private.
ktl::ErrorOr<void> privatize_if_shared(uint64_t root, uint64_t page) {
    auto translation = arch::translate(root, page);
    if (translation.is_error() || !arch::has(translation.value().flags, arch::PageFlags::Shared))
        return {};
    uint64_t copy = TRY(allocate_frame());
    memcpy(physical_to_virtual<uint8_t>(copy), physical_to_virtual<uint8_t>(translation.value().physical),
           frame_size);
    // Same permissions for now, without the mark; the caller changes them next. One store: the page is
    // never missing for another thread of the space to fault on. With more CPUs, the TLB flush must
    // reach every CPU that has this space loaded.
    arch::PageFlags flags = static_cast<arch::PageFlags>(static_cast<uint32_t>(translation.value().flags) &
                                                         ~static_cast<uint32_t>(arch::PageFlags::Shared));
    if (auto replaced = arch::replace_page(root, page, copy, flags); replaced.is_error()) {
        free_frame(copy);
        return replaced.error();
    }
    return {};
}

} // namespace

ktl::ErrorOr<void> AddressSpace::unmap_and_free(uint64_t virtual_address) {
    if (!is_user_address(virtual_address))
        return ktl::Errno::InvalidArgument;
    return unmap_owned(m_root, virtual_address);
}

ktl::ErrorOr<void> AddressSpace::protect(uint64_t virtual_address, arch::PageFlags flags) {
    if (!is_user_address(virtual_address))
        return ktl::Errno::InvalidArgument;
    if (arch::has(flags, arch::PageFlags::Writable))
        TRY(privatize_if_shared(m_root, virtual_address));
    arch::Translation translation = TRY(arch::translate(m_root, virtual_address));
    return arch::protect_page(m_root, virtual_address,
                              owned_page_flags(translation.physical, flags | arch::PageFlags::User));
}

arch::PageFlags AddressSpace::page_flags_for(Protection protection) {
    if (protection == Protection::None)
        return arch::PageFlags::NoAccess; // not present, frame kept: the kernel's accesses fault too
    arch::PageFlags flags = arch::PageFlags::User;
    if (has_protection(protection, Protection::Write))
        flags = flags | arch::PageFlags::Writable;
    if (has_protection(protection, Protection::Execute))
        flags = flags | arch::PageFlags::Executable;
    return flags;
}

void AddressSpace::release_pages(const Region& region) {
    if (is_file_region(region.attributes.kind))
        m_file_region_removed = true; // forget_unused_mappings has work to do
    // Only the pages that are there: the walk skips page-table levels that do not exist, so a huge
    // mapping that was barely touched costs what was touched. Shared frames (program pages, the
    // vDSO, file pages) carry the mark and stay. Unmapping clears the leaf the walk has just read
    // and frees no table, so the walk goes on safely.
    arch::walk(m_root, region.start, region.end, [&](uint64_t page, const arch::Translation& translation) {
        if (arch::unmap_page(m_root, page).is_error())
            return;
        if (!arch::has(translation.flags, arch::PageFlags::Shared))
            free_frame(translation.physical);
    });
}

void AddressSpace::remove_object_pages(const void* identity, uint64_t first_index, uint64_t end_index) {
    sync::MutexLocker locker(m_lock);
    if (m_file_mappings.size() == 0)
        return;
    constexpr uint64_t most = uint64_t(1) << 62; // past any index a user address gives
    uint64_t first = first_index < most ? first_index : most;
    uint64_t end = end_index < most ? end_index : most;
    for (const Region& region : m_regions) {
        if (!is_file_region(region.attributes.kind))
            continue;
        FileMapping* mapping = m_file_mappings.get(region.attributes.tag);
        if (!mapping || mapping->object->identity() != identity)
            continue;
        // The region's pages as file indexes (page A maps index A / page_size + page_delta),
        // clipped to the range.
        int64_t delta = mapping->page_delta;
        int64_t from = static_cast<int64_t>(region.start / arch::page_size) + delta;
        int64_t to = static_cast<int64_t>(region.end / arch::page_size) + delta;
        if (from < static_cast<int64_t>(first))
            from = static_cast<int64_t>(first);
        if (to > static_cast<int64_t>(end))
            to = static_cast<int64_t>(end);
        if (from >= to)
            continue;
        uint64_t start = static_cast<uint64_t>(from - delta) * arch::page_size;
        uint64_t stop = static_cast<uint64_t>(to - delta) * arch::page_size;
        // The file's pages carry the Shared mark and stay the file's; the rest are the private
        // copies a MAP_PRIVATE write made, freed as Linux's truncate drops them too.
        arch::walk(m_root, start, stop, [&](uint64_t page, const arch::Translation& translation) {
            if (arch::unmap_page(m_root, page).is_error())
                return;
            if (!arch::has(translation.flags, arch::PageFlags::Shared))
                free_frame(translation.physical);
        });
    }
}

void unmap_object_pages(const void* identity, uint64_t first_index, uint64_t end_index) {
    if (first_index >= end_index)
        return;
    using Spaces = ktl::IntrusiveList<AddressSpace, InSpaceRegistry>;
    // One space at a time, held by a reference rather than by the registry lock, so the lock is
    // never held while a space's lock is awaited (a fault may be reading the disk under it), and
    // exits and forks elsewhere go on. A held space stays in the list, so its successor is found
    // from it; a space whose last reference is gone is skipped: nothing runs in it any more. Spaces
    // are appended, so a fork's child comes after its parent and is seen after it.
    // The first space after `previous` (the list's first when null) that can still be held; the
    // step is taken under the lock, as the spaces after a held one may go meanwhile.
    auto next_held = [](AddressSpace* previous) {
        return registry.with([&](Spaces& spaces) -> AddressSpace* {
            for (AddressSpace* at = previous ? Spaces::next(*previous) : spaces.first(); at;
                 at = Spaces::next(*at))
                if (at->try_ref())
                    return at;
            return nullptr;
        });
    };
    AddressSpace* space = next_held(nullptr);
    while (space) {
        space->remove_object_pages(identity, first_index, end_index);
        AddressSpace* next = next_held(space);
        space->unref(); // may be the last: the destructor takes the registry lock, not held here
        space = next;
    }
}

ktl::ErrorOr<void> AddressSpace::map_kernel_pages(uint64_t start, uint64_t physical, size_t count,
                                                  Protection protection) {
    uint64_t length = count * arch::page_size;
    if (has_protection(protection, Protection::Write) || start > user_mapping_end ||
        length > user_mapping_end - start)
        return ktl::Errno::InvalidArgument;
    RegionAttributes attributes{protection, RegionKind::KernelShared, RegionFlags::None, 0};
    sync::MutexLocker locker(m_lock);
    TRY(m_regions.insert(start, length, attributes));
    for (size_t index = 0; index < count; ++index) {
        auto mapped =
            arch::map_page(m_root, start + index * arch::page_size, physical + index * arch::page_size,
                           page_flags_for(protection) | arch::PageFlags::Shared, kernel_frame_source());
        if (mapped.is_error()) {
            release_pages({start, start + index * arch::page_size, attributes});
            MUST(m_regions.unmap(start, length)); // removing a whole region needs no new node
            return mapped.error();
        }
    }
    return {};
}

ktl::ErrorOr<void> AddressSpace::add_region(uint64_t start, uint64_t length, RegionAttributes attributes) {
    if (start > user_mapping_end || length > user_mapping_end - start)
        return ktl::Errno::NoMemory;
    sync::MutexLocker locker(m_lock);
    return m_regions.insert(start, length, attributes);
}

ktl::ErrorOr<uint64_t> AddressSpace::map_region(uint64_t hint, uint64_t length, RegionAttributes attributes,
                                                bool fixed) {
    sync::MutexLocker locker(m_lock);
    uint64_t start = hint;
    if (!fixed)
        start = TRY(m_regions.find_free(length, hint, mmap_lowest, mmap_base));
    if (start > user_mapping_end || length > user_mapping_end - start)
        return ktl::Errno::NoMemory;
    TRY(m_regions.map_fixed(start, length, attributes,
                            [&](const Region& removed) { release_pages(removed); }));
    forget_unused_mappings();
    return start;
}

ktl::ErrorOr<void> AddressSpace::unmap_region(uint64_t start, uint64_t length) {
    sync::MutexLocker locker(m_lock);
    TRY(m_regions.unmap(start, length, [&](const Region& removed) { release_pages(removed); }));
    forget_unused_mappings();
    return {};
}

ktl::ErrorOr<uint64_t> AddressSpace::map_object(uint64_t hint, uint64_t length, Protection protection,
                                                Protection maximum, bool shared,
                                                ktl::RefPtr<MappedObject> object, uint64_t first_index,
                                                bool fixed) {
    // A private mapping copies a page before writing it, through the direct map device memory is
    // not in; Linux's framebuffers are mapped shared too.
    if (object && object->is_device_memory() && !shared)
        return ktl::Errno::InvalidArgument;
    sync::MutexLocker locker(m_lock);
    uint64_t start = hint;
    if (!fixed)
        start = TRY(m_regions.find_free(length, hint, mmap_lowest, mmap_base));
    if (start > user_mapping_end || length > user_mapping_end - start)
        return ktl::Errno::NoMemory;
    uint64_t tag = m_next_mapping_tag++;
    int64_t delta = static_cast<int64_t>(first_index) - static_cast<int64_t>(start / arch::page_size);
    TRY(m_file_mappings.try_set(
        tag, FileMapping{static_cast<ktl::RefPtr<MappedObject>&&>(object), delta, maximum}));
    RegionAttributes attributes{protection, shared ? RegionKind::SharedFile : RegionKind::PrivateFile,
                                RegionFlags::None, tag};
    auto mapped = m_regions.map_fixed(start, length, attributes,
                                      [&](const Region& removed) { release_pages(removed); });
    if (mapped.is_error()) {
        m_file_mappings.remove(tag);
        return mapped.error();
    }
    forget_unused_mappings();
    return start;
}

ktl::ErrorOr<uint64_t> zero_frame() {
    static uint64_t frame = 0;
    static sync::Mutex lock;
    sync::MutexLocker locker(lock);
    if (!frame)
        frame = TRY(allocate_zeroed_frame());
    return frame;
}

ktl::ErrorOr<RegionAttributes> AddressSpace::attributes_moved(const RegionAttributes& attributes,
                                                              uint64_t from, uint64_t to) {
    if (!is_file_region(attributes.kind))
        return attributes;
    FileMapping* mapping = m_file_mappings.get(attributes.tag);
    if (!mapping)
        return ktl::Errno::BadAddress;
    uint64_t tag = m_next_mapping_tag++;
    int64_t delta = mapping->page_delta + static_cast<int64_t>(from / arch::page_size) -
                    static_cast<int64_t>(to / arch::page_size);
    TRY(m_file_mappings.try_set(tag, FileMapping{mapping->object, delta, mapping->maximum}));
    RegionAttributes moved = attributes;
    moved.tag = tag;
    return moved;
}

ktl::ErrorOr<uint64_t> AddressSpace::remap(uint64_t old_start, uint64_t old_length, uint64_t new_length,
                                           bool may_move, uint64_t fixed_start) {
    sync::MutexLocker locker(m_lock);
    const Region* region = m_regions.find(old_start);
    if (!region || old_length > region->end - old_start)
        return ktl::Errno::BadAddress; // EFAULT: not one mapping
    RegionAttributes attributes = region->attributes;
    if (attributes.kind == RegionKind::KernelShared)
        return ktl::Errno::BadAddress;
    auto release = [&](const Region& removed) { release_pages(removed); };
    if (fixed_start == 0) {
        if (new_length <= old_length) {
            if (new_length < old_length)
                TRY(m_regions.unmap(old_start + new_length, old_length - new_length, release));
            forget_unused_mappings();
            return old_start;
        }
        // Grow in place when what follows is free.
        uint64_t grow_start = old_start + old_length;
        uint64_t grow_length = new_length - old_length;
        const Region* next = m_regions.find_at_or_above(grow_start);
        bool fits = grow_start <= user_mapping_end && grow_length <= user_mapping_end - grow_start;
        bool free_after =
            region->end == grow_start && fits && (!next || next->start >= grow_start + grow_length);
        if (free_after) {
            RegionAttributes grown = attributes;
            if (has_flag(grown.flags, RegionFlags::GrowsDown))
                return ktl::Errno::NoMemory;
            TRY(m_regions.insert(grow_start, grow_length, grown));
            return old_start;
        }
        if (!may_move)
            return ktl::Errno::NoMemory;
    }
    uint64_t new_start = fixed_start;
    if (new_start == 0)
        new_start = TRY(m_regions.find_free(new_length, 0, mmap_lowest, mmap_base));
    else if (new_start < old_start + old_length && old_start < new_start + new_length)
        return ktl::Errno::InvalidArgument; // the ranges overlap
    if (new_start > user_mapping_end || new_length > user_mapping_end - new_start)
        return ktl::Errno::NoMemory;
    RegionAttributes moved = TRY(attributes_moved(attributes, old_start, new_start));
    TRY(m_regions.map_fixed(new_start, new_length, moved, release));
    // The pages move with their frames, flags and marks; nothing is copied.
    uint64_t moved_length = old_length < new_length ? old_length : new_length;
    // Only the pages that are there; mapping at the new range may create tables there, never in
    // the old range the walk is reading.
    arch::walk(m_root, old_start, old_start + moved_length,
               [&](uint64_t page, const arch::Translation& translation) {
                   if (arch::unmap_page(m_root, page).is_error())
                       return;
                   if (arch::map_page(m_root, new_start + (page - old_start), translation.physical,
                                      translation.flags, kernel_frame_source())
                           .is_error()) {
                       // No memory for a page table: the page is lost to the program, not to the kernel.
                       if (!arch::has(translation.flags, arch::PageFlags::Shared))
                           free_frame(translation.physical);
                   }
               });
    TRY(m_regions.unmap(old_start, old_length, release));
    forget_unused_mappings();
    return new_start;
}

ktl::ErrorOr<void> AddressSpace::discard_pages(uint64_t start, uint64_t length) {
    sync::MutexLocker locker(m_lock);
    for (uint64_t at = start; at < start + length;) {
        const Region* region = m_regions.find(at);
        if (!region)
            return ktl::Errno::NoMemory;
        // A program's segments have no file behind them to fault in again from.
        if (region->attributes.kind == RegionKind::KernelShared ||
            region->attributes.kind == RegionKind::ProgramImage)
            return ktl::Errno::InvalidArgument;
        at = region->end;
    }
    // The next touch demand-pages afresh: zeros for anonymous memory, the file for a mapping.
    release_pages(Region{start, start + length, {}});
    return {};
}

ktl::ErrorOr<void> AddressSpace::residency(uint64_t start, uint64_t length,
                                           ktl::FunctionRef<void(uint64_t page, bool present)> report) {
    sync::MutexLocker locker(m_lock);
    for (uint64_t at = start; at < start + length;) {
        const Region* region = m_regions.find(at);
        if (!region)
            return ktl::Errno::NoMemory;
        at = region->end;
    }
    uint64_t next = start;
    arch::walk(m_root, start, start + length, [&](uint64_t page, const arch::Translation&) {
        for (; next < page; next += arch::page_size)
            report(next, false);
        report(page, true);
        next = page + arch::page_size;
    });
    for (; next < start + length; next += arch::page_size)
        report(next, false);
    return {};
}

bool AddressSpace::overlaps(uint64_t start, uint64_t length) {
    sync::MutexLocker locker(m_lock);
    const Region* region = m_regions.find_at_or_above(start);
    return region && region->start < start + length;
}

bool AddressSpace::is_mapped(uint64_t start, uint64_t length) {
    sync::MutexLocker locker(m_lock);
    uint64_t at = start;
    while (at < start + length) {
        const Region* region = m_regions.find(at);
        if (!region)
            return false;
        at = region->end;
    }
    return true;
}

void AddressSpace::forget_unused_mappings() {
    if (!m_file_region_removed)
        return;
    m_file_region_removed = false;
    // Few mappings and few regions: a scan is cheaper than keeping counts through splits and merges.
    uint64_t unused[16];
    size_t count = 16;
    while (count == 16) {
        count = 0;
        forget_some_unused_mappings(unused, count);
    }
}

void AddressSpace::forget_some_unused_mappings(uint64_t (&unused)[16], size_t& count) {
    for (auto& entry : m_file_mappings) {
        bool used = false;
        for (const Region* region = m_regions.find_at_or_above(0); region && !used;
             region = m_regions.find_at_or_above(region->end))
            used = region->attributes.tag == entry.key && is_file_region(region->attributes.kind);
        if (!used && count < 16)
            unused[count++] = entry.key;
    }
    for (size_t i = 0; i < count; ++i)
        m_file_mappings.remove(unused[i]);
}

arch::PageFaultOutcome AddressSpace::handle_file_fault(const Region& region, uint64_t page, bool write) {
    FileMapping* mapping = m_file_mappings.get(region.attributes.tag);
    if (!mapping)
        return arch::PageFaultOutcome::Refused;
    bool shared = region.attributes.kind == RegionKind::SharedFile;
    int64_t index = static_cast<int64_t>(page / arch::page_size) + mapping->page_delta;
    if (index < 0)
        return arch::PageFaultOutcome::Refused;
    auto frame =
        mapping->object->frame_for(static_cast<uint64_t>(index), !shared ? MappedObject::Access::ReadPrivate
                                                                 : write ? MappedObject::Access::Write
                                                                         : MappedObject::Access::ReadShared);
    if (frame.is_error()) // BadAddress: past the end of the file
        return frame.error().code() == ktl::Errno::BadAddress ? arch::PageFaultOutcome::BeyondObject
                                                              : arch::PageFaultOutcome::OutOfMemory;
    arch::PageFlags flags = page_flags_for(region.attributes.protection) | arch::PageFlags::Shared;
    if (mapping->object->is_device_memory())
        flags = flags | arch::PageFlags::Uncached;
    // Writable only for a write through a shared mapping, which got the file's own page; a read
    // may have got the zero page, and a private mapping copies before writing.
    if (!shared || !write)
        flags = static_cast<arch::PageFlags>(static_cast<uint32_t>(flags) &
                                             ~static_cast<uint32_t>(arch::PageFlags::Writable));
    if (arch::map_page(m_root, page, frame.value(), flags, kernel_frame_source()).is_error())
        return arch::PageFaultOutcome::OutOfMemory;
    // A private page written first thing gets its copy now.
    if (write && !shared) {
        if (privatize_if_shared(m_root, page).is_error())
            return arch::PageFaultOutcome::OutOfMemory;
        return outcome_of(arch::protect_page(m_root, page, page_flags_for(region.attributes.protection)));
    }
    if (!write)
        map_around(region, *mapping, page, flags);
    return arch::PageFaultOutcome::Resolved;
}

void AddressSpace::map_around(const Region& region, FileMapping& mapping, uint64_t page,
                              arch::PageFlags flags) {
    // Fault-around, as Linux does for file mappings: a read fault also maps the neighbours in its
    // aligned 64 KiB window that the file already has, read-only, so a reader walking the mapping
    // faults once per window instead of once per page. Holes and pages past the end stay unmapped.
    constexpr uint64_t window = 16 * arch::page_size;
    uint64_t start = page & ~(window - 1);
    uint64_t end = start + window;
    if (start < region.start)
        start = region.start;
    if (end > region.end)
        end = region.end;
    for (uint64_t neighbour = start; neighbour < end; neighbour += arch::page_size) {
        if (neighbour == page || !arch::translate(m_root, neighbour).is_error())
            continue;
        int64_t index = static_cast<int64_t>(neighbour / arch::page_size) + mapping.page_delta;
        if (index < 0)
            continue;
        uint64_t frame = mapping.object->existing_frame(static_cast<uint64_t>(index));
        if (frame == 0)
            continue;
        if (arch::map_page(m_root, neighbour, frame, flags, kernel_frame_source()).is_error())
            return; // no memory for a table: the rest fault in one by one
    }
}

ktl::ErrorOr<void> AddressSpace::protect_region(uint64_t start, uint64_t length, Protection protection) {
    sync::MutexLocker locker(m_lock);
    // The kernel's shared pages are the same frames in every process: writing them would write them
    // for all. Linux refuses PROT_WRITE on its vvar pages the same way.
    for (const Region* region = m_regions.find_at_or_above(start); region && region->start < start + length;
         region = m_regions.find_at_or_above(region->end)) {
        if (has_protection(protection, Protection::Write) &&
            region->attributes.kind == RegionKind::KernelShared)
            return ktl::Errno::AccessDenied;
        // A file mapping may not gain what its mmap could not have asked for.
        if (is_file_region(region->attributes.kind)) {
            FileMapping* mapping = m_file_mappings.get(region->attributes.tag);
            if (mapping && (static_cast<uint8_t>(protection) & ~static_cast<uint8_t>(mapping->maximum)))
                return ktl::Errno::AccessDenied;
        }
    }
    TRY(m_regions.protect(start, length, protection));
    arch::PageFlags flags = page_flags_for(protection);
    arch::PageFlags read_only = static_cast<arch::PageFlags>(
        static_cast<uint32_t>(flags) & ~static_cast<uint32_t>(arch::PageFlags::Writable));
    // Only pages that are there (the rest fault in later with the new protection).
    arch::walk(m_root, start, start + length, [&](uint64_t page, const arch::Translation& translation) {
        bool shared = arch::has(translation.flags, arch::PageFlags::Shared);
        // Shared pages stay read-only here, a shared file mapping's too: a write faults and then
        // gets its page (the file's own for a shared mapping, a copy for a private one). The page
        // may be the zero page, which nothing may write.
        // A page of the space's own that a fork shares stays read-only too, until a write copies it.
        (void)arch::protect_page(m_root, page,
                                 shared ? (read_only | arch::PageFlags::Shared)
                                        : owned_page_flags(translation.physical, flags));
    });
    return {};
}

arch::PageFaultOutcome AddressSpace::handle_page_fault(uint64_t address, bool write, bool execute) {
    sync::MutexLocker locker(m_lock);
    uint64_t page = address & ~(arch::page_size - 1);
    const Region* region = m_regions.find(page);
    if (!region)
        return arch::PageFaultOutcome::Refused;
    Protection protection = region->attributes.protection;
    // On x86 write and execute imply read, as on Linux: only PROT_NONE refuses every access.
    if (protection == Protection::None || (write && !has_protection(protection, Protection::Write)) ||
        (execute && !has_protection(protection, Protection::Execute)))
        return arch::PageFaultOutcome::Refused;
    auto mapped = arch::translate(m_root, page);
    bool shared_file = region->attributes.kind == RegionKind::SharedFile;
    if (!mapped.is_error()) {
        arch::PageFlags flags = mapped.value().flags;
        // A write to a shared program page the region now allows: copy on write; a shared file
        // page is written in place.
        if (write && shared_file && arch::has(flags, arch::PageFlags::Shared) &&
            !arch::has(flags, arch::PageFlags::Writable)) {
            FileMapping* mapping = m_file_mappings.get(region->attributes.tag);
            int64_t index =
                static_cast<int64_t>(page / arch::page_size) + (mapping ? mapping->page_delta : 0);
            if (!mapping || index < 0)
                return arch::PageFaultOutcome::Refused;
            // The page may be the shared zero page a read of a hole mapped: the write gets the
            // file's own page (made now), in one store.
            auto frame =
                mapping->object->frame_for(static_cast<uint64_t>(index), MappedObject::Access::Write);
            if (frame.is_error())
                return frame.error().code() == ktl::Errno::BadAddress ? arch::PageFaultOutcome::BeyondObject
                                                                      : arch::PageFaultOutcome::OutOfMemory;
            arch::PageFlags flags = page_flags_for(protection) | arch::PageFlags::Shared;
            if (mapping->object->is_device_memory())
                flags = flags | arch::PageFlags::Uncached;
            return outcome_of(arch::replace_page(m_root, page, frame.value(), flags));
        }
        if (write && arch::has(flags, arch::PageFlags::Shared)) {
            if (privatize_if_shared(m_root, page).is_error())
                return arch::PageFaultOutcome::OutOfMemory;
            return outcome_of(arch::protect_page(m_root, page, page_flags_for(protection)));
        }
        // A page of the space's own, read-only where the region allows writing: copy on write.
        if (write && !arch::has(flags, arch::PageFlags::Writable) &&
            !arch::has(flags, arch::PageFlags::NoAccess))
            return break_copy_on_write(page, mapped.value().physical, page_flags_for(protection));
        // The entry allows the access already: another thread fixed it up first, or this CPU's TLB
        // held an older entry. Retrying is the answer, as on Linux.
        bool allowed = !arch::has(flags, arch::PageFlags::NoAccess) &&
                       (!write || arch::has(flags, arch::PageFlags::Writable)) &&
                       (!execute || arch::has(flags, arch::PageFlags::Executable));
        // Otherwise it is mapped with the region's permissions (NoAccess only under PROT_NONE): a real
        // violation.
        if (!allowed)
            return arch::PageFaultOutcome::Refused;
        arch::flush_tlb_page(page); // whatever this CPU cached, the retry walks the tables
        return arch::PageFaultOutcome::Resolved;
    }
    if (is_file_region(region->attributes.kind))
        return handle_file_fault(*region, page, write);
    if (!has_flag(region->attributes.flags, RegionFlags::DemandZero))
        return arch::PageFaultOutcome::Refused;
    auto frame = allocate_zeroed_frame();
    if (frame.is_error())
        return arch::PageFaultOutcome::OutOfMemory; // the process is killed, the kernel goes on
    if (arch::map_page(m_root, page, frame.value(), page_flags_for(protection), kernel_frame_source())
            .is_error()) {
        free_frame(frame.value());
        return arch::PageFaultOutcome::OutOfMemory;
    }
    return arch::PageFaultOutcome::Resolved;
}

uint64_t AddressSpace::mapped_bytes() {
    sync::MutexLocker locker(m_lock);
    uint64_t bytes = 0;
    for (const Region& region : m_regions)
        bytes += region.size();
    return bytes;
}

size_t AddressSpace::region_count() {
    sync::MutexLocker locker(m_lock);
    return m_regions.count();
}

void AddressSpace::for_each_region(ktl::FunctionRef<void(const RegionUsage&)> visit) {
    sync::MutexLocker locker(m_lock);
    for (const Region& region : m_regions) {
        RegionUsage usage{region, 0, 0};
        for (uint64_t page = region.start; page < region.end; page += arch::page_size) {
            auto translation = arch::translate(m_root, page);
            if (translation.is_error())
                continue;
            ++usage.resident_pages;
            if (arch::has(translation.value().flags, arch::PageFlags::Shared) ||
                frame_references(translation.value().physical) > 1)
                ++usage.shared_pages;
        }
        visit(usage);
    }
}

ktl::ErrorOr<AddressSpace::Backing> AddressSpace::backing_of(uint64_t address) {
    sync::MutexLocker locker(m_lock);
    const Region* region = m_regions.find(address & ~(arch::page_size - 1));
    if (!region)
        return ktl::Errno::BadAddress;
    Backing backing{region->attributes.kind, nullptr, 0};
    if (!is_file_region(region->attributes.kind))
        return backing;
    FileMapping* mapping = m_file_mappings.get(region->attributes.tag);
    int64_t index = static_cast<int64_t>(address / arch::page_size) + (mapping ? mapping->page_delta : 0);
    if (!mapping || index < 0)
        return ktl::Errno::BadAddress;
    backing.object = mapping->object;
    backing.page_index = static_cast<uint64_t>(index);
    return backing;
}

} // namespace mm
