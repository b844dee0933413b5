// IDT, the common interrupt dispatcher, exception reports and fault catching.
#include "arch/interrupts.h"

#include "arch/cpu.h"
#include "arch/interrupt_controller.h"
#include "arch/user_mode.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/io_apic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/registers.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/vectors.h"
#include "console/log.h"
#include "debug/panic.h"
#include "sync/preemption.h"

extern "C" const uint64_t interrupt_stub_table[256];
extern "C" void fault_catch_landing();

// Pairs written by user_copy.S: an instruction allowed to fault on user memory, and where to resume.
struct ExceptionTableEntry {
    uint64_t instruction;
    uint64_t fixup;
};
extern "C" const ExceptionTableEntry __exception_table_start[], __exception_table_end[];

namespace {

struct FaultCatchContext {
    uint64_t saved_stack_pointer; // written by fault_catch_run: must stay the first member
    arch::CaughtFault* fault;
};
extern "C" int fault_catch_run(FaultCatchContext* context, void (*function)(void*), void* argument);

struct [[gnu::packed]] IdtEntry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t interrupt_stack;
    uint8_t type_and_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(IdtEntry) == 16);

struct [[gnu::packed]] IdtPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint8_t interrupt_gate_present = 0x8e; // present, DPL 0, 64-bit interrupt gate (IF cleared)
constexpr uint8_t user_callable_gate = 0xee;     // the same with DPL 3: `int` from ring 3 may use it

alignas(16) IdtEntry interrupt_descriptor_table[256];
static_assert(arch::reserved_message_vector == arch::syscall_vector);
arch::IrqHandler vector_handlers[256]; // the arch's own, above the message range: see set_vector_handler
arch::DeviceInterruptHandler device_interrupt_handler;
// Per CPU, each written only by its own CPU; readers sum them.
uint64_t interrupt_counts[arch::max_cpus][256];
bool unexpected_vector_reported[256];
FaultCatchContext* active_fault_catch;
arch::FaultAddressDescriber fault_address_describer;
arch::BreakpointObserver breakpoint_observer;
arch::InterruptReturnHook interrupt_return_hook;
arch::UserReturnHook user_return_hook;
arch::SyscallHandler syscall_handler;
arch::UserFaultHandler user_fault_handler;
arch::PageFaultResolver page_fault_resolver;

const char* const exception_names[32] = {
    "Divide Error (#DE)",
    "Debug (#DB)",
    "Non-Maskable Interrupt (NMI)",
    "Breakpoint (#BP)",
    "Overflow (#OF)",
    "BOUND Range Exceeded (#BR)",
    "Invalid Opcode (#UD)",
    "Device Not Available (#NM)",
    "Double Fault (#DF)",
    "Coprocessor Segment Overrun",
    "Invalid TSS (#TS)",
    "Segment Not Present (#NP)",
    "Stack-Segment Fault (#SS)",
    "General Protection Fault (#GP)",
    "Page Fault (#PF)",
    "Reserved (15)",
    "x87 Floating-Point Error (#MF)",
    "Alignment Check (#AC)",
    "Machine Check (#MC)",
    "SIMD Floating-Point Exception (#XM)",
    "Virtualization Exception (#VE)",
    "Control Protection Exception (#CP)",
    "Reserved (22)",
    "Reserved (23)",
    "Reserved (24)",
    "Reserved (25)",
    "Reserved (26)",
    "Reserved (27)",
    "Hypervisor Injection Exception (#HV)",
    "VMM Communication Exception (#VC)",
    "Security Exception (#SX)",
    "Reserved (31)",
};

constexpr uint8_t vector_breakpoint = 3, vector_nmi = 2, vector_double_fault = 8, vector_page_fault = 14,
                  vector_machine_check = 18;

void set_gate(uint8_t vector, uint64_t handler, x86_64::InterruptStack stack) {
    IdtEntry& entry = interrupt_descriptor_table[vector];
    entry.offset_low = handler & 0xffff;
    entry.selector = x86_64::kernel_code_selector;
    entry.interrupt_stack = static_cast<uint8_t>(stack);
    entry.type_and_attributes = interrupt_gate_present;
    entry.offset_middle = (handler >> 16) & 0xffff;
    entry.offset_high = static_cast<uint32_t>(handler >> 32);
    entry.reserved = 0;
}

