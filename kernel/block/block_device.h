// Block devices: storage addressed in fixed-size blocks (a RAM disk, a virtio disk, a partition of
// either), the requests that move their data, and the registry that numbers them, makes their /dev
// nodes and shows them in /sys/class/block (docs/block.md).
//
// A request names an operation (read, write, flush), a position in 512-byte sectors (Linux's unit,
// whatever the device's own block size), and physical memory: drivers hand the addresses to devices,
// the kernel reaches the bytes through the direct map. A driver may keep many requests in flight and
// completes each exactly once, from an interrupt handler or before submit() returns. Most callers
// never build requests: file systems use the block cache (block/block_cache.h), which holds the
// device's pages and writes them back.
#pragma once

#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/ref_ptr.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace device {
class Device;
}

namespace block {

class BlockCache;

// Linux's unit for positions and sizes (sysfs `size`, BLKGETSIZE, a request's sector).
inline constexpr uint32_t sector_size = 512;
inline constexpr uint32_t sector_shift = 9;

// Linux's block majors: RAM disks 1 (brd), virtio disks a dynamic major (254 here, as on a typical
// Linux system), 16 minors a virtio disk: the whole disk, then its partitions 1-15.
inline constexpr uint32_t ramdisk_major = 1;
inline constexpr uint32_t virtio_block_major = 254;
inline constexpr uint32_t virtio_minors_per_disk = 16;

enum class Operation : uint8_t { Read, Write, Flush };

// Memory a request transfers: physically contiguous, reached by the device at `physical`.
struct Segment {
    uint64_t physical = 0;
    uint32_t length = 0; // a multiple of 512
};

class BlockDevice;

// One read, write or flush. The submitter owns it (often on its stack) and must not touch or free it
// until it completed. A flush has no segments and no sector.
class Request {
public:
    static constexpr size_t max_segments = 16;

    Operation operation = Operation::Read;
    uint64_t sector = 0; // from the start of the device submitted to
    Segment segments[max_segments];
    uint8_t segment_count = 0;
    // Runs once, at completion, from any context (an interrupt handler too): must not sleep. For
    // callers that keep many requests in flight and count them down.
    void (*on_complete)(Request& request, void* context) = nullptr;
    void* context = nullptr;

    uint64_t bytes() const;
    bool add_segment(uint64_t physical, uint32_t length);

    // The driver's side: called exactly once with the outcome (an errno: IoError for a device error,
    // NotSupported for an operation the device lacks). Safe in interrupt handlers.
    void complete(ktl::ErrorOr<void> result);
    bool is_complete() const { return __atomic_load_n(&m_complete, __ATOMIC_ACQUIRE); }
    // The outcome, once complete.
    ktl::ErrorOr<void> result() const;
    // Sleeps until complete, then returns the outcome. While waiting it lets the device look for
    // completions it was not interrupted for (a lost or absent interrupt costs a millisecond).
    ktl::ErrorOr<void> wait();

private:
    friend class BlockDevice;
    BlockDevice* m_device = nullptr; // set by submit, for wait()'s polling
    bool m_complete = false;
    int m_status = 0; // 0 or an errno
};

// What a driver says about its device when it creates it.
struct BlockDeviceInfo {
    ktl::StringView name; // "vda", "ram0", "vda1": the /dev node and the sysfs name
    uint32_t major = 0;
    uint32_t minor = 0;
    uint32_t logical_block_size = 512;  // a power of two, 512..4096: the unit of every transfer
    uint32_t physical_block_size = 512; // a power of two, at least the logical size
    uint64_t size = 0;                  // bytes, a multiple of the logical block size
    bool read_only = false;
    bool has_flush = false; // the device has a write cache that Operation::Flush empties
    // How many partitions its table may give (minors after the disk's own): 15 for a virtio disk,
    // 0 for a device that is never partitioned (a RAM disk, a partition).
    uint32_t max_partitions = 0;
    // The device behind it (a virtio disk's PCI function): its sysfs directory holds block/NAME.
    device::Device* parent_device = nullptr;
};

class BlockDevice : public ktl::RefCounted<BlockDevice> {
public:
    virtual ~BlockDevice();
    BlockDevice(const BlockDevice&) = delete;
    BlockDevice& operator=(const BlockDevice&) = delete;

