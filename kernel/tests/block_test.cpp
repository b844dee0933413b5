// The block layer's insides: RAM disk I/O, the checks every request passes, many requests in flight
// on a device that completes them late and out of order, the cache's write-back (nothing before a
// sync, everything after; the periodic flusher's age rule), blocks smaller than a page, partitions
// and the registry's /sys entries.
#include "block/block_cache.h"
#include "block/block_device.h"
#include "block/partitions.h"
#include "block/ramdisk.h"
#include "fs/sysfs/sysfs.h"
#include "ktl/vector.h"
#include "mm/direct_map.h"
#include "mm/physical.h"
#include "sync/spinlock.h"
#include "test/ktest.h"

#include <new>

namespace {

// A disk in a heap array that counts what it is asked and, when deferring, keeps requests until the
// test completes them (newest first, to show completions in any order work).
class TestDisk final : public block::BlockDevice {
public:
    static ktl::RefPtr<TestDisk> make(const char* name, uint32_t minor, uint64_t size, bool read_only = false,
                                      uint32_t max_partitions = 0) {
        block::BlockDeviceInfo info;
        info.name = name;
        info.major = 240; // Linux's local/experimental block majors
        info.minor = minor;
        info.size = size;
        info.read_only = read_only;
        info.has_flush = true;
        info.max_partitions = max_partitions;
        if (block::BlockDevice::check_info(info).is_error())
            return {};
        auto* disk = new (std::nothrow) TestDisk(info);
        if (!disk)
            return {};
        ktl::RefPtr<TestDisk> reference = ktl::adopt_ref(*disk);
        if (disk->m_storage.try_resize(size).is_error())
            return {};
        return reference;
    }

    uint8_t* storage() { return m_storage.data(); }
    void set_deferred(bool deferred) { m_deferred = deferred; }
    size_t pending() {
        return m_pending.with([](ktl::Vector<block::Request*>& list) { return list.size(); });
    }
    // Completes every deferred request, the newest first.
    void complete_pending() {
        for (;;) {
            block::Request* request =
                m_pending.with([](ktl::Vector<block::Request*>& list) -> block::Request* {
                    if (list.is_empty())
                        return nullptr;
                    block::Request* last = list[list.size() - 1];
                    list.remove(list.size() - 1);
                    return last;
                });
            if (!request)
                return;
            perform(*request);
        }
    }

    uint64_t reads = 0, writes = 0, flushes = 0, pages_written = 0;
    size_t most_in_flight = 0;
    uint64_t fail_writes_at = UINT64_MAX; // a write covering this byte fails with EIO

protected:
    void start(block::Request& request) override {
        if (!m_deferred)
            return perform(request);
        bool queued = m_pending.with([&](ktl::Vector<block::Request*>& list) {
            if (list.try_append(&request).is_error())
                return false;
            if (list.size() > most_in_flight)
                most_in_flight = list.size();
            return true;
        });
        if (!queued)
            request.complete(ktl::Errno::NoMemory);
    }

private:
    explicit TestDisk(const block::BlockDeviceInfo& info) : BlockDevice(info) {}

    void perform(block::Request& request) {
        if (request.operation == block::Operation::Flush) {
            ++flushes;
            return request.complete({});
        }
        uint64_t offset = request.sector * block::sector_size;
        if (request.operation == block::Operation::Write && fail_writes_at >= offset &&
            fail_writes_at < offset + request.bytes()) {
            ++writes;
            return request.complete(ktl::Errno::IoError);
        }
        for (uint8_t i = 0; i < request.segment_count; ++i) {
            uint8_t* memory = mm::physical_to_virtual<uint8_t>(request.segments[i].physical);
            if (request.operation == block::Operation::Read)
                __builtin_memcpy(memory, m_storage.data() + offset, request.segments[i].length);
            else
                __builtin_memcpy(m_storage.data() + offset, memory, request.segments[i].length);
            offset += request.segments[i].length;
        }
        ++(request.operation == block::Operation::Read ? reads : writes);
        if (request.operation == block::Operation::Write)
            pages_written += request.bytes() / 4096;
        request.complete({});
    }