// Decodes the page-fault error code (Intel SDM vol. 3A §4.7) into words a reader can act on.
void write_page_fault_cause(ktl::FormatSink& sink, uint64_t error_code) {
    ktl::format_to(sink, "{} {} in {} mode{}{}",
                   error_code & 1 ? "protection violation on" : "non-present page on",
                   error_code & 0x10 ? "instruction fetch" : (error_code & 2 ? "write" : "read"),
                   error_code & 4 ? "user" : "kernel", error_code & 8 ? ", reserved bit set" : "",
                   error_code & 0x20 ? ", protection key" : "");
}

[[noreturn]] void report_exception(const arch::InterruptFrame& frame) {
    char buffer[256];
    ktl::BufferSink summary(buffer, sizeof buffer);
    ktl::format_to(summary, "{} at rip {:#x}", arch::exception_name(frame.vector), frame.rip);
    if (frame.vector == vector_page_fault) {
        ktl::format_to(summary, ", address {:#x}: ", x86_64::read_cr2());
        write_page_fault_cause(summary, frame.error_code);
    } else if (frame.error_code != 0) {
        ktl::format_to(summary, ", error code {:#x}", frame.error_code);
    }
    // A double fault is most often a page fault that could not push its frame: CR2 still says where.
    if (frame.vector == vector_page_fault || frame.vector == vector_double_fault) {
        if (frame.vector == vector_double_fault)
            ktl::format_to(summary, ", CR2 {:#x}", x86_64::read_cr2());
        if (fault_address_describer)
            fault_address_describer(summary, x86_64::read_cr2());
    }
    debug::panic_with_frame(frame, summary.view());
}

uint64_t exception_fixup_for(uint64_t instruction) {
    for (const ExceptionTableEntry* entry = __exception_table_start; entry != __exception_table_end; ++entry)
        if (entry->instruction == instruction)
            return entry->fixup;
    return 0;
}

// A page fault on a user address, from user code or from the kernel's user-copy routine: demand
// paging may make the page present. Interrupts go back on meanwhile, as they were where it faulted.
arch::PageFaultOutcome resolve_user_page_fault(arch::InterruptFrame& frame) {
    constexpr uint64_t interrupt_flag = 1 << 9;
    uint64_t address = x86_64::read_cr2();
    if (frame.vector != vector_page_fault || !page_fault_resolver || address >= arch::user_half_end_address)
        return arch::PageFaultOutcome::Refused;
    if (!frame.from_user_mode() && !exception_fixup_for(frame.rip))
        return arch::PageFaultOutcome::Refused; // the kernel touched user memory outside the copy
                                                // routine: a kernel bug
    arch::PageFaultAccess access{.write = (frame.error_code & 2) != 0,
                                 .instruction_fetch = (frame.error_code & 0x10) != 0,
                                 .present = (frame.error_code & 1) != 0};
    if (frame.rflags & interrupt_flag)
        arch::enable_interrupts();
    arch::PageFaultOutcome outcome = page_fault_resolver(address, access);
    arch::disable_interrupts();
    return outcome;
}

void handle_exception(arch::InterruptFrame& frame) {
    bool machine_level = frame.vector == vector_nmi || frame.vector == vector_double_fault ||
                         frame.vector == vector_machine_check;
    arch::PageFaultOutcome outcome =
        machine_level ? arch::PageFaultOutcome::Refused : resolve_user_page_fault(frame);
    if (outcome == arch::PageFaultOutcome::Resolved)
        return;
    if (!frame.from_user_mode() && !machine_level) {
        if (uint64_t fixup = exception_fixup_for(frame.rip)) {
            frame.rip = fixup;
            return;
        }
    }
    if (frame.from_user_mode() && user_fault_handler && !machine_level) {
        user_fault_handler(frame, outcome);
        return;
    }
    if (frame.vector == vector_breakpoint) {
        klog::info("interrupts", "breakpoint (int3) at {:#x}, continuing", frame.rip - 1);
        if (breakpoint_observer)
            breakpoint_observer(frame);
        return;
    }
    bool catchable = frame.vector != vector_nmi && frame.vector != vector_double_fault &&
                     frame.vector != vector_machine_check;
    if (catchable && active_fault_catch && !frame.from_user_mode()) {
        FaultCatchContext* context = active_fault_catch;
        active_fault_catch = nullptr;
        *context->fault = {static_cast<uint8_t>(frame.vector), frame.error_code,
                           frame.vector == vector_page_fault ? x86_64::read_cr2() : 0, frame.rip};
        frame.rip = reinterpret_cast<uint64_t>(fault_catch_landing);
        frame.rsp = context->saved_stack_pointer;
        return;
    }
    report_exception(frame);
}

