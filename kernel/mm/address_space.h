// An address space: its own PML4, with the kernel half shared (copied once from the kernel's PML4,
// whose 256 entries never change) and the user half owned. Destroying it returns every user frame
// and every page-table page.
//
// The user half is described by regions (Linux's VMAs): mmap, munmap, mprotect and brk change the
// regions, and pages appear on first touch (demand paging) where a region says they should. Page
// faults and the region calls take the space's mutex.
//
// Every space is in one registry, so a file that loses pages (truncate) can take them out of every
// space that maps them (unmap_object_pages), as Linux's reverse mapping does. Lock order, outermost
// first: a file's truncation lock (ext2), one space's lock (never two, but for fork's parent then
// its new child), the file's own locks (tmpfs's inode lock; ext2's map lock, then its volume lock).
// The registry's lock is held only to step through it, never while another is taken. Truncation
// therefore unmaps holding none of the file's locks but the first.
#pragma once

#include "arch/paging.h"
#include "arch/user_mode.h"
#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/hash_map.h"
#include "ktl/intrusive_list.h"
#include "ktl/ref_ptr.h"
#include "mm/mapped_object.h"
#include "mm/region_map.h"
#include "sync/mutex.h"

#include <cstdint>

namespace mm {

// Reference counted (ktl::RefCounted): a task holds one reference while it runs in the space, a vfork
// parent and child share one space, /proc holds one while it reads. The last unref() frees the user
// half and the PML4; the space must not be active anywhere by then.
struct InSpaceRegistry;
class AddressSpace : public ktl::RefCounted<AddressSpace>, public ktl::IntrusiveListNode<InSpaceRegistry> {
public:
    // The new space has one reference, the caller's.
    static ktl::ErrorOr<AddressSpace*> create();
    // fork: a new space (one reference, the caller's) with this one's regions, file mappings and
    // break, and every present page: shared and file pages map the same frames; the space's own
    // frames become copy-on-write in both (read-only, one more reference each), and the first write
    // on either side copies the frame unless the writer is by then its only holder. On failure
    // (NoMemory) this space is left as it was, apart from pages that are now copy-on-write.
    ktl::ErrorOr<AddressSpace*> fork();
    // Drops a sole owner's reference (tests); shared spaces are unref()'d by each holder.
    static void destroy(AddressSpace* space) { space->unref(); }
    ~AddressSpace();

    uint64_t root() const { return m_root; }
    // Maps a fresh zeroed frame at `virtual_address` (user half only), owned by this address space.
    ktl::ErrorOr<void> allocate_and_map(uint64_t virtual_address, arch::PageFlags flags);
    // Maps `frame`, which this space does not own (a shared program page), never writable.
    ktl::ErrorOr<void> map_shared(uint64_t virtual_address, uint64_t frame, arch::PageFlags flags);
    // Unmaps the page; frees its frame unless it is shared.
    ktl::ErrorOr<void> unmap_and_free(uint64_t virtual_address);
    ktl::ErrorOr<arch::Translation> translate(uint64_t virtual_address) const {
        return arch::translate(m_root, virtual_address);
    }
    ktl::ErrorOr<void> protect(uint64_t virtual_address, arch::PageFlags flags);
    void activate() const { arch::activate_root(m_root); }

    // Regions. Each takes the space's lock. Addresses and lengths are page aligned by the caller.
    // Adds a region where nothing is (Exists otherwise).
    ktl::ErrorOr<void> add_region(uint64_t start, uint64_t length, RegionAttributes attributes);
    // Maps `count` pages of the kernel's own frames from `physical` at `start` as a KernelShared
    // region (Exists if anything is there). Unmapping them, or destroying the space, leaves the frames
    // alone; mprotect may take permissions away but never add Write (AccessDenied, EACCES).
    ktl::ErrorOr<void> map_kernel_pages(uint64_t start, uint64_t physical, size_t count,
                                        Protection protection);
    // mmap: at `hint` if free, else the highest free range under the mmap base; or exactly at
    // `hint`, replacing what was there, when `fixed`. Returns the start.
    ktl::ErrorOr<uint64_t> map_region(uint64_t hint, uint64_t length, RegionAttributes attributes,
                                      bool fixed);
    // mmap of a file: `object`'s pages from `first_index` on, shared or private (copy on write).
    // `maximum` is what mprotect may later allow (Linux's VM_MAY*): no write for a shared mapping of
    // a description that cannot write, no execute from a noexec mount.
    ktl::ErrorOr<uint64_t> map_object(uint64_t hint, uint64_t length, Protection protection,
                                      Protection maximum, bool shared, ktl::RefPtr<MappedObject> object,
                                      uint64_t first_index, bool fixed);
    // Whether any page of the range is mapped (MAP_FIXED_NOREPLACE).
    bool overlaps(uint64_t start, uint64_t length);
    // mremap: resizes the mapping at [old_start, old_start + old_length), which must lie in one
    // region, in place if it can; else moves it (with `may_move`, or to `fixed_start` when that is
    // not 0), pages and all. Returns the new start. Linux's errors: EFAULT when the old range is not
    // one mapping, ENOMEM when it cannot grow in place and may not move.
    ktl::ErrorOr<uint64_t> remap(uint64_t old_start, uint64_t old_length, uint64_t new_length, bool may_move,
                                 uint64_t fixed_start);
    // madvise(MADV_DONTNEED): drops the range's pages. Anonymous memory reads zeros afterwards, a
    // file mapping the file's pages again. NoMemory if part of the range is not mapped;
    // InvalidArgument for the kernel's own pages.
    ktl::ErrorOr<void> discard_pages(uint64_t start, uint64_t length);
    // mincore: one byte per page of the range, 1 where a page is present; NoMemory if part of the
    // range is not mapped.
    ktl::ErrorOr<void> residency(uint64_t start, uint64_t length,
                                 ktl::FunctionRef<void(uint64_t page, bool present)> report);
    // msync's check: whether every page of the range is mapped.
    bool is_mapped(uint64_t start, uint64_t length);
    // munmap: removes the range's regions and frees their pages.
    ktl::ErrorOr<void> unmap_region(uint64_t start, uint64_t length);
    // mprotect: NoMemory if part of the range is not mapped.
    ktl::ErrorOr<void> protect_region(uint64_t start, uint64_t length, Protection protection);
    // Demand paging: makes the page at `address` present if a region allows `access`.
    arch::PageFaultOutcome handle_page_fault(uint64_t address, bool write, bool execute);
    size_t region_count();
    // The bytes every region covers together (RLIMIT_AS).
    uint64_t mapped_bytes();
    // What /proc/[pid]/maps and statm show: every region in address order with how many of its pages
    // are present and how many of those are shared frames (program pages, the vDSO). Runs `visit`
    // under the space's lock, so it must not touch the space.
    struct RegionUsage {
        Region region;
        uint64_t resident_pages = 0;
        uint64_t shared_pages = 0;
    };
    void for_each_region(ktl::FunctionRef<void(const RegionUsage&)> visit);
    // The page permissions a region's protection gives (PROT_NONE pages are NoAccess: they keep
    // their frame, and every access faults and is refused, so user copies return EFAULT).
    static arch::PageFlags page_flags_for(Protection protection);