    ktl::Vector<uint8_t> m_storage;
    bool m_deferred = false;
    sync::SpinlockProtected<ktl::Vector<block::Request*>> m_pending;
};

void fill(uint8_t* bytes, size_t length, uint8_t seed) {
    for (size_t i = 0; i < length; ++i)
        bytes[i] = static_cast<uint8_t>(seed + i * 7);
}

bool matches(const uint8_t* bytes, size_t length, uint8_t seed) {
    for (size_t i = 0; i < length; ++i)
        if (bytes[i] != static_cast<uint8_t>(seed + i * 7))
            return false;
    return true;
}

} // namespace

KTEST(a_ram_disk_block_device_reads_zeros_until_written_then_what_was_written) {
    auto disk = block::create_ram_disk(200, 1 << 20);
    KASSERT(!disk.is_error());
    block::BlockDevice& device = *disk.value();
    KEXPECT_EQ(device.name(), ktl::StringView("ram200"));
    KEXPECT_EQ(device.sectors(), 2048u);
    ktl::Vector<uint8_t> buffer;
    KASSERT(!buffer.try_resize(8192).is_error());
    __builtin_memset(buffer.data(), 0xff, buffer.size());
    KASSERT(!block::read_uncached(device, 4096, buffer.data(), 8192).is_error());
    bool zeros = true;
    for (uint8_t byte : buffer)
        zeros &= byte == 0;
    KEXPECT(zeros);
    // 1536 bytes across a page boundary, then read back with the neighbours still zero.
    fill(buffer.data(), 1536, 3);
    KASSERT(!block::write_uncached(device, 4096 - 512, buffer.data(), 1536).is_error());
    __builtin_memset(buffer.data(), 0xff, buffer.size());
    KASSERT(!block::read_uncached(device, 4096 - 1024, buffer.data(), 2560).is_error());
    KEXPECT(buffer[0] == 0 && buffer[511] == 0);
    KEXPECT(matches(buffer.data() + 512, 1536, 3));
    KEXPECT(buffer[2048] == 0 && buffer[2559] == 0);
    // The last sector is in range, the one after it is not.
    KEXPECT(!block::write_uncached(device, (1 << 20) - 512, buffer.data(), 512).is_error());
    auto past = block::write_uncached(device, 1 << 20, buffer.data(), 512);
    KASSERT(past.is_error());
    KEXPECT_EQ(past.error().code(), ktl::Errno::InvalidArgument);
}

KTEST(block_requests_are_checked_before_any_driver_sees_them) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-check", 1, 64 * 1024, true);
    KASSERT(disk);
    uint64_t frame = MUST(mm::allocate_frame());
    auto run = [&](block::Operation operation, uint64_t sector, uint32_t length) {
        block::Request request;
        request.operation = operation;
        request.sector = sector;
        if (length)
            request.add_segment(frame, length);
        return disk->submit_and_wait(request);
    };
    KEXPECT(!run(block::Operation::Read, 0, 4096).is_error());
    KEXPECT_EQ(run(block::Operation::Read, 0, 100).error().code(),
               ktl::Errno::InvalidArgument); // not whole sectors
    KEXPECT_EQ(run(block::Operation::Read, 0, 0).error().code(), ktl::Errno::InvalidArgument); // nothing
    KEXPECT_EQ(run(block::Operation::Read, 127, 1024).error().code(),
               ktl::Errno::InvalidArgument); // past the end
    KEXPECT_EQ(run(block::Operation::Read, UINT64_MAX - 1, 1024).error().code(), ktl::Errno::InvalidArgument);
    KEXPECT_EQ(run(block::Operation::Write, 0, 512).error().code(), ktl::Errno::ReadOnlyFilesystem);
    KEXPECT_EQ(disk->writes, 0u);
    KEXPECT_EQ(disk->reads, 1u);
    mm::free_frame(frame);
}

