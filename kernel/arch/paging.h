// Page tables as generic code sees them: map, unmap, translate, protect and walk, on a root that is
// a physical address. Page-table pages come from a FrameSource so this layer needs no allocator.
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace arch {

inline constexpr uint64_t page_size = 4096;
inline constexpr uint64_t large_page_size = 2ull << 20;

// Page permissions; a present page is always readable (NoAccess pages are not present).
enum class PageFlags : uint32_t {
    None = 0, // present, read-only, kernel only
    Writable = 1 << 0,
    User = 1 << 1,
    Executable = 1 << 2,
    Global = 1 << 3,
    Uncached = 1 << 4, // device memory
    // Keeps the frame but makes the entry not present, so every access, kernel or user, faults
    // (PROT_NONE). 4 KiB user-half pages only; the other flags are dropped.
    NoAccess = 1 << 5,
    // The frame is someone else's (a program page every process running the program maps, a file's
    // page): unmapping it or releasing the address space never frees it, and protect_page keeps the
    // mark. Only a shared file mapping maps such pages writable; everyone else makes a private copy
    // before writing.
    Shared = 1 << 6,
};
constexpr PageFlags operator|(PageFlags a, PageFlags b) {
    return static_cast<PageFlags>(static_cast<uint32_t>(a) | static_cast<uint32_t>(b));
}
constexpr PageFlags operator&(PageFlags a, PageFlags b) {
    return static_cast<PageFlags>(static_cast<uint32_t>(a) & static_cast<uint32_t>(b));
}
constexpr bool has(PageFlags flags, PageFlags flag) {
    return (flags & flag) == flag;
}

enum class PageSize : uint8_t { Small, Large }; // 4 KiB, 2 MiB

class FrameSource {
public:
    // A zeroed frame for a page-table page; NoMemory when none is left.
    virtual ktl::ErrorOr<uint64_t> allocate_table_frame() = 0;
    virtual void free_table_frame(uint64_t physical) = 0;

protected:
    ~FrameSource() = default;
};

struct Translation {
    uint64_t physical;
    PageFlags flags;
    PageSize size;
};

// Below, a NoAccess page counts as mapped: it owns its frame.
// Maps one page. AlreadyExists (Exists) if something is mapped there; NoMemory if a table page cannot
// be allocated (tables created on the way stay, empty, for the next mapping).
ktl::ErrorOr<void> map_page(uint64_t root, uint64_t virtual_address, uint64_t physical_address,
                            PageFlags flags, FrameSource& frames, PageSize size = PageSize::Small);
// Unmaps one page and returns the physical address it mapped; NoEntry if nothing was mapped there.
// The TLB entry is flushed when `root` is the active one.
ktl::ErrorOr<uint64_t> unmap_page(uint64_t root, uint64_t virtual_address);
ktl::ErrorOr<Translation> translate(uint64_t root, uint64_t virtual_address);
// Points a mapped 4 KiB page at another frame with new flags in one store (no moment where the page is
// missing), and flushes its TLB entry as unmap_page does. Returns the frame it mapped before.
ktl::ErrorOr<uint64_t> replace_page(uint64_t root, uint64_t virtual_address, uint64_t physical_address,
                                    PageFlags flags);
// Changes a mapped page's flags, keeping its frame; flushes the TLB entry as unmap_page does.
ktl::ErrorOr<void> protect_page(uint64_t root, uint64_t virtual_address, PageFlags flags);

// Calls callback(virtual_address, translation) for every mapped page in [start, end).
template <typename Callback>
void walk(uint64_t root, uint64_t start, uint64_t end, Callback&& callback);

// fork's page-table copy: one walk over `from_root`'s user half builds `to_root`'s tables beside it
// (no walk from the root per page). For each leaf, `decide(virtual_address, translation)` says
// whether the copy gets it and whether both lose write access (copy-on-write). The source's TLB is
// not flushed here: the caller flushes once, with flush_user_tlb. NoMemory when a table page cannot
// be had; what was copied stays, for the caller to release with the destination.
struct ForkDecision {
    bool copy = true;
    bool write_protect = false;
};
template <typename Decide>
ktl::ErrorOr<void> copy_user_half(uint64_t from_root, uint64_t to_root, FrameSource& frames, Decide&& decide);

// Frees every page-table page below `root` for the user half (PML4 entries 0..255) that maps nothing,
// and, when `free_frame` is given, the frames the user half maps.
void release_user_half(uint64_t root, FrameSource& frames, void (*free_frame)(uint64_t physical));

uint64_t active_root();
void activate_root(uint64_t root);
void flush_tlb_page(uint64_t virtual_address);
// Every TLB entry of the user half (the kernel's are global and stay): after changing many.
void flush_user_tlb();

// Processor protections: NX (on since boot), SMEP and SMAP where the CPU has them, global pages.
struct PagingFeatures {
    bool supervisor_mode_execution_prevention;
    bool supervisor_mode_access_prevention;
    bool large_pages_1g;
};
PagingFeatures enable_paging_protections();
PagingFeatures paging_features();

// With SMAP on, kernel code may touch user pages only inside this scope.
class UserAccessScope {
public:
    UserAccessScope();
    ~UserAccessScope();
    UserAccessScope(const UserAccessScope&) = delete;
    UserAccessScope& operator=(const UserAccessScope&) = delete;
};

} // namespace arch

#include "arch/x86_64/paging_walk.h"
