#include "block/block_device.h"

#include "block/block_cache_internal.h"
#include "fs/inode.h"
#include "mm/direct_map.h"
#include "mm/physical.h"
#include "sched/wait_queue.h"
#include "time/clock.h"

#include <new>

namespace block {

namespace {

// Every waiter for a request sleeps here. One queue that outlives every request, so a completing
// interrupt never touches a request's memory after it said "complete" (the waiter may free it then).
constinit sched::WaitQueue completions;

constexpr uint64_t completion_poll_ns = 1'000'000;
constexpr size_t page_bytes = 4096;

bool is_power_of_two(uint64_t value) {
    return value != 0 && (value & (value - 1)) == 0;
}

} // namespace

uint64_t Request::bytes() const {
    uint64_t total = 0;
    for (uint8_t i = 0; i < segment_count && i < max_segments; ++i)
        total += segments[i].length;
    return total;
}

bool Request::add_segment(uint64_t physical, uint32_t length) {
    if (segment_count >= max_segments)
        return false;
    segments[segment_count++] = {physical, length};
    return true;
}

void Request::complete(ktl::ErrorOr<void> result) {
    m_status = result.is_error() ? static_cast<int>(result.error().code()) : 0;
    // The callback still sees a request in progress; once `m_complete` is set the submitter may
    // free it, so nothing below touches it.
    if (on_complete)
        on_complete(*this, context);
    __atomic_store_n(&m_complete, true, __ATOMIC_RELEASE);
    completions.wake_all();
}

ktl::ErrorOr<void> Request::result() const {
    int status = __atomic_load_n(&m_status, __ATOMIC_ACQUIRE);
    if (status != 0)
        return static_cast<ktl::Errno>(status);
    return {};
}

ktl::ErrorOr<void> Request::wait() {
    while (!is_complete()) {
        completions.wait_until([&] { return is_complete(); }, time::monotonic_ns() + completion_poll_ns);
        if (!is_complete() && m_device)
            m_device->poll_completions();
    }
    return result();
}

ktl::ErrorOr<void> BlockDevice::check_info(const BlockDeviceInfo& info) {
    if (info.name.is_empty() || info.name.length() >= sizeof m_name)
        return ktl::Errno::InvalidArgument;
    if (!is_power_of_two(info.logical_block_size) || info.logical_block_size < sector_size ||
        info.logical_block_size > page_bytes)
        return ktl::Errno::InvalidArgument;
    if (!is_power_of_two(info.physical_block_size) || info.physical_block_size < info.logical_block_size)
        return ktl::Errno::InvalidArgument;
    if (info.size % info.logical_block_size != 0)
        return ktl::Errno::InvalidArgument;
    return {};
}

BlockDevice::BlockDevice(const BlockDeviceInfo& info)
    : m_major(info.major), m_minor(info.minor), m_logical_block_size(info.logical_block_size),
      m_physical_block_size(info.physical_block_size), m_size(info.size), m_read_only(info.read_only),
      m_has_flush(info.has_flush), m_max_partitions(info.max_partitions),
      m_parent_device(info.parent_device) {
    m_name_length = info.name.length() < sizeof m_name ? info.name.length() : sizeof m_name - 1;
    __builtin_memcpy(m_name, info.name.data(), m_name_length);
}

BlockDevice::~BlockDevice() {
    destroy_cache(m_cache);
}

uint64_t BlockDevice::device_number() const {
    return fs::make_device(m_major, m_minor);
}

BlockCache* BlockDevice::cache() {
    BlockCache* cache = __atomic_load_n(&m_cache, __ATOMIC_ACQUIRE);
    if (cache)
        return cache;
    BlockCache* made = create_cache(*this);
    if (!made)
        return nullptr;
    BlockCache* expected = nullptr;
    if (__atomic_compare_exchange_n(&m_cache, &expected, made, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return made;
    destroy_cache(made); // another task made it first
    return expected;
}

void BlockDevice::submit(Request& request) {
    request.m_device = this;
    request.m_complete = false;
    request.m_status = 0;
    if (request.operation == Operation::Flush) {
        if (request.segment_count != 0)
            return request.complete(ktl::Errno::InvalidArgument);
        if (!m_has_flush)
            return request.complete({}); // no write cache: everything written is on the medium
        if (m_read_only)
            return request.complete({});
        return start(request);
    }
    if (request.operation != Operation::Read && request.operation != Operation::Write)
        return request.complete(ktl::Errno::InvalidArgument);
    if (request.segment_count == 0 || request.segment_count > Request::max_segments)
        return request.complete(ktl::Errno::InvalidArgument);
    for (uint8_t i = 0; i < request.segment_count; ++i) {
        if (request.segments[i].length == 0 || request.segments[i].length % sector_size != 0)
            return request.complete(ktl::Errno::InvalidArgument);
    }
    uint64_t bytes = request.bytes();
    uint64_t blocks_per_sector_unit = m_logical_block_size >> sector_shift;
    if (bytes % m_logical_block_size != 0 || request.sector % blocks_per_sector_unit != 0)
        return request.complete(ktl::Errno::InvalidArgument);
    uint64_t capacity = sectors();
    if (request.sector > capacity || (bytes >> sector_shift) > capacity - request.sector)
        return request.complete(ktl::Errno::InvalidArgument);
    if (request.operation == Operation::Write && m_read_only)
        return request.complete(ktl::Errno::ReadOnlyFilesystem);
    start(request);
}

ktl::ErrorOr<void> BlockDevice::submit_and_wait(Request& request) {
    submit(request);
    return request.wait();
}

namespace {

// One page at a time through a staging frame: kernel buffers need not be physically contiguous.
ktl::ErrorOr<void> transfer_uncached(BlockDevice& device, Operation operation, uint64_t offset,
                                     uint8_t* buffer, size_t length) {
    if (offset % device.logical_block_size() != 0 || length % device.logical_block_size() != 0)
        return ktl::Errno::InvalidArgument;
    uint64_t frame = TRY(mm::allocate_frame());
    uint8_t* staging = mm::physical_to_virtual<uint8_t>(frame);
    ktl::ErrorOr<void> result = {};
    for (size_t done = 0; done < length && !result.is_error();) {
        uint32_t part = static_cast<uint32_t>(length - done < page_bytes ? length - done : page_bytes);
        Request request;
        request.operation = operation;
        request.sector = (offset + done) >> sector_shift;
        request.add_segment(frame, part);
        if (operation == Operation::Write)
            __builtin_memcpy(staging, buffer + done, part);
        result = device.submit_and_wait(request);
        if (!result.is_error() && operation == Operation::Read)
            __builtin_memcpy(buffer + done, staging, part);
        done += part;
    }
    mm::free_frame(frame);
    return result;
}

} // namespace

ktl::ErrorOr<void> read_uncached(BlockDevice& device, uint64_t offset, void* buffer, size_t length) {
    return transfer_uncached(device, Operation::Read, offset, static_cast<uint8_t*>(buffer), length);
}

ktl::ErrorOr<void> write_uncached(BlockDevice& device, uint64_t offset, const void* buffer, size_t length) {
    return transfer_uncached(device, Operation::Write, offset,
                             const_cast<uint8_t*>(static_cast<const uint8_t*>(buffer)), length);
}

ktl::ErrorOr<void> flush(BlockDevice& device) {
    Request request;
    request.operation = Operation::Flush;
    return device.submit_and_wait(request);
}

} // namespace block