namespace {

struct CompletionCount {
    uint32_t completed = 0;
    static void on_complete(block::Request&, void* context) {
        __atomic_add_fetch(&static_cast<CompletionCount*>(context)->completed, 1, __ATOMIC_RELAXED);
    }
};

} // namespace

KTEST(many_block_requests_in_flight_complete_out_of_order_each_once) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-queue", 2, 256 * 1024);
    KASSERT(disk);
    constexpr size_t count = 32;
    fill(disk->storage(), 256 * 1024, 9);
    disk->set_deferred(true);
    auto* requests = new (std::nothrow) block::Request[count];
    KASSERT(requests);
    uint64_t frames[count];
    CompletionCount counter;
    for (size_t i = 0; i < count; ++i) {
        frames[i] = MUST(mm::allocate_frame());
        requests[i].operation = block::Operation::Read;
        requests[i].sector = i * 8;
        requests[i].add_segment(frames[i], 4096);
        requests[i].on_complete = CompletionCount::on_complete;
        requests[i].context = &counter;
        disk->submit(requests[i]);
    }
    KEXPECT_EQ(disk->pending(), count);
    KEXPECT_EQ(counter.completed, 0u);
    KEXPECT(!requests[0].is_complete());
    disk->complete_pending();
    for (size_t i = 0; i < count; ++i) {
        KEXPECT(!requests[i].wait().is_error());
        KEXPECT(matches(mm::physical_to_virtual<uint8_t>(frames[i]), 4096,
                        static_cast<uint8_t>(9 + i * 4096 * 7)));
        mm::free_frame(frames[i]);
    }
    KEXPECT_EQ(counter.completed, count);
    KEXPECT_EQ(disk->most_in_flight, count);
    delete[] requests;
}

KTEST(the_block_cache_writes_back_on_sync_and_not_before) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-cache", 3, 1 << 20);
    KASSERT(disk);
    uint8_t data[6000];
    fill(data, sizeof data, 42);
    auto written = block::write(*disk, 1000, data, sizeof data);
    KASSERT(!written.is_error());
    KEXPECT_EQ(written.value(), sizeof data);
    // Partial pages were read in first; nothing was written.
    KEXPECT_EQ(disk->writes, 0u);
    KEXPECT_EQ(disk->storage()[1000], 0);
    KEXPECT_EQ(block::statistics(*disk).dirty_pages, 2u);
    uint8_t back[6000] = {};
    KEXPECT_EQ(block::read(*disk, 1000, back, sizeof back).value(), sizeof back);
    KEXPECT(matches(back, sizeof back, 42));
    // The periodic rule: pages younger than the age stay; all of them go at age 0.
    block::write_back_expired(3'600'000'000'000);
    KEXPECT_EQ(disk->writes, 0u);
    KASSERT(!block::sync_device(*disk).is_error());
    KEXPECT_EQ(disk->writes, 1u); // the two neighbouring pages in one request
    KEXPECT_EQ(disk->pages_written, 2u);
    KEXPECT_EQ(disk->flushes, 1u);
    KEXPECT(matches(disk->storage() + 1000, sizeof data, 42));
    KEXPECT_EQ(block::statistics(*disk).dirty_pages, 0u);
    // A second sync has nothing to write.
    KASSERT(!block::sync_device(*disk).is_error());
    KEXPECT_EQ(disk->writes, 1u);
    // Reads past the end stop there; writes past it are ENOSPC.
    KEXPECT_EQ(block::read(*disk, (1 << 20) - 10, back, 100).value(), 10u);
    KEXPECT_EQ(block::write(*disk, 1 << 20, data, 1).error().code(), ktl::Errno::NoSpace);
}

