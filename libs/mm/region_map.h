// The bookkeeping of a user address space's regions (Linux's VMAs): which page ranges are mapped, with
// what protection, of what kind. The kernel builds mmap/munmap/mprotect/brk and demand paging on it; the
// map never touches page tables or memory, it only says what should be there. Operations that take
// memory away report the ranges they removed so the caller can free the pages behind them.
//
// Invariants after every operation: regions are page-aligned, sorted, non-overlapping, and maximally
// merged (two touching regions always differ in some attribute), as Linux merges its VMAs.
//
// Nodes come from a RegionNodeAllocator. Every operation that needs new nodes gets them all before it
// changes anything, so a failed allocation returns NoMemory with the map exactly as it was. The map is
// an AVL tree threaded by a list in address order: find() is O(log n), iteration O(1) per region, and an
// operation costs O(log n + regions it touches). Not thread-safe: the address space's lock owns it.
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace mm {

// The PROT_* bits, with their Linux values so mmap's argument converts once validated.
enum class Protection : uint8_t {
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
};
constexpr Protection operator|(Protection a, Protection b) {
    return static_cast<Protection>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b));
}
constexpr bool has_protection(Protection set, Protection bits) {
    return (static_cast<uint8_t>(set) & static_cast<uint8_t>(bits)) == static_cast<uint8_t>(bits);
}

// What the memory is for; it decides what a page fault fills a missing page with.
enum class RegionKind : uint8_t {
    Anonymous,    // mmap(MAP_ANONYMOUS)
    ProgramImage, // a loaded ELF segment; the tag names it
    Stack,
    Heap, // the brk area
    // Frames the kernel owns and shares with every process (the vDSO and its clock page): mapped at
    // execve, never demand paged, never freed with the address space, never made writable.
    KernelShared,
    // A file's pages (mmap of a file): the tag names the mapping. Shared: writes reach the file.
    // Private: pages are the file's until written, then copied (copy on write).
    SharedFile,
    PrivateFile,
};

enum class RegionFlags : uint8_t {
    None = 0,
    GrowsDown = 1,  // a fault just below the region extends it downwards (the main stack)
    DemandZero = 2, // a missing page is a fresh zero page
};
constexpr RegionFlags operator|(RegionFlags a, RegionFlags b) {
    return static_cast<RegionFlags>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b));
}
constexpr bool has_flag(RegionFlags set, RegionFlags flag) {
    return (static_cast<uint8_t>(set) & static_cast<uint8_t>(flag)) == static_cast<uint8_t>(flag);
}

// Two touching regions merge exactly when their attributes are equal, so a tag that differs keeps
// regions apart (e.g. two ELF segments backed by different parts of a file).
struct RegionAttributes {
    Protection protection = Protection::None;
    RegionKind kind = RegionKind::Anonymous;
    RegionFlags flags = RegionFlags::None;
    uint64_t tag = 0; // the kernel's own: e.g. which program segment backs the region
    constexpr bool operator==(const RegionAttributes&) const = default;
};

struct Region {
    uint64_t start = 0;
    uint64_t end = 0; // exclusive
    RegionAttributes attributes;

    constexpr uint64_t size() const { return end - start; }
    constexpr bool contains(uint64_t address) const { return address >= start && address < end; }
    constexpr bool operator==(const Region&) const = default;
};

// Where nodes come from: kernel heap by default, a failing one in tests, a fixed pool if need be.
class RegionNodeAllocator {
public:
    virtual void* allocate_node(size_t size, size_t alignment) = 0; // nullptr when out of memory
    virtual void free_node(void* node, size_t size) = 0;

protected:
    ~RegionNodeAllocator() = default;
};
// operator new(std::nothrow) / operator delete: the kernel heap in the kernel, malloc on the host.
RegionNodeAllocator& heap_region_node_allocator();

// A non-owning reference to a callable object (a lambda) taking const Region&; empty means "ignore".
// Lets a lambda with captures be passed without templates or allocation; it must outlive the call.
class RegionCallback {
public:
    constexpr RegionCallback() = default;
    template <typename Function>
    requires(!std::is_same_v<std::remove_cvref_t<Function>, RegionCallback> &&
             !std::is_function_v<std::remove_reference_t<Function>>) RegionCallback(Function&& function)
        : m_object(const_cast<void*>(static_cast<const void*>(&function))),
          m_call([](void* object, const Region& region) {
              (*static_cast<std::remove_reference_t<Function>*>(object))(region);
          }) {}
    void operator()(const Region& region) const {
        if (m_call)
            m_call(m_object, region);
    }

private:
    void* m_object = nullptr;
    void (*m_call)(void*, const Region&) = nullptr;
};

struct RegionChange; // one insert/map_fixed/unmap/protect, private to region_map.cpp

