// reboot(2) with Linux's checks in Linux's order: privilege (EPERM), then the magic numbers and the
// command (EINVAL). The way down itself is kernel/power's.
#include "power/power.h"
#include "proc/process.h"
#include "syscalls/handlers.h"

namespace syscalls {

namespace {

// include/uapi/linux/reboot.h
constexpr uint32_t magic1_value = 0xfee1dead;
constexpr uint32_t magic2_values[] = {0x28121969, 0x05121996, 0x16041998, 0x20112000};
enum : uint32_t {
    command_restart = 0x01234567,
    command_halt = 0xcdef0123,
    command_cad_on = 0x89abcdef,
    command_cad_off = 0x00000000,
    command_power_off = 0x4321fedc,
    command_restart2 = 0xa1b2c3d4,
};
// Linux copies at most this much of RESTART2's command string.
constexpr size_t restart2_command_capacity = 256;

bool magic_ok(uint32_t magic1, uint32_t magic2) {
    if (magic1 != magic1_value)
        return false;
    for (uint32_t value : magic2_values)
        if (magic2 == value)
            return true;
    return false;
}

} // namespace

Result sys_reboot(uint32_t magic1, uint32_t magic2, uint32_t command, mm::UserPtr<const char> argument) {
    proc::Process* process = proc::current_process();
    // CAP_SYS_BOOT: the effective user id is root.
    if (!process || process->identity().effective_uid != 0)
        return ktl::Errno::NotPermitted;
    if (!magic_ok(magic1, magic2))
        return ktl::Errno::InvalidArgument;
    switch (command) {
    case command_cad_on:
        power::set_ctrl_alt_del_reboots(true);
        return 0;
    case command_cad_off:
        power::set_ctrl_alt_del_reboots(false);
        return 0;
    case command_halt:
        power::halt();
    case command_power_off:
        power::power_off();
    case command_restart:
        power::restart();
    case command_restart2: {
        char text[restart2_command_capacity];
        // Linux takes what fits and cuts the rest; EFAULT only for an unreadable pointer.
        size_t length = 0;
        auto copied = mm::copy_string_from_user(text, argument.address(), sizeof text);
        if (!copied.is_error()) {
            length = copied.value();
        } else if (copied.error().code() == ktl::Errno::NameTooLong) {
            length = sizeof text - 1;
            TRY(mm::copy_from_user(text, argument.address(), length));
        } else {
            return copied.error();
        }
        power::restart(ktl::StringView(text, length));
    }
    default:
        return ktl::Errno::InvalidArgument;
    }
}

} // namespace syscalls
