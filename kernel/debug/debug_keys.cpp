#include "debug/debug_keys.h"

#include "arch/interrupts.h"
#include "console/log.h"
#include "console/serial.h"
#include "sched/scheduler.h"

namespace debug {

namespace {
constexpr uint8_t com1_irq = 4;
constexpr int control_t = 0x14;

void on_serial_input(arch::InterruptFrame&) {
    for (int byte = console::com1().read_byte(); byte >= 0; byte = console::com1().read_byte())
        if (byte == control_t)
            sched::log_task_list();
}
} // namespace

void install_debug_keys() {
    if (!console::com1().is_present())
        return;
    if (auto result = arch::set_irq_handler(com1_irq, on_serial_input); result.is_error()) {
        klog::warn("debug", "no debug keys: IRQ {} is taken ({})", com1_irq, result.error().name());
        return;
    }
    console::com1().enable_receive_interrupt();
    klog::info("debug", "debug keys on the serial console: Ctrl-T lists the tasks");
}

} // namespace debug