class RegionMap {
    struct Node;

public:
    static constexpr uint64_t page_size = 4096;

    explicit RegionMap(RegionNodeAllocator& allocator = heap_region_node_allocator())
        : m_allocator(allocator) {}
    RegionMap(const RegionMap&) = delete;
    RegionMap& operator=(const RegionMap&) = delete;
    ~RegionMap() { clear(); }

    // Argument rules shared by every operation: start and length are multiples of page_size, the
    // length is not 0 (except for protect) and start + length does not wrap -> else InvalidArgument;
    // protection has no bits beyond Read|Write|Execute -> else InvalidArgument. On any error nothing
    // changes and nothing is reported.
    //
    // `removed` is called once per removed piece (the part of an old region inside the range, with the
    // old attributes), in address order, after the operation is known to succeed and before the map
    // changes. It must not call back into the map.

    // Adds a region where nothing is mapped; any overlap -> Exists. Merges with equal neighbours.
    ktl::ErrorOr<void> insert(uint64_t start, uint64_t length, RegionAttributes attributes);
    // mmap(MAP_FIXED): the new region replaces whatever overlapped it, splitting regions at the edges.
    ktl::ErrorOr<void> map_fixed(uint64_t start, uint64_t length, RegionAttributes attributes,
                                 RegionCallback removed = {});
    // munmap: removes every page of the range that is mapped, splitting regions at the edges. Holes in
    // the range, or a range with nothing mapped at all, are not an error.
    ktl::ErrorOr<void> unmap(uint64_t start, uint64_t length, RegionCallback removed = {});
    // mprotect: every page of the range must be mapped (else NoMemory), then the range's protection
    // becomes `protection`, splitting regions at the edges and merging neighbours that end up equal.
    // A zero length succeeds without changing anything.
    ktl::ErrorOr<void> protect(uint64_t start, uint64_t length, Protection protection);

    // Where a new region of `length` bytes may go, as Linux places an mmap without MAP_FIXED: `hint`
    // (rounded up to a page; 0 means none) if [hint, hint + length) is free and inside [lowest, highest),
    // else the highest free range of that size in [lowest, highest) (searching down from `highest`, the
    // mmap base). Nothing fits -> NoMemory. The search walks the regions below `highest` one by one.
    ktl::ErrorOr<uint64_t> find_free(uint64_t length, uint64_t hint, uint64_t lowest, uint64_t highest) const;

    // Pointers returned here are valid until the next change to the map.
    // The region containing `address`, or nullptr (the page-fault handler's question). O(log n).
    const Region* find(uint64_t address) const;
    // The first region ending above `address`: the one containing it, else the next one up (Linux's
    // find_vma; a fault below a GrowsDown region finds that region this way). nullptr if none.
    const Region* find_at_or_above(uint64_t address) const;

    size_t count() const { return m_count; }
    bool is_empty() const { return m_count == 0; }

    // Copies every region into `destination` (for fork), which must be empty -> else InvalidArgument.
    // NoMemory leaves `destination` empty.
    ktl::ErrorOr<void> clone_into(RegionMap& destination) const;
    // Removes everything, reporting each region to `removed` (process exit).
    void clear(RegionCallback removed = {});

    // Checks every invariant the map keeps (tree shape and balance, list links, order, alignment,
    // no overlap, maximal merging). For tests and debug builds; O(n).
    bool check_invariants() const;

    class Iterator {
    public:
        const Region& operator*() const;
        const Region* operator->() const { return &**this; }
        Iterator& operator++();
        bool operator==(const Iterator& other) const { return m_node == other.m_node; }

    private:
        friend class RegionMap;
        explicit Iterator(const Node* node) : m_node(node) {}
        const Node* m_node;
    };
    // Regions in address order.
    Iterator begin() const { return Iterator(m_first); }
    Iterator end() const { return Iterator(nullptr); }

private:
    static ktl::ErrorOr<uint64_t> checked_end(uint64_t start, uint64_t length);
    // The last region starting at or below `address`, or nullptr.
    Node* last_starting_at_or_below(uint64_t address) const;
    ktl::ErrorOr<void> apply(const RegionChange& change, RegionCallback removed);

    Node* allocate_node();
    void free_node(Node* node);
    // Tree and list surgery by position, never by key, so keys may be rewritten in between.
    void insert_after(Node* position, Node* node); // position nullptr: as the first node
    void erase(Node* node);
    void replace_child(Node* parent, Node* old_child, Node* new_child);
    void rebalance_upwards(Node* node);
    Node* rotate_left(Node* node);
    Node* rotate_right(Node* node);

    RegionNodeAllocator& m_allocator;
    Node* m_root = nullptr;
    Node* m_first = nullptr;
    Node* m_last = nullptr;
    size_t m_count = 0;
};

} // namespace mm
