// The virtio_rng module (kernel/module/drivers/virtio_rng.cpp) loaded from the initrd under whichever
// machine the test run boots: with QEMU's entropy device (bios-pc has the transitional one, driven
// through its modern interface; bios-q35 a legacy-only one too) it binds each, /dev/hwrng appears,
// reads give differing bytes, the pool is credited, completions come by MSI-X, and loading and
// removing it leaves memory where it was; without one it loads, binds nothing and registers nothing.
#include "bus/pci_bus.h"
#include "bus/virtio/virtio_pci.h"
#include "dev/hwrng.h"
#include "fs/char_device.h"
#include "fs/sysfs/sysfs.h"
#include "fs/vfs.h"
#include "irq/irq.h"
#include "mm/kernel_heap.h"
#include "mm/statistics.h"
#include "module/module.h"
#include "random/random.h"
#include "sched/scheduler.h"
#include "test/ktest.h"
#include "time/clock.h"
#include "virtio/spec.h"

namespace {

uint32_t entropy_functions() {
    uint32_t count = 0;
    bus::virtio::for_each_virtio_function(
        [&](const ::pci::Function&, const ::virtio::pci::Identity& identity) {
            count += identity.device_type == ::virtio::device_type::entropy;
        });
    return count;
}

bool hwrng_registered() {
    bool found = false;
    fs::for_each_character_device(
        [&](const fs::CharacterDeviceInfo& info) { found |= info.major == 10 && info.minor == 183; });
    return found;
}

bool differing_reads() {
    uint8_t first[64] = {}, second[64] = {};
    auto one = dev::hwrng::read(first, sizeof first);
    auto two = dev::hwrng::read(second, sizeof second);
    if (one.is_error() || two.is_error() || one.value() != sizeof first || two.value() != sizeof second)
        return false;
    return __builtin_memcmp(first, second, sizeof first) != 0;
}

// Runs `round` once to warm the heap's slabs, then `rounds` more times: false as soon as one fails
// (the caller KASSERTs it); the free frames and the heap must end where they were after the first.
template <typename Round>
bool rounds_leave_memory_at_baseline(int rounds, Round&& round) {
    if (!round())
        return false;
    sched::reap_exited_tasks_now();
    mm::trim_kernel_heap();
    mm::MemoryStatistics before = mm::memory_statistics();
    for (int i = 0; i < rounds; ++i) {
        if (!round())
            return false;
    }
    sched::reap_exited_tasks_now();
    mm::trim_kernel_heap();
    mm::MemoryStatistics after = mm::memory_statistics();
    KEXPECT_EQ(after.frames.free_frames, before.frames.free_frames);
    KEXPECT_EQ(after.heap.bytes_allocated, before.heap.bytes_allocated);
    KEXPECT_EQ(after.heap.live_allocations, before.heap.live_allocations);
    return true;
}

// The module's image from the initrd, kept for the whole run (the tests load it many times).
struct Image {
    uint8_t* bytes = nullptr;
    size_t size = 0;
};
Image read_image(const char* path) {
    Image image;
    fs::Lookup lookup{fs::root_path(), fs::root_path(), {}, 022};
    auto file = fs::open(lookup, path, fs::open_read_only, 0);
    if (file.is_error())
        return image;
    size_t size = MUST(file.value()->metadata()).size;
    auto* bytes = static_cast<uint8_t*>(mm::kmalloc(size));
    if (!bytes)
        return image;
    auto read = file.value()->read_at(0, fs::IoBuffer::kernel(static_cast<void*>(bytes)), size);
    if (read.is_error() || read.value() != size) {
        mm::kfree(bytes);
        return image;
    }
    return {bytes, size};
}

Image module_image() {
    static Image image;
    if (!image.bytes)
        image = read_image("/lib/modules/virtio_rng.ko");
    return image;
}

bool load() {
    Image image = module_image();
    return image.bytes &&
           module::load_module(ktl::ByteReader(image.bytes, image.size), "", "ktest").has_value();
}

// Loaded afresh: another test may have borrowed the device (and its MSI-X) meanwhile.
bool reload() {
    (void)module::unload_module("virtio_rng");
    return load();
}

// The completions counted on the request queue's MSI-X vectors, from /proc/interrupts' text.
uint64_t queue_interrupts() {
    ktl::StringBuilder text;
    irq::write_proc_interrupts(text);
    uint64_t total = 0;
    ktl::StringView rest = text.view();
    while (!rest.is_empty()) {
        size_t end = rest.find('\n');
        ktl::StringView line = rest.substring(0, end == ktl::StringView::npos ? rest.length() : end);
        rest = end == ktl::StringView::npos ? ktl::StringView() : rest.substring(end + 1);
        if (!line.contains("virtio-rng-q0"))
            continue;
        size_t at = line.find(':');
        if (at == ktl::StringView::npos)
            continue;
        // "  NN:  count count  PCI-MSIX-…": the counts are the numbers before the first other word.
        uint64_t number = 0;
        bool in_number = false;
        for (size_t i = at + 1; i < line.length(); ++i) {
            char c = line[i];
            if (c >= '0' && c <= '9') {
                number = number * 10 + uint64_t(c - '0');
                in_number = true;
            } else if (c == ' ') {
                total += number;
                number = 0;
                in_number = false;
            } else {
                break;
            }
        }
        if (in_number)
            total += number;
    }
    return total;
}

bool interrupts_mention(ktl::StringView name) {
    ktl::StringBuilder text;
    irq::write_proc_interrupts(text);
    return text.view().contains(name);
}

} // namespace

