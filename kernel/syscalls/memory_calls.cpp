// Memory calls: brk, mmap (anonymous and of files), munmap, mprotect, msync, madvise. Pages come
// on first touch.
#include "arch/paging.h"
#include "fs/open_file.h"
#include "fs/tmpfs/tmpfs.h"
#include "mm/address_space.h"
#include "proc/process.h"
#include "sched/scheduler.h"
#include "syscalls/handlers.h"

#include <utility>

namespace syscalls {

namespace {

constexpr uint64_t page_size = arch::page_size;
constexpr uint64_t prot_mask = 7;
enum : uint64_t {
    map_shared = 0x01,
    map_private = 0x02,
    map_shared_validate = 0x03,
    map_type_mask = 0x0f,
    map_fixed = 0x10,
    map_anonymous = 0x20,
    map_growsdown = 0x100,
    map_denywrite = 0x800,
    map_executable = 0x1000,
    map_locked = 0x2000,
    map_noreserve = 0x4000,
    map_populate = 0x8000,
    map_nonblock = 0x10000,
    map_stack = 0x20000,
    map_hugetlb = 0x40000,
    map_fixed_noreplace = 0x100000,
};
constexpr uint64_t known_map_flags = map_type_mask | map_fixed | map_anonymous | map_growsdown |
                                     map_denywrite | map_executable | map_locked | map_noreserve |
                                     map_populate | map_nonblock | map_stack | map_fixed_noreplace;

mm::AddressSpace& space() {
    return *sched::current_task()->address_space;
}

constexpr uint64_t page_round_up(uint64_t value) {
    return (value + page_size - 1) & ~(page_size - 1);
}

// Whether [start, start + length) lies in the user half; length already rounded, not zero.
bool in_user_half(uint64_t start, uint64_t length) {
    return start < mm::user_mapping_end && length <= mm::user_mapping_end - start;
}

// Where an mmap goes: its length in pages and, for MAP_FIXED or MAP_FIXED_NOREPLACE, exactly where
// it asked (checked); otherwise a page-aligned hint.
struct Placement {
    uint64_t hint = 0;
    uint64_t length = 0;
    bool fixed = false;      // replace what is there
    bool no_replace = false; // MAP_FIXED_NOREPLACE without MAP_FIXED: EEXIST if anything is there
};

ktl::ErrorOr<Placement> placement(uint64_t address, uint64_t length, uint64_t flags) {
    Placement where;
    where.length = page_round_up(length);
    if (where.length < length || where.length > mm::user_half_end)
        return ktl::Errno::NoMemory;
    bool exact = flags & (map_fixed | map_fixed_noreplace);
    if (!exact) {
        where.hint = page_round_up(address);
        return where;
    }
    if (address % page_size != 0)
        return ktl::Errno::InvalidArgument;
    if (!in_user_half(address, where.length))
        return ktl::Errno::NoMemory;
    if (address < mm::AddressSpace::mmap_lowest)
        return ktl::Errno::NotPermitted; // below mmap_min_addr, as Linux refuses it
    where.hint = address;
    where.no_replace = (flags & map_fixed_noreplace) && !(flags & map_fixed);
    where.fixed = !where.no_replace;
    return where;
}

// RLIMIT_AS: the space may not grow by `growth` bytes past the limit (a MAP_FIXED over existing
// pages is counted whole, as the check comes before the replacement: stricter than Linux by the
// overlap). NoMemory, as Linux's mmap, brk and mremap fail.
ktl::ErrorOr<void> check_address_space_limit(uint64_t growth) {
    proc::Process* process = proc::current_process();
    if (!process)
        return {};
    uint64_t limit = process->limits()[proc::Resource::AddressSpace].current;
    if (limit == proc::unlimited)
        return {}; // the common case costs nothing
    uint64_t mapped = space().mapped_bytes();
    if (growth > limit || mapped > limit - growth)
        return ktl::Errno::NoMemory;
    return {};
}

} // namespace

// brk never fails in Linux's raw call: it returns the new break, or the old one when it cannot move.
Result sys_brk(uint64_t address) {
    uint64_t old_end = space().break_end;
    if (address < space().break_start || address >= mm::user_mapping_end)
        return static_cast<long>(old_end);
    uint64_t old_top = page_round_up(old_end), new_top = page_round_up(address);
    if (new_top > old_top) {
        if (check_address_space_limit(new_top - old_top).is_error())
            return static_cast<long>(old_end);
        auto added = space().add_region(old_top, new_top - old_top,
                                        {mm::Protection::Read | mm::Protection::Write, mm::RegionKind::Heap,
                                         mm::RegionFlags::DemandZero, 0});
        if (added.is_error())
            return static_cast<long>(old_end); // runs into a mapping, or no memory for the region
    } else if (new_top < old_top) {
        if (space().unmap_region(new_top, old_top - new_top).is_error())
            return static_cast<long>(old_end);
    }
    space().break_end = address;
    return static_cast<long>(address);
}

Result sys_mmap(uint64_t address, uint64_t length, uint64_t protection, uint64_t flags, int fd,
                uint64_t offset) {
    if (length == 0 || (protection & ~prot_mask) != 0)
        return ktl::Errno::InvalidArgument;
    uint64_t type = flags & map_type_mask;
    if (type != map_private && type != map_shared && type != map_shared_validate)
        return ktl::Errno::InvalidArgument;
    if (type == map_shared_validate && (flags & ~known_map_flags) != 0)
        return ktl::Errno::NotSupported;
    if (offset % page_size != 0)
        return ktl::Errno::InvalidArgument;
    if (flags & map_hugetlb)
        return ktl::Errno::InvalidArgument;
    TRY(check_address_space_limit(page_round_up(length) < length ? length : page_round_up(length)));
    fs::RefPtr<mm::MappedObject> object;
    if (!(flags & map_anonymous)) {
        proc::Process* process = proc::current_process();
        if (!process)
            return ktl::Errno::BadFileDescriptor;
        fs::RefPtr<fs::OpenFile> file = TRY(process->files().get(fd));
        if (file->is_path_only())
            return ktl::Errno::BadFileDescriptor;
        // Linux: the description must be readable, and writable for a shared writable mapping.
        if (!file->can_read())
            return ktl::Errno::AccessDenied;
        bool shared = type != map_private;
        if (shared && (protection & 2) && (!file->can_write() || (file->flags() & fs::open_append)))
            return ktl::Errno::AccessDenied;
        bool no_execute = file->path().mount && (file->path().mount->flags() & fs::mount_no_execute);
        if (no_execute && (protection & 4))
            return ktl::Errno::NotPermitted;
        // What mprotect may add later, as Linux's VM_MAY* bits: a shared mapping writes only through
        // a description that may write; nothing executes from a noexec mount.
        uint8_t maximum = 1 | 2 | 4;
        if (shared && (!file->can_write() || (file->flags() & fs::open_append)))
            maximum &= ~2;
        if (no_execute)
            maximum &= ~4;
        object = TRY(file->mapping_object());
        if (offset / page_size > UINT64_MAX / 2)
            return ktl::Errno::Overflow;
        // A null object (/dev/zero) is anonymous memory, placed below like any.
        if (object) {
            Placement where = TRY(placement(address, length, flags));
            if (where.no_replace && space().overlaps(where.hint, where.length))
                return ktl::Errno::Exists;
            uint64_t start =
                TRY(space().map_object(where.hint, where.length, static_cast<mm::Protection>(protection),
                                       static_cast<mm::Protection>(maximum), shared, std::move(object),
                                       offset / page_size, where.fixed || where.no_replace));
            return static_cast<long>(start);
        }
    }
    if ((flags & map_anonymous) && type != map_private) {
        // Shared anonymous memory outlives a fork on both sides: an unnamed tmpfs file of the
        // mapping's size, as Linux's shmem, shown as "/dev/zero (deleted)" the way Linux does.
        uint64_t rounded = page_round_up(length);
        if (rounded < length)
            return ktl::Errno::NoMemory;
        fs::RefPtr<fs::OpenFile> file = TRY(fs::tmpfs::create_unlinked_file("/dev/zero (deleted)"));
        TRY(file->inode()->truncate(rounded));
        object = TRY(file->mapping_object());
        Placement where = TRY(placement(address, length, flags));
        if (where.no_replace && space().overlaps(where.hint, where.length))
            return ktl::Errno::Exists;
        constexpr auto everything = mm::Protection::Read | mm::Protection::Write | mm::Protection::Execute;
        return static_cast<long>(
            TRY(space().map_object(where.hint, where.length, static_cast<mm::Protection>(protection),
                                   everything, true, std::move(object), 0, where.fixed || where.no_replace)));
    }
    Placement where = TRY(placement(address, length, flags));
    mm::RegionAttributes attributes{static_cast<mm::Protection>(protection), mm::RegionKind::Anonymous,
                                    mm::RegionFlags::DemandZero, 0};
    if (where.no_replace) {
        TRY(space().add_region(where.hint, where.length, attributes)); // Exists if anything is there
        return static_cast<long>(where.hint);
    }
    uint64_t start = TRY(space().map_region(where.hint, where.length, attributes, where.fixed));
    return static_cast<long>(start);
}

Result sys_munmap(uint64_t address, uint64_t length) {
    if (address % page_size != 0 || length == 0)
        return ktl::Errno::InvalidArgument;
    uint64_t rounded = page_round_up(length);
    if (rounded < length || !in_user_half(address, rounded))
        return ktl::Errno::InvalidArgument;
    TRY(space().unmap_region(address, rounded));
    return 0;
}

Result sys_mprotect(uint64_t address, uint64_t length, uint64_t protection) {
    if (address % page_size != 0 || (protection & ~prot_mask) != 0)
        return ktl::Errno::InvalidArgument;
    if (length == 0)
        return 0;
    uint64_t rounded = page_round_up(length);
    if (rounded < length || !in_user_half(address, rounded))
        return ktl::Errno::NoMemory;
    TRY(space().protect_region(address, rounded, static_cast<mm::Protection>(protection)));
    return 0;
}

Result sys_mremap(uint64_t old_address, uint64_t old_length, uint64_t new_length, uint64_t flags,
                  uint64_t new_address) {
    constexpr uint64_t mremap_maymove = 1, mremap_fixed = 2, mremap_dontunmap = 4;
    if (flags & ~(mremap_maymove | mremap_fixed | mremap_dontunmap))
        return ktl::Errno::InvalidArgument;
    if ((flags & mremap_fixed) && !(flags & mremap_maymove))
        return ktl::Errno::InvalidArgument;
    if (flags & mremap_dontunmap)
        return ktl::Errno::InvalidArgument; // leaving the old range mapped comes with userfaultfd, later
    if (old_address % page_size != 0)
        return ktl::Errno::InvalidArgument;
    uint64_t old_rounded = page_round_up(old_length), new_rounded = page_round_up(new_length);
    if (new_rounded == 0 || new_rounded < new_length || old_rounded < old_length)
        return ktl::Errno::InvalidArgument;
    if (old_rounded == 0)
        return ktl::Errno::InvalidArgument; // duplicating a shared mapping (old size 0) is not supported
    if (!in_user_half(old_address, old_rounded))
        return ktl::Errno::BadAddress;
    uint64_t fixed = 0;
    if (flags & mremap_fixed) {
        if (new_address % page_size != 0)
            return ktl::Errno::InvalidArgument;
        if (!in_user_half(new_address, new_rounded) || new_address < mm::AddressSpace::mmap_lowest)
            return ktl::Errno::InvalidArgument;
        fixed = new_address;
    }
    if (new_rounded > old_rounded)
        TRY(check_address_space_limit(new_rounded - old_rounded));
    return static_cast<long>(
        TRY(space().remap(old_address, old_rounded, new_rounded, flags & mremap_maymove, fixed)));
}

Result sys_msync(uint64_t address, uint64_t length, int flags) {
    constexpr int ms_async = 1, ms_invalidate = 2, ms_sync = 4;
    if (address % page_size != 0 || (flags & ~(ms_async | ms_invalidate | ms_sync)) ||
        ((flags & ms_async) && (flags & ms_sync)))
        return ktl::Errno::InvalidArgument;
    uint64_t rounded = page_round_up(length);
    if (rounded < length || !in_user_half(address, rounded))
        return ktl::Errno::NoMemory;
    if (rounded > 0 && !space().is_mapped(address, rounded))
        return ktl::Errno::NoMemory;
    // Shared mappings are the file's own pages: nothing is ever out of date.
    return 0;
}

Result sys_madvise(uint64_t address, uint64_t length, int advice) {
    constexpr int max_known_advice = 25;
    constexpr int madv_dontneed = 4, madv_free = 8;
    if (address % page_size != 0 || advice < 0 || advice > max_known_advice)
        return ktl::Errno::InvalidArgument;
    if (length == 0)
        return 0;
    uint64_t rounded = page_round_up(length);
    if (rounded < length || !in_user_half(address, rounded))
        return ktl::Errno::InvalidArgument;
    // MADV_DONTNEED changes what memory reads (zeros afterwards), so it is done; MADV_FREE may be
    // done the same way. The rest is advice, and accepted.
    if (advice == madv_dontneed || advice == madv_free)
        TRY(space().discard_pages(address, rounded));
    return 0;
}

Result sys_mincore(uint64_t address, uint64_t length, mm::UserPtr<uint8_t> vector) {
    if (address % page_size != 0)
        return ktl::Errno::InvalidArgument;
    uint64_t rounded = page_round_up(length);
    if (rounded < length || !in_user_half(address, rounded))
        return ktl::Errno::NoMemory;
    if (rounded == 0)
        return 0;
    if (!mm::is_user_range(vector.address(), rounded / page_size))
        return ktl::Errno::BadAddress;
    // Answers are gathered a chunk at a time and copied out after the space's lock is let go.
    uint64_t at = address;
    while (at < address + rounded) {
        uint8_t chunk[512];
        uint64_t pages = (address + rounded - at) / page_size < sizeof chunk
                             ? (address + rounded - at) / page_size
                             : sizeof chunk;
        TRY(space().residency(at, pages * page_size, [&](uint64_t page, bool present) {
            chunk[(page - at) / page_size] = present ? 1 : 0;
        }));
        TRY(mm::copy_to_user(vector.offset((at - address) / page_size), chunk, pages));
        at += pages * page_size;
    }
    return 0;
}

} // namespace syscalls
