#include "debug/debug_keys.h"

#include "console/log.h"
#include "console/serial.h"
#include "sched/scheduler.h"
#include "tty/tty.h"

namespace debug {

namespace {
constexpr uint8_t control_t = 0x14;
} // namespace

void install_debug_keys() {
    if (!console::com1().is_present())
        return;
    tty::set_debug_key(control_t, sched::log_task_list);
    klog::info("debug", "debug keys on the serial console: Ctrl-T lists the tasks");
}

} // namespace debug