// A vector nothing is registered on: silence its source if it has one, and say so once.
void handle_unclaimed_vector(uint8_t vector, const arch::InterruptFrame& frame) {
    bool pic_vector = vector >= x86_64::pic_vector_base && vector < x86_64::pic_vector_base + 16;
    if (pic_vector) {
        uint8_t irq = vector - x86_64::pic_vector_base;
        klog::warn("interrupts", "IRQ {} raised with no handler; masking it", irq);
        x86_64::mask_irq(irq);
        x86_64::end_of_interrupt(irq);
        return;
    }
    if (arch::io_apic_in_charge() && vector >= x86_64::io_apic_vector_base &&
        vector < x86_64::io_apic_vector_base + x86_64::max_io_apic_lines) {
        uint32_t gsi = vector - x86_64::io_apic_vector_base;
        klog::warn("interrupts", "GSI {} raised with no handler; masking it", gsi);
        x86_64::io_apic_set_masked(gsi, true);
        arch::end_of_message_interrupt();
        return;
    }
    if (!unexpected_vector_reported[vector]) {
        unexpected_vector_reported[vector] = true;
        klog::warn("interrupts", "unexpected interrupt vector {} at rip {:#x} (reported once)", vector,
                   frame.rip);
    }
}

void handle_device_interrupt(uint8_t vector, const arch::InterruptFrame& frame) {
    bool pic_vector = vector >= x86_64::pic_vector_base && vector < x86_64::pic_vector_base + 16;
    // A line that dropped before the PIC was acknowledged shows as IRQ 7 or 15 with nothing in service.
    if (pic_vector && x86_64::is_spurious_irq(vector - x86_64::pic_vector_base))
        return;
    if (device_interrupt_handler && device_interrupt_handler(vector))
        return;
    handle_unclaimed_vector(vector, frame);
}

// System calls run with interrupts on, like the code that made them: a long one can be preempted.
void handle_syscall(arch::InterruptFrame& frame) {
    constexpr int64_t no_such_call = -38; // -ENOSYS
    arch::enable_interrupts();
    if (syscall_handler)
        syscall_handler(frame);
    else
        frame.rax = static_cast<uint64_t>(no_such_call);
    arch::disable_interrupts();
}

} // namespace

namespace x86_64 {
void open_syscall_gate() {
    interrupt_descriptor_table[arch::syscall_vector].type_and_attributes = user_callable_gate;
}
} // namespace x86_64

extern "C" void interrupt_dispatch(arch::InterruptFrame* frame) {
    uint8_t vector = static_cast<uint8_t>(frame->vector);
    ++interrupt_counts[arch::current_cpu_index()][vector];
    if (vector < 32) {
        handle_exception(*frame);
    } else if (vector == arch::syscall_vector) {
        handle_syscall(*frame);
    } else if (vector_handlers[vector]) {
        vector_handlers[vector](*frame);
    } else {
        handle_device_interrupt(vector, *frame);
    }
    if (vector >= 32 && interrupt_return_hook)
        interrupt_return_hook(*frame);
    if (frame->from_user_mode() && user_return_hook)
        user_return_hook(*frame);
}

