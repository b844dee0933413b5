// The exception path: a breakpoint returns; faults raised under run_catching_faults are reported with
// the right vector, error code and address, and the kernel carries on.
#include "arch/cpu.h"
#include "arch/interrupts.h"
#include "test/ktest.h"

namespace {
constexpr uint8_t divide_error = 0, breakpoint = 3, invalid_opcode = 6, general_protection = 13,
                  page_fault = 14;
}

KTEST(breakpoint_returns_to_the_next_instruction) {
    uint64_t before = arch::interrupt_count(breakpoint);
    volatile int after_breakpoint = 0;
    asm volatile("int3");
    after_breakpoint = 1;
    KEXPECT_EQ(after_breakpoint, 1);
    KEXPECT_EQ(arch::interrupt_count(breakpoint), before + 1);
}

KTEST(invalid_opcode_is_caught_with_its_address) {
    arch::CaughtFault fault;
    auto execute_ud2 = [] { asm volatile("ud2"); };
    KASSERT(arch::run_catching_faults(execute_ud2, fault));
    KEXPECT_EQ(fault.vector, invalid_opcode);
    KEXPECT(fault.instruction_pointer >= 0xffffffff80000000);
}

KTEST(page_fault_reports_address_and_write_access) {
    arch::CaughtFault fault;
    auto write_unmapped = [] { *reinterpret_cast<volatile uint64_t*>(0x5000) = 42; };
    KASSERT(arch::run_catching_faults(write_unmapped, fault));
    KEXPECT_EQ(fault.vector, page_fault);
    KEXPECT_EQ(fault.faulting_address, 0x5000u);
    KEXPECT_EQ(fault.error_code & 0x7, 0x2u); // not present, write, kernel mode
}

KTEST(null_pointer_dereference_faults_after_identity_map_removal) {
    arch::CaughtFault fault;
    auto read_null = [] { (void)*reinterpret_cast<volatile uint64_t*>(0); };
    KASSERT(arch::run_catching_faults(read_null, fault));
    KEXPECT_EQ(fault.vector, page_fault);
    KEXPECT_EQ(fault.faulting_address, 0u);
}

KTEST(general_protection_and_divide_error_are_caught) {
    arch::CaughtFault fault;
    auto non_canonical = [] { (void)*reinterpret_cast<volatile uint64_t*>(0x8000000000000000); };
    KASSERT(arch::run_catching_faults(non_canonical, fault));
    KEXPECT_EQ(fault.vector, general_protection);

    auto divide = [] {
        uint64_t dividend = 10, divisor = 0;
        asm volatile("xor %%edx, %%edx; divq %1" : "+a"(dividend) : "r"(divisor) : "rdx");
    };
    KASSERT(arch::run_catching_faults(divide, fault));
    KEXPECT_EQ(fault.vector, divide_error);
}

KTEST(code_without_faults_runs_to_completion_and_state_is_restored) {
    arch::CaughtFault fault;
    int calls = 0;
    auto harmless = [&] { ++calls; };
    KEXPECT(!arch::run_catching_faults(harmless, fault));
    KEXPECT_EQ(calls, 1);
    KEXPECT(arch::interrupts_enabled());

    // Callee-saved registers survive a fault: the landing pad restores them.
    auto fault_in_loop = [] { asm volatile("ud2"); };
    for (int i = 0; i < 100; ++i)
        KASSERT(arch::run_catching_faults(fault_in_loop, fault));
    KEXPECT(arch::interrupts_enabled());
}

// Run only by the end-to-end test that checks a failing kernel test is reported as FAILED with its
// reason and makes the runner exit 1.
KTEST(fails_on_purpose_to_check_the_harness) {
    int two = 2;
    KEXPECT_EQ(two + 2, 5);
}

// Run only by the end-to-end test that checks an unexpected exception inside a test fails the run
// with the exception's report.
KTEST(fails_on_purpose_with_an_unexpected_exception) {
    asm volatile("ud2");
}
