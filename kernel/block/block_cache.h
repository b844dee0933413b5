// The block cache: a block device's contents in memory, a page (4096 bytes) at a time, keyed by the
// device and the page's index. read(2) and write(2) of /dev/vda go through it, and file systems get
// their blocks from it, so both see one copy. Writes stay in memory (write-back) until sync(2),
// syncfs(2), fsync(2) of the device file, a file system's sync, or the periodic flusher (every 5 s,
// pages dirty for 30 s, as Linux's defaults) writes them. Clean pages nobody holds may be dropped when
// memory runs short.
//
// For file systems (ext2): a block is `size` bytes (a power of two from the device's logical block
// size up to 4096) at `number * size`; a handle keeps its page in memory and its bytes at data().
//
//     block::BlockHandle block = TRY(block::get_block(device, number, 1024));
//     modify(block.data());
//     block.mark_dirty();          // written back later
//     ...                          // the handle's destructor releases it
//     TRY(block::sync_device(device)); // at sync or unmount: written and flushed to the medium
//
// The cache keeps pages, not their consistency: a file system serialises its own changes to a block
// (its inode and bitmap locks). Write-back may write a page while it is being changed; the page is
// marked dirty again by the next mark_dirty and written again.
#pragma once

#include "block/block_device.h"
#include "ktl/error_or.h"
#include "mm/mapped_object.h"

#include <cstddef>
#include <cstdint>

namespace block {

class CachedPage;

// A held block: its page stays in memory until release() or the destructor. Move-only.
class BlockHandle {
public:
    BlockHandle() = default;
    BlockHandle(BlockHandle&& other);
    BlockHandle& operator=(BlockHandle&& other);
    BlockHandle(const BlockHandle&) = delete;
    BlockHandle& operator=(const BlockHandle&) = delete;
    ~BlockHandle() { release(); }

    uint8_t* data() const { return m_data; }
    uint32_t size() const { return m_size; }
    uint64_t number() const { return m_number; }
    explicit operator bool() const { return m_page != nullptr; }

    // The bytes were changed: the page will be written back.
    void mark_dirty();
    // Lets go of the page (the handle becomes empty). Dirty data stays cached until written back.
    void release();

private:
    friend class BlockCache;
    BlockHandle(BlockCache* cache, CachedPage* page, uint8_t* data, uint32_t size, uint64_t number)
        : m_cache(cache), m_page(page), m_data(data), m_size(size), m_number(number) {}
    BlockCache* m_cache = nullptr;
    CachedPage* m_page = nullptr;
    uint8_t* m_data = nullptr;
    uint32_t m_size = 0;
    uint64_t m_number = 0;
};

// Block `number` of `size` bytes, read from the device unless cached. InvalidArgument for a size that
// is not a power of two between the device's logical block size and 4096; OutOfRange for a block
// past the device's end; IoError when the device fails the read; NoMemory.
ktl::ErrorOr<BlockHandle> get_block(BlockDevice& device, uint64_t number, uint32_t size);
// As get_block, for a block the caller overwrites whole: not read from the device when it fills its
// page alone (its bytes are then zero), read otherwise (the page's other blocks must stay right).
ktl::ErrorOr<BlockHandle> get_block_for_overwrite(BlockDevice& device, uint64_t number, uint32_t size);

// Byte-level access through the cache, for read(2)/write(2) of a device file. `offset` and `length`
// are any bytes within the device (a write past the end is NoSpace, a read stops at the end).
ktl::ErrorOr<size_t> read(BlockDevice& device, uint64_t offset, void* buffer, size_t length);
ktl::ErrorOr<size_t> write(BlockDevice& device, uint64_t offset, const void* buffer, size_t length);

// Writes every dirty page of the device (many writes in flight at once), then flushes the device's
// write cache. The first error is returned; pages that failed stay dirty.
ktl::ErrorOr<void> sync_device(BlockDevice& device);
// Blocks [first, first + count) of a device, in units of the caller's block size.
struct BlockRange {
    uint64_t first = 0;
    uint64_t count = 0;
};
// fsync of one file: writes back the dirty pages that hold any of the blocks in `ranges` (blocks of
// `block_size` bytes, a power of two up to 4096, in any order), all in flight at once, and waits for
// them and for writes of those pages other tasks already had in flight. Other dirty pages of the
// device stay dirty. Pages that fail stay dirty and the first error is returned. The device's write
// cache is not flushed: call flush(device) after (a file system may write more first).
ktl::ErrorOr<void> write_back_blocks(BlockDevice& device, const BlockRange* ranges, size_t count,
                                     uint32_t block_size);
// sync(2): every device.
void sync_all();
// BLKFLSBUF: writes back, then drops every cached page nobody holds.
ktl::ErrorOr<void> invalidate_device(BlockDevice& device);
// Writes pages dirty for at least `age_ns` (what the periodic flusher does with 30 s).
void write_back_expired(uint64_t age_ns);

// mmap of a device file: the cache's own pages, held in memory while any mapping of them lives. A
// page written through a shared mapping counts as dirty at every later write-back while mapped (a
// store through the mapping does not fault again), and is written once more when the mapping goes.
ktl::ErrorOr<ktl::RefPtr<mm::MappedObject>> create_mapping(BlockDevice& device);

struct CacheStatistics {
    size_t pages = 0;
    size_t dirty_pages = 0;
    uint64_t reads = 0;  // page reads from the device
    uint64_t writes = 0; // page writes to the device
};
CacheStatistics statistics(BlockDevice& device);
// Dirty pages in every device's cache: /proc/meminfo's Dirty.
size_t dirty_pages_total();

} // namespace block