// fsync of one file: only the pages holding its blocks are written, every other dirty page stays.
KTEST(writing_back_chosen_blocks_writes_their_dirty_pages_and_leaves_the_rest_dirty) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-chosen", 8, 4 << 20);
    KASSERT(disk);
    uint8_t data[4096];
    fill(data, sizeof data, 9);
    // A "big file" of 100 dirty pages, and a "small" one of pages 200, 201 and 300.
    for (uint64_t index = 0; index < 100; ++index)
        KASSERT(!block::write(*disk, index * 4096, data, sizeof data).is_error());
    for (uint64_t index : {200u, 201u, 300u})
        KASSERT(!block::write(*disk, index * 4096, data, sizeof data).is_error());
    KEXPECT_EQ(block::statistics(*disk).dirty_pages, 103u);
    // 4 KiB blocks; a clean page (150) and a page not cached (400) in the set cost nothing.
    block::BlockRange small[] = {{300, 1}, {200, 2}, {150, 1}, {400, 1}};
    KASSERT(!block::write_back_blocks(*disk, small, 4, 4096).is_error());
    KEXPECT_EQ(disk->pages_written, 3u);
    KEXPECT_EQ(disk->writes, 2u);  // 200-201 joined
    KEXPECT_EQ(disk->flushes, 0u); // the caller flushes
    KEXPECT(matches(disk->storage() + 200 * 4096, 4096, 9));
    KEXPECT(matches(disk->storage() + 300 * 4096, 4096, 9));
    KEXPECT_EQ(disk->storage()[0], 0);
    KEXPECT_EQ(block::statistics(*disk).dirty_pages, 100u);
    // Blocks of 1 KiB name their page: block 4 * 50 + 3 is in page 50. Ranges past the end are cut.
    block::BlockRange one[] = {{4 * 50 + 3, 1}, {UINT64_MAX - 1, 5}, {4ull << 20, 1}};
    KASSERT(!block::write_back_blocks(*disk, one, 3, 1024).is_error());
    KEXPECT_EQ(disk->pages_written, 4u);
    KEXPECT(matches(disk->storage() + 50 * 4096, 4096, 9));
    KEXPECT_EQ(block::statistics(*disk).dirty_pages, 99u);
    KEXPECT_EQ(block::write_back_blocks(*disk, one, 1, 3000).error().code(), ktl::Errno::InvalidArgument);
    // More dirty pages than one batch of write-back (64): the rest of the 100-page range in two.
    block::BlockRange big[] = {{0, 100}};
    KASSERT(!block::write_back_blocks(*disk, big, 1, 4096).is_error());
    KEXPECT_EQ(disk->pages_written, 103u);
    KEXPECT_EQ(block::statistics(*disk).dirty_pages, 0u);
    for (uint64_t index = 0; index < 100; ++index)
        KEXPECT(matches(disk->storage() + index * 4096, 4096, 9));
}

KTEST(writing_back_chosen_blocks_keeps_pages_that_failed_dirty_and_returns_the_error) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-chosen-fail", 9, 1 << 20);
    KASSERT(disk);
    uint8_t data[4096];
    fill(data, sizeof data, 5);
    for (uint64_t index : {10u, 20u, 30u})
        KASSERT(!block::write(*disk, index * 4096, data, sizeof data).is_error());
    disk->fail_writes_at = 20 * 4096 + 100;
    block::BlockRange all[] = {{10, 1}, {20, 1}, {30, 1}};
    auto written = block::write_back_blocks(*disk, all, 3, 4096);
    KASSERT(written.is_error());
    KEXPECT_EQ(written.error().code(), ktl::Errno::IoError);
    KEXPECT_EQ(block::statistics(*disk).dirty_pages, 1u); // page 20
    KEXPECT(matches(disk->storage() + 10 * 4096, 4096, 5));
    KEXPECT(matches(disk->storage() + 30 * 4096, 4096, 5));
    // The device recovers: the page that failed is written by the next call.
    disk->fail_writes_at = UINT64_MAX;
    KASSERT(!block::write_back_blocks(*disk, all, 3, 4096).is_error());
    KEXPECT_EQ(block::statistics(*disk).dirty_pages, 0u);
    KEXPECT(matches(disk->storage() + 20 * 4096, 4096, 5));
}

