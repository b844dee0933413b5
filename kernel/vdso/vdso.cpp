// The vDSO's kernel side: the boot-time check of the embedded image and its mapping into processes.
#include "vdso/vdso.h"

#include "arch/paging.h"
#include "arch/user_mode.h"
#include "console/log.h"
#include "elf/shared_object.h"
#include "mm/direct_map.h"
#include "time/clock_page.h"

extern "C" const uint8_t vdso_image_start[], vdso_image_end[];

namespace vdso {

namespace {

constexpr ktl::StringView log_subsystem = "vdso";
constexpr ktl::StringView exported_version = "LINUX_2.6";
constexpr ktl::StringView exported_names[] = {
    "__vdso_clock_gettime", "clock_gettime", "__vdso_gettimeofday", "gettimeofday",
    "__vdso_time",          "time",          "__vdso_getcpu",       "getcpu",
};

bool image_checked;
uint64_t checked_image_size;

ktl::ErrorOr<uint64_t> check_image(ktl::ByteReader image) {
    elf::SharedObjectDiagnostic diagnostic;
    auto object = elf::SharedObject::parse(image, &diagnostic);
    if (object.is_error()) {
        klog::error(log_subsystem, "the embedded image is unusable: {} ({})",
                    diagnostic.reason ? diagnostic.reason : "", object.error().name());
        return object.error();
    }
    for (ktl::StringView name : exported_names) {
        auto address = object.value().find_symbol(name, exported_version);
        if (address.is_error()) {
            klog::error(log_subsystem, "the embedded image lacks {}@{} ({})", name, exported_version,
                        address.error().name());
            return address.error();
        }
    }
    if (object.value().image_size() > max_image_size) {
        klog::error(log_subsystem, "the embedded image is {} bytes, more than the {} reserved for it",
                    object.value().image_size(), max_image_size);
        return ktl::Errno::FileTooBig;
    }
    return object.value().image_size();
}

uint64_t physical_of_kernel_image(const void* address) {
    return reinterpret_cast<uint64_t>(address) - mm::kernel_virtual_base;
}

} // namespace

void initialize() {
    // SMP: every CPU publishes its own number the same way when it comes up (arch/user_mode.h); the
    // choice of instruction is global, so it is made once, here, for the CPUs to come too.
    arch::UserCpuNumber cpu_number = arch::publish_user_cpu_number(0, 0);
    time::publish_cpu_number_source(cpu_number == arch::UserCpuNumber::Rdpid    ? vdso::cpu_number_rdpid
                                    : cpu_number == arch::UserCpuNumber::Rdtscp ? vdso::cpu_number_rdtscp
                                                                                : vdso::cpu_number_syscall);
    ktl::ByteReader image(vdso_image_start, static_cast<size_t>(vdso_image_end - vdso_image_start));
    auto size = check_image(image);
    if (size.is_error())
        return;
    checked_image_size = size.value();
    image_checked = true;
    klog::info(log_subsystem, "{} bytes at {:#x}, clock page at {:#x}; clocks read {}, getcpu by {}",
               checked_image_size, image_address, clock_page_address,
               vdso::load(time::clock_page().clock_mode) == vdso::clock_mode_tsc ? "from the TSC"
                                                                                 : "by system call",
               cpu_number == arch::UserCpuNumber::Rdpid    ? "RDPID"
               : cpu_number == arch::UserCpuNumber::Rdtscp ? "RDTSCP"
                                                           : "system call");
}

bool available() {
    return image_checked;
}

uint64_t image_size() {
    return checked_image_size;
}

ktl::ErrorOr<void> map_into(mm::AddressSpace& space) {
    if (!image_checked)
        return ktl::Errno::NoDevice;
    uint64_t pages = (checked_image_size + arch::page_size - 1) / arch::page_size;
    TRY(space.map_kernel_pages(clock_page_address, time::clock_page_physical(), 1, mm::Protection::Read));
    TRY(space.map_kernel_pages(image_address, physical_of_kernel_image(vdso_image_start), pages,
                               mm::Protection::Read | mm::Protection::Execute));
    return {};
}

} // namespace vdso