    // What backs the user address `address` (futex keys): its region's kind and, for a file mapping,
    // the object (one reference for the caller) and the page index in it. BadAddress where nothing is
    // mapped.
    struct Backing {
        RegionKind kind = RegionKind::Anonymous;
        ktl::RefPtr<MappedObject> object;
        uint64_t page_index = 0;
    };
    ktl::ErrorOr<Backing> backing_of(uint64_t address);

    // Where mmap places regions when not told: below this, above mmap_lowest.
    static constexpr uint64_t mmap_lowest = 0x10000;
    uint64_t mmap_base = 0;
    // The program break (brk): where the heap starts and where it ends now. Here rather than in the
    // process, as a vfork child shares the memory it describes.
    uint64_t break_start = 0;
    uint64_t break_end = 0;

private:
    friend void unmap_object_pages(const void* identity, uint64_t first_index, uint64_t end_index);
    explicit AddressSpace(uint64_t root) : m_root(root) {}
    // unmap_object_pages for this space, under its lock.
    void remove_object_pages(const void* identity, uint64_t first_index, uint64_t end_index);
    static bool is_user_address(uint64_t virtual_address);
    // Unmaps a removed region's pages and frees their frames, unless the kernel owns them.
    void release_pages(const Region& region);

    // A file mapping's object and where in it a region's addresses fall: the page index of
    // address A is A / page_size + page_delta, which stays true when the region is split.
    struct FileMapping {
        ktl::RefPtr<MappedObject> object;
        int64_t page_delta = 0;
        Protection maximum = Protection::Read | Protection::Write | Protection::Execute;
    };
    static bool is_file_region(RegionKind kind) {
        return kind == RegionKind::SharedFile || kind == RegionKind::PrivateFile;
    }
    // After regions were removed: drops the mappings no region refers to any more (nothing to do
    // unless release_pages saw a file region go).
    void forget_unused_mappings();
    void forget_some_unused_mappings(uint64_t (&unused)[16], size_t& count);
    arch::PageFaultOutcome handle_file_fault(const Region& region, uint64_t page, bool write);
    void map_around(const Region& region, FileMapping& mapping, uint64_t page, arch::PageFlags flags);
    // A write to a present, read-only page of the space's own that the region allows: the page was
    // shared with a fork. Writes in place when nobody else holds the frame any more, else on a copy.
    arch::PageFaultOutcome break_copy_on_write(uint64_t page, uint64_t frame, arch::PageFlags flags);
    // The flags a page of the space's own gets from `flags`: without Writable while it is shared.
    static arch::PageFlags owned_page_flags(uint64_t frame, arch::PageFlags flags);
    // Attributes for the same memory at another address: a file mapping gets a tag whose page index
    // still names the same pages of the file.
    ktl::ErrorOr<RegionAttributes> attributes_moved(const RegionAttributes& attributes, uint64_t from,
                                                    uint64_t to);

    uint64_t m_root;
    sync::Mutex m_lock; // the regions, the file mappings and the user half's page tables
    RegionMap m_regions;
    ktl::HashMap<uint64_t, FileMapping> m_file_mappings; // by region tag
    uint64_t m_next_mapping_tag = 1;
    bool m_file_region_removed = false;
};

// Truncation's half of the reverse mapping: removes every page table entry that maps pages
// [first_index, end_index) of the file `identity` (MappedObject::identity) in every address space,
// a fork's child's included, and frees the private copies made of them, as Linux's truncate does: a
// later access past the end of the file gets SIGBUS, one within it faults the file's page in again.
// The TLB entries go where every unmap's go (arch::unmap_page). Call it after the file refuses
// faults on those pages (its size, or a limit, says they are gone) and before it frees them: a fault
// that got a page before then is done, mapped, and removed here, as both hold the space's lock.
// Takes each space's lock in turn: the caller holds none of the file's locks that a fault takes.
void unmap_object_pages(const void* identity, uint64_t first_index, uint64_t end_index);

} // namespace mm
