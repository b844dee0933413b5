// Kernel console and log plumbing that the host tests cannot reach.
#include "boot/fw_cfg.h"
#include "console/log.h"
#include "ktl/format.h"
#include "mm/direct_map.h"
#include "qemu/exit_codes.h"
#include "test/ktest.h"

KTEST(json_log_strings_are_escaped) {
    char buffer[128];
    ktl::BufferSink sink(buffer, sizeof buffer);
    klog::write_json_string(sink, ktl::StringView("a\"b\\c\nd\x01", 8));
    KEXPECT(sink.view() == ktl::StringView("\"a\\\"b\\\\c\\nd\\u0001\""));
}

KTEST(log_levels_parse_and_filter) {
    klog::Level level;
    KEXPECT(klog::parse_level("trace", level) && level == klog::Level::Trace);
    KEXPECT(klog::parse_level("error", level) && level == klog::Level::Error);
    KEXPECT(!klog::parse_level("loud", level));
    klog::Level saved = klog::max_level();
    klog::set_max_level(klog::Level::Warn);
    KEXPECT(klog::enabled(klog::Level::Error));
    KEXPECT(!klog::enabled(klog::Level::Info));
    klog::set_max_level(saved);
}

KTEST(fw_cfg_carries_the_runner_command_line) {
    char text[256];
    auto stored = boot::read_fw_cfg_file(qemu::cmdline_fw_cfg_name, text, sizeof text);
    KASSERT(!stored.is_error());
    KEXPECT(ktl::StringView(text, stored.value()).contains("test"));
    KEXPECT(boot::read_fw_cfg_file("opt/blog_os/absent", text, sizeof text).error().code() ==
            ktl::Errno::NoEntry);
}

extern "C" const char __kernel_physical_start[];
KTEST(direct_map_shows_the_same_memory_as_the_kernel_image) {
    const char* through_kernel = __kernel_physical_start + mm::kernel_virtual_base;
    // The Multiboot2 header sits at the start of the image: same bytes through both mappings.
    uint64_t physical = reinterpret_cast<uint64_t>(__kernel_physical_start);
    const char* through_direct_map = mm::physical_to_virtual<const char>(physical);
    KEXPECT_EQ(*reinterpret_cast<const uint32_t*>(through_direct_map), 0xe85250d6u);
    (void)through_kernel;
    KEXPECT(mm::direct_map_size() >= (4ull << 30));
}