KTEST(the_block_cache_reads_ahead_for_sequential_readers_only) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-ahead", 6, 1 << 20);
    KASSERT(disk);
    fill(disk->storage(), 1 << 20, 77);
    uint8_t page[4096];
    // Pages 0-14 in order: windows of 1, 2, 4 and 8 pages, four reads.
    for (uint64_t index = 0; index < 15; ++index) {
        KASSERT_EQ(block::read(*disk, index * 4096, page, 4096).value(), 4096u);
        KEXPECT(matches(page, 4096, static_cast<uint8_t>(77 + index * 4096 * 7)));
    }
    KEXPECT_EQ(disk->reads, 4u);
    // Scattered pages: one read each, nothing more.
    for (uint64_t index : {100u, 50u, 200u}) {
        KASSERT_EQ(block::read(*disk, index * 4096, page, 4096).value(), 4096u);
        KEXPECT(matches(page, 4096, static_cast<uint8_t>(77 + index * 4096 * 7)));
    }
    KEXPECT_EQ(disk->reads, 7u);
    KEXPECT_EQ(block::statistics(*disk).pages, 18u);
}

KTEST(the_block_cache_joins_neighbouring_dirty_pages_into_one_write) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-join", 7, 1 << 20);
    KASSERT(disk);
    uint8_t data[4096];
    fill(data, sizeof data, 3);
    // Dirtied out of order: pages 12, 10, 11 and 40 make two requests.
    for (uint64_t index : {12u, 10u, 40u, 11u})
        KASSERT(!block::write(*disk, index * 4096, data, sizeof data).is_error());
    KASSERT(!block::sync_device(*disk).is_error());
    KEXPECT_EQ(disk->writes, 2u);
    KEXPECT_EQ(disk->pages_written, 4u);
    for (uint64_t index : {10u, 11u, 12u, 40u})
        KEXPECT(matches(disk->storage() + index * 4096, 4096, 3));
    KEXPECT_EQ(disk->storage()[13 * 4096], 0);
}

KTEST(the_block_cache_periodic_write_back_takes_pages_by_age) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-age", 4, 1 << 20);
    KASSERT(disk);
    uint8_t data[4096];
    fill(data, sizeof data, 1);
    KASSERT(!block::register_device(disk).is_error()); // the flusher walks the registered devices
    KASSERT(!block::write(*disk, 0, data, sizeof data).is_error());
    KEXPECT_EQ(disk->reads, 0u); // a whole page is not read first
    block::write_back_expired(0);
    KEXPECT_EQ(disk->writes, 1u);
    KEXPECT(matches(disk->storage(), sizeof data, 1));
    block::unregister_device(*disk);
}