namespace arch {

void initialize_interrupts() {
    for (int vector = 0; vector < 256; ++vector) {
        x86_64::InterruptStack stack = x86_64::InterruptStack::None;
        if (vector == vector_double_fault)
            stack = x86_64::InterruptStack::DoubleFault;
        else if (vector == vector_nmi)
            stack = x86_64::InterruptStack::NonMaskable;
        else if (vector == vector_machine_check)
            stack = x86_64::InterruptStack::MachineCheck;
        set_gate(static_cast<uint8_t>(vector), interrupt_stub_table[vector], stack);
    }
    IdtPointer pointer{sizeof(interrupt_descriptor_table) - 1,
                       reinterpret_cast<uint64_t>(interrupt_descriptor_table)};
    asm volatile("lidt %0" ::"m"(pointer));
    x86_64::initialize_pics();
}

void set_device_interrupt_handler(DeviceInterruptHandler handler) {
    device_interrupt_handler = handler;
}

void write_register_dump(ktl::FormatSink& sink, const InterruptFrame& frame) {
    ktl::format_to(sink, "  RAX={:016x} RBX={:016x} RCX={:016x} RDX={:016x}\n", frame.rax, frame.rbx,
                   frame.rcx, frame.rdx);
    ktl::format_to(sink, "  RSI={:016x} RDI={:016x} RBP={:016x} RSP={:016x}\n", frame.rsi, frame.rdi,
                   frame.rbp, frame.rsp);
    ktl::format_to(sink, "  R8 ={:016x} R9 ={:016x} R10={:016x} R11={:016x}\n", frame.r8, frame.r9, frame.r10,
                   frame.r11);
    ktl::format_to(sink, "  R12={:016x} R13={:016x} R14={:016x} R15={:016x}\n", frame.r12, frame.r13,
                   frame.r14, frame.r15);
    ktl::format_to(sink, "  RIP={:016x} RFLAGS={:016x} CS={:04x} SS={:04x} vector={} error={:#x}\n",
                   frame.rip, frame.rflags, frame.cs, frame.ss, frame.vector, frame.error_code);
    ktl::format_to(sink, "  CR0={:016x} CR2={:016x} CR3={:016x} CR4={:016x}\n", x86_64::read_cr0(),
                   x86_64::read_cr2(), x86_64::read_cr3(), x86_64::read_cr4());
}

bool run_catching_faults(void (*function)(void*), void* argument, CaughtFault& fault) {
    // The catch is per CPU, not per task: no other task may run (and fault) meanwhile.
    sync::PreemptionDisabler no_switch;
    FaultCatchContext context{0, &fault};
    FaultCatchContext* outer = active_fault_catch;
    active_fault_catch = &context;
    bool faulted = fault_catch_run(&context, function, argument) != 0;
    active_fault_catch = outer;
    return faulted;
}

const char* exception_name(uint64_t vector) {
    return vector < 32 ? exception_names[vector] : "Interrupt";
}

uint64_t interrupt_count(uint8_t vector) {
    uint64_t total = 0;
    for (uint32_t cpu = 0; cpu < max_cpus; ++cpu)
        total += __atomic_load_n(&interrupt_counts[cpu][vector], __ATOMIC_RELAXED);
    return total;
}

uint64_t interrupt_count_on(uint32_t cpu, uint8_t vector) {
    return cpu < max_cpus ? __atomic_load_n(&interrupt_counts[cpu][vector], __ATOMIC_RELAXED) : 0;
}

void set_breakpoint_observer(BreakpointObserver observer) {
    breakpoint_observer = observer;
}

void set_interrupt_return_hook(InterruptReturnHook hook) {
    interrupt_return_hook = hook;
}

void set_user_return_hook(UserReturnHook hook) {
    user_return_hook = hook;
}

void set_fault_address_describer(FaultAddressDescriber describer) {
    fault_address_describer = describer;
}

void set_critical_stack(CriticalStack stack, uint64_t top) {
    x86_64::InterruptStack slot = stack == CriticalStack::DoubleFault ? x86_64::InterruptStack::DoubleFault
                                  : stack == CriticalStack::NonMaskable
                                      ? x86_64::InterruptStack::NonMaskable
                                      : x86_64::InterruptStack::MachineCheck;
    x86_64::set_interrupt_stack(slot, top);
}

void set_syscall_handler(SyscallHandler handler) {
    syscall_handler = handler;
}

void set_user_fault_handler(UserFaultHandler handler) {
    user_fault_handler = handler;
}

void set_page_fault_resolver(PageFaultResolver resolver) {
    page_fault_resolver = resolver;
}

void set_ring0_entry_stack(uint64_t top) {
    x86_64::set_kernel_stack(top);
    x86_64::set_cpu_kernel_stack(top);
}

} // namespace arch

namespace x86_64 {

ktl::ErrorOr<void> set_vector_handler(uint8_t vector, arch::IrqHandler handler) {
    if (vector <= arch::last_message_vector)
        return ktl::Errno::InvalidArgument;
    if (vector_handlers[vector] && handler)
        return ktl::Errno::Busy;
    vector_handlers[vector] = handler;
    return {};
}

} // namespace x86_64