    ktl::StringView name() const { return ktl::StringView(m_name, m_name_length); }
    uint32_t major() const { return m_major; }
    uint32_t minor() const { return m_minor; }
    uint64_t device_number() const; // fs::make_device(major, minor)
    uint32_t logical_block_size() const { return m_logical_block_size; }
    uint32_t physical_block_size() const { return m_physical_block_size; }
    // Capacity in bytes (changes only through set_size, e.g. a partition table re-read).
    uint64_t size() const { return __atomic_load_n(&m_size, __ATOMIC_ACQUIRE); }
    uint64_t sectors() const { return size() >> sector_shift; }
    bool is_read_only() const { return m_read_only; }
    bool has_flush() const { return m_has_flush; }
    uint32_t max_partitions() const { return m_max_partitions; }
    device::Device* parent_device() const { return m_parent_device; }
    // A partition's whole disk, null for a whole disk.
    virtual BlockDevice* whole_disk() { return nullptr; }
    // A partition's number (1 for vda1), 0 for a whole disk.
    virtual uint32_t partition_number() const { return 0; }
    // Where a partition starts on its disk, in 512-byte sectors; 0 for a whole disk.
    virtual uint64_t start_sector() const { return 0; }

    // Starts `request`. Every request ends in Request::complete, perhaps before this returns: one
    // out of range or misaligned (InvalidArgument), a write to a read-only device (ReadOnlyFilesystem,
    // EROFS), a flush of a device without a write cache (nothing to do: success), a device that
    // failed (IoError).
    void submit(Request& request);
    // submit() then wait().
    ktl::ErrorOr<void> submit_and_wait(Request& request);

    // Looks for completions without waiting for an interrupt (Request::wait calls it each
    // millisecond). Drivers that complete in submit or only by interrupt keep the default.
    virtual void poll_completions() {}

    // The device's pages in memory (block/block_cache.h); made on first use, null if that fails.
    BlockCache* cache();
    BlockCache* cache_if_any() const { return __atomic_load_n(&m_cache, __ATOMIC_ACQUIRE); }

    // Checks `info` for a driver's factory: InvalidArgument for sizes that are not powers of two in
    // range, a size that is not a whole number of logical blocks, a name that does not fit.
    static ktl::ErrorOr<void> check_info(const BlockDeviceInfo& info);

protected:
    // `info` passed check_info.
    explicit BlockDevice(const BlockDeviceInfo& info);
    void set_size(uint64_t bytes) { __atomic_store_n(&m_size, bytes, __ATOMIC_RELEASE); }

    // The driver's part of submit: `request` is checked (in range, aligned, allowed).
    virtual void start(Request& request) = 0;

private:
    char m_name[32] = {};
    size_t m_name_length = 0;
    uint32_t m_major;
    uint32_t m_minor;
    uint32_t m_logical_block_size;
    uint32_t m_physical_block_size;
    uint64_t m_size;
    bool m_read_only;
    bool m_has_flush;
    uint32_t m_max_partitions;
    device::Device* m_parent_device;
    BlockCache* m_cache = nullptr; // made once, freed with the device
};

// Synchronous helpers over the request path for `length` bytes at byte `offset` (both multiples of
// the logical block size), through kernel memory that need not be physically contiguous (staged a
// page at a time). They bypass the cache: file systems use block/block_cache.h instead.
ktl::ErrorOr<void> read_uncached(BlockDevice& device, uint64_t offset, void* buffer, size_t length);
ktl::ErrorOr<void> write_uncached(BlockDevice& device, uint64_t offset, const void* buffer, size_t length);
ktl::ErrorOr<void> flush(BlockDevice& device);

// The registry: every block device by number and by name, each with its /dev node (devtmpfs),
// /sys/class/block/NAME, /sys/dev/block/MAJOR:MINOR and, for whole disks, /sys/block/NAME.
// Exists for a taken number or name.
ktl::ErrorOr<void> register_device(ktl::RefPtr<BlockDevice> device);
// Takes the device out of /dev and /sys; open files keep it alive until they close.
void unregister_device(BlockDevice& device);
// Null when nothing has that number (fs::make_device(major, minor)) or name ("vda", not "/dev/vda").
ktl::RefPtr<BlockDevice> find_device(uint64_t device_number);
ktl::RefPtr<BlockDevice> find_device(ktl::StringView name);
// A copy of the list, so `visit` may sleep.
void for_each_device(ktl::FunctionRef<void(BlockDevice&)> visit);

// Boot: hooks block device nodes into the VFS's open and starts the periodic write-back.
void initialize();

} // namespace block