KTEST(file_system_blocks_smaller_than_a_page_share_it) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktest-blocks", 5, 1 << 20);
    KASSERT(disk);
    fill(disk->storage(), 1 << 20, 5);
    {
        auto block = block::get_block(*disk, 5, 1024); // bytes 5120..6143, in page 1
        KASSERT(!block.is_error());
        KEXPECT_EQ(block.value().size(), 1024u);
        KEXPECT(matches(block.value().data(), 1024, static_cast<uint8_t>(5 + 5120 * 7)));
        __builtin_memset(block.value().data(), 0xab, 1024);
        block.value().mark_dirty();
    }
    {
        auto fresh = block::get_block_for_overwrite(*disk, 64, 4096); // a whole page: not read
        KASSERT(!fresh.is_error());
        KEXPECT(fresh.value().data()[0] == 0 && fresh.value().data()[4095] == 0);
        __builtin_memset(fresh.value().data(), 0xcd, 4096);
        fresh.value().mark_dirty();
    }
    KEXPECT_EQ(disk->reads, 1u);
    KASSERT(!block::sync_device(*disk).is_error());
    KEXPECT(matches(disk->storage() + 4096, 1024, static_cast<uint8_t>(5 + 4096 * 7)));
    KEXPECT(disk->storage()[5120] == 0xab && disk->storage()[6143] == 0xab);
    KEXPECT(matches(disk->storage() + 6144, 2048, static_cast<uint8_t>(5 + 6144 * 7)));
    KEXPECT(disk->storage()[64 * 4096] == 0xcd);
    KEXPECT_EQ(block::get_block(*disk, 0, 1000).error().code(), ktl::Errno::InvalidArgument);
    KEXPECT_EQ(block::get_block(*disk, 256, 4096).error().code(), ktl::Errno::OutOfRange);
    KEXPECT_EQ(block::get_block(*disk, UINT64_MAX / 2, 4096).error().code(), ktl::Errno::OutOfRange);
}

KTEST(a_registered_disk_with_an_mbr_gets_partitions_in_sys_class_block) {
    ktl::RefPtr<TestDisk> disk = TestDisk::make("ktdisk", 16, 4 << 20, false, 15);
    KASSERT(disk);
    // Two primaries: 1 MiB at sector 2048, 512 KiB at sector 4096.
    uint8_t* mbr = disk->storage();
    auto entry = [&](int slot, uint32_t start, uint32_t count) {
        uint8_t* p = mbr + 446 + slot * 16;
        p[4] = 0x83;
        __builtin_memcpy(p + 8, &start, 4);
        __builtin_memcpy(p + 12, &count, 4);
    };
    entry(0, 2048, 2048);
    entry(1, 4096, 1024);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    KASSERT(!block::register_device(disk).is_error());
    KASSERT(!block::scan_partitions(*disk).is_error());
    ktl::RefPtr<block::BlockDevice> first = block::find_device("ktdisk1");
    KASSERT(first);
    KEXPECT_EQ(first->sectors(), 2048u);
    KEXPECT_EQ(first->start_sector(), 2048u);
    KEXPECT_EQ(first->minor(), 17u);
    KEXPECT(first->whole_disk() == disk.ptr());
    KEXPECT(block::find_device(fs::make_device(240, 18)));
    KEXPECT(fs::sysfs::find(fs::sysfs::root(), "class/block/ktdisk1"));
    KEXPECT(fs::sysfs::find(fs::sysfs::root(), "block/ktdisk"));
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "block/ktdisk1")); // partitions are not in /sys/block
    KEXPECT(fs::sysfs::find(fs::sysfs::root(), "dev/block/240:17"));
    KEXPECT(fs::sysfs::find(fs::sysfs::root(), "devices/virtual/block/ktdisk/ktdisk2/start"));
    // Reads of the partition land at its start on the disk.
    uint8_t sector[512];
    disk->storage()[2048 * 512] = 0x5a;
    KASSERT(!block::read_uncached(*first, 0, sector, 512).is_error());
    KEXPECT_EQ(sector[0], 0x5a);
    // Busy while held; after a new table the partitions follow it.
    KEXPECT_EQ(block::rescan_partitions(*disk).error().code(), ktl::Errno::Busy);
    first = nullptr;
    entry(1, 0, 0);
    mbr[446 + 16 + 4] = 0;
    KASSERT(!block::rescan_partitions(*disk).is_error());
    KEXPECT(block::find_device("ktdisk1"));
    KEXPECT(!block::find_device("ktdisk2"));
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "class/block/ktdisk2"));
    block::unregister_device(*disk);
    KEXPECT(!block::find_device("ktdisk"));
    KEXPECT(!block::find_device("ktdisk1"));
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "class/block/ktdisk"));
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "dev/block/240:16"));
}