KTEST(virtio_rng_module_binds_reads_differing_bytes_and_credits_the_pool_when_qemu_has_the_device) {
    KASSERT(reload());
    KEXPECT(fs::sysfs::find(fs::sysfs::root(), "bus/pci/drivers/virtio-rng"));
    uint32_t functions = entropy_functions();
    if (functions == 0) {
        KEXPECT_EQ(dev::hwrng::statistics().sources, 0u);
        KEXPECT(!hwrng_registered());
        uint8_t byte;
        auto read = dev::hwrng::read(&byte, 1);
        KASSERT(read.is_error());
        KEXPECT_EQ(read.error().code(), ktl::Errno::NoDevice);
        KEXPECT(module::unload_module("virtio_rng").has_value());
        return;
    }
    KEXPECT_EQ(dev::hwrng::statistics().sources, functions);
    KEXPECT(hwrng_registered());
    KEXPECT(differing_reads());
    // The feeding task starts with the first source; give it a moment.
    uint64_t deadline = time::monotonic_ns() + 2'000'000'000;
    while (dev::hwrng::statistics().bytes_credited < 64 && time::monotonic_ns() < deadline)
        sched::sleep_for(10'000'000);
    KEXPECT(random::entropy_sources().hardware_bits >= 512);
    KEXPECT(dev::hwrng::statistics().bytes_credited >= 64);
    KEXPECT(module::unload_module("virtio_rng").has_value());
    KEXPECT(!hwrng_registered());
    KEXPECT_EQ(dev::hwrng::statistics().sources, 0u);
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "bus/pci/drivers/virtio-rng"));
}

KTEST(virtio_rng_module_loaded_and_removed_20_times_leaves_memory_at_its_baseline) {
    bool with_device = entropy_functions() > 0;
    auto cycle = [&] {
        if (!load())
            return false;
        if (hwrng_registered() != with_device || (with_device && !differing_reads()))
            return false;
        if (!module::unload_module("virtio_rng").has_value())
            return false;
        return !hwrng_registered() && dev::hwrng::statistics().sources == 0;
    };
    (void)module::unload_module("virtio_rng");
    KASSERT(rounds_leave_memory_at_baseline(20, cycle));
}

// The "MSI-X interrupts arrive": QEMU's virtio-rng-pci has an MSI-X table of two entries
// (configuration, then the request queue), so the module's queue takes its completions by MSI-X and
// every read is counted on the queue's vector in /proc/interrupts.
KTEST(virtio_rng_module_completions_arrive_by_msix_interrupts) {
    if (entropy_functions() == 0)
        return; // the no-device answers are checked above
    KASSERT(reload());
    uint64_t before = queue_interrupts();
    KEXPECT(differing_reads());
    // A wait that finds its completion by polling first does not wait for the interrupt, which may
    // land after the count is read (seen once under TCG with noapic): more reads, until two came.
    for (int round = 0; round < 50 && queue_interrupts() < before + 2; ++round)
        KEXPECT(differing_reads());
    KEXPECT(queue_interrupts() >= before + 2);
    KEXPECT(module::unload_module("virtio_rng").has_value());
    KEXPECT_EQ(queue_interrupts(), 0u); // its vectors went with it
}

// A virtio module whose probe fails after DRIVER_OK with a request in flight, and whose init then
// fails with its driver and an RNG source registered (samples/failing_virtio.cpp): each load fails with
// init's error, the kernel drops the driver and the device's vectors, memory stays at its baseline, and the
// device is reset and whole: virtio_rng binds it afterwards and reads from it.
KTEST(a_virtio_module_whose_start_fails_is_removed_whole_and_leaves_the_device_usable) {
    (void)module::unload_module("virtio_rng");
    Image image = read_image("/lib/modules/tests/failing_virtio.ko");
    KASSERT(image.bytes != nullptr);
    ktl::Errno expected = entropy_functions() > 0 ? ktl::Errno::IoError : ktl::Errno::NoDeviceOrAddress;
    auto attempt = [&] {
        auto loaded = module::load_module(ktl::ByteReader(image.bytes, image.size), "", "ktest");
        return loaded.is_error() && loaded.error().code() == expected &&
               !fs::sysfs::find(fs::sysfs::root(), "bus/pci/drivers/failing-virtio") &&
               !fs::sysfs::find(fs::sysfs::root(), "module/failing_virtio") &&
               !interrupts_mention("failing-virtio");
    };
    bool rounds_passed = rounds_leave_memory_at_baseline(5, attempt);
    mm::kfree(image.bytes);
    KASSERT(rounds_passed);
    if (entropy_functions() == 0)
        return;
    KASSERT(load());
    KEXPECT(differing_reads());
    KEXPECT(module::unload_module("virtio_rng").has_value());
}
