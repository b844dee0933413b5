#include "block/ramdisk.h"

#include "console/log.h"
#include "fs/tmpfs/page_tree.h"
#include "ktl/format.h"
#include "mm/direct_map.h"
#include "mm/physical.h"
#include "sync/mutex.h"

#include <new>

namespace block {

namespace {

constexpr uint64_t page_bytes = 4096;
constexpr uint32_t default_size_kib = 4096; // brd's CONFIG_BLK_DEV_RAM_SIZE default
constexpr uint32_t default_count = 1;       // brd makes 16; one keeps /dev short
constexpr uint32_t max_count = 16;

class RamDisk final : public BlockDevice {
public:
    explicit RamDisk(const BlockDeviceInfo& info) : BlockDevice(info) {}

    ~RamDisk() override {
        m_pages.with([](fs::tmpfs::PageTree& pages) {
            pages.remove_from(0, [](uint64_t frame) { mm::free_frame(frame); });
        });
    }

protected:
    // Completes before returning: a copy to or from the pages.
    void start(Request& request) override {
        if (request.operation == Operation::Flush)
            return request.complete({});
        uint64_t offset = request.sector << sector_shift;
        ktl::ErrorOr<void> result = m_pages.with([&](fs::tmpfs::PageTree& pages) -> ktl::ErrorOr<void> {
            for (uint8_t i = 0; i < request.segment_count; ++i) {
                const Segment& segment = request.segments[i];
                uint8_t* memory = mm::physical_to_virtual<uint8_t>(segment.physical);
                for (uint32_t done = 0; done < segment.length;) {
                    uint64_t at = offset + done;
                    uint64_t in_page = at % page_bytes;
                    uint32_t part = static_cast<uint32_t>(page_bytes - in_page < segment.length - done
                                                              ? page_bytes - in_page
                                                              : segment.length - done);
                    if (request.operation == Operation::Read) {
                        uint64_t frame = pages.get(at / page_bytes);
                        if (frame)
                            __builtin_memcpy(memory + done, mm::physical_to_virtual<uint8_t>(frame) + in_page,
                                             part);
                        else
                            __builtin_memset(memory + done, 0, part); // never written: zeros
                    } else {
                        uint64_t* slot = TRY(pages.slot(at / page_bytes));
                        if (*slot == 0) {
                            *slot = TRY(mm::allocate_zeroed_frame());
                            pages.count_added();
                        }
                        __builtin_memcpy(mm::physical_to_virtual<uint8_t>(*slot) + in_page, memory + done,
                                         part);
                    }
                    done += part;
                }
                offset += segment.length;
            }
            return {};
        });
        // A failed allocation is an I/O error to the writer, as brd's -ENOMEM ends the bio.
        request.complete(result.is_error() ? ktl::ErrorOr<void>(ktl::Errno::NoSpace) : result);
    }

private:
    sync::MutexProtected<fs::tmpfs::PageTree> m_pages;
};

uint64_t parse_number(ktl::StringView text, uint64_t fallback) {
    if (text.is_empty())
        return fallback;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9' || value > (UINT64_MAX - 9) / 10)
            return fallback;
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return value;
}

} // namespace

ktl::ErrorOr<ktl::RefPtr<BlockDevice>> create_ram_disk(uint32_t minor, uint64_t size) {
    if (size == 0 || size % page_bytes != 0 || size / page_bytes > fs::tmpfs::PageTree::max_pages)
        return ktl::Errno::InvalidArgument;
    char name[16];
    BlockDeviceInfo info;
    info.name = ktl::format_into(name, sizeof name, "ram{}", minor);
    info.major = ramdisk_major;
    info.minor = minor;
    info.logical_block_size = 512;
    info.physical_block_size = 4096;
    info.size = size;
    TRY(BlockDevice::check_info(info));
    auto* disk = new (std::nothrow) RamDisk(info);
    if (!disk)
        return ktl::Errno::NoMemory;
    return ktl::adopt_ref(*static_cast<BlockDevice*>(disk));
}

void create_ram_disks(const boot::CommandLine& command_line) {
    ktl::StringView count_text = command_line.value_of("rd_nr", command_line.value_of("brd.rd_nr"));
    ktl::StringView size_text = command_line.value_of("ramdisk_size", command_line.value_of("brd.rd_size"));
    uint64_t count = parse_number(count_text, default_count);
    uint64_t size_kib = parse_number(size_text, default_size_kib);
    if (count > max_count) {
        klog::warn("block", "rd_nr={} is more than {} RAM disks: making {}", count, max_count, max_count);
        count = max_count;
    }
    if (size_kib > (fs::tmpfs::PageTree::max_pages * page_bytes) / 1024) {
        klog::warn("block", "ramdisk_size={} KiB is too large: using {} KiB", size_kib, default_size_kib);
        size_kib = default_size_kib;
    }
    uint64_t size = (size_kib * 1024 + page_bytes - 1) / page_bytes * page_bytes;
    for (uint32_t minor = 0; minor < count; ++minor) {
        auto disk = create_ram_disk(minor, size);
        if (disk.is_error()) {
            klog::warn("block", "no RAM disk {}: {}", minor, disk.error().name());
            return;
        }
        if (auto registered = register_device(disk.release_value()); registered.is_error())
            klog::warn("block", "cannot register ram{}: {}", minor, registered.error().name());
    }
    if (count > 0)
        klog::info("block", "{} RAM disk{} of {} KiB (allocated as written)", count, count == 1 ? "" : "s",
                   size / 1024);
}

} // namespace block
