// Ring 3 as far as it goes before ELF programs (issue 6): code in a user page reaches the kernel
// through `syscall` and `int 0x80`, gets Linux errno values for bad input, exits with a code, and is
// killed (not the kernel) when it faults. The programs are assembled into .rodata and copied to a user
// page, as a loader will copy ELF segments.
#include "arch/paging.h"
#include "arch/user_mode.h"
#include "ktl/assert.h"
#include "mm/address_space.h"
#include "mm/direct_map.h"
#include "mm/kernel_heap.h"
#include "mm/statistics.h"
#include "proc/process.h"
#include "sched/scheduler.h"
#include "syscalls/syscalls.h"
#include "test/ktest.h"

#include <cstring>

extern "C" const uint8_t user_hello_start[], user_hello_end[];
extern "C" const uint8_t user_fault_start[], user_fault_end[];

asm(R"(
.pushsection .rodata
.global user_hello_start, user_hello_end
user_hello_start:
    mov $39, %eax               # getpid through syscall...
    syscall
    mov %rax, %r12
    mov $39, %eax               # ...and through int 0x80 agree
    int $0x80
    cmp %rax, %r12
    jne 1f
    mov $1, %eax                # write(1, message, length)
    mov $1, %edi
    lea 2f(%rip), %rsi
    mov $(3f - 2f), %edx
    syscall
    cmp $(3f - 2f), %rax
    jne 1f
    mov $1, %eax                # a kernel pointer is -EFAULT
    mov $1, %edi
    movabs $0xffff800000000000, %rsi
    mov $8, %edx
    int $0x80
    cmp $-14, %rax
    jne 1f
    mov $999, %eax              # an unknown number is -ENOSYS
    syscall
    cmp $-38, %rax
    jne 1f
    mov $60, %eax               # exit(42)
    mov $42, %edi
    syscall
    ud2
1:  mov $60, %eax               # exit(1): a check failed
    mov $1, %edi
    syscall
2:  .ascii "hello from ring 3\n"
3:
user_hello_end:

.global user_fault_start, user_fault_end
user_fault_start:
    xor %eax, %eax
    mov (%rax), %rax            # a null pointer: SIGSEGV
user_fault_end:
.popsection
)");

namespace {

constexpr uint64_t code_address = 0x400000;
constexpr uint64_t stack_top = 0x7fff'f000;

ktl::ErrorOr<sched::TaskHandle> spawn_program(const uint8_t* start, const uint8_t* end) {
    mm::AddressSpace* space = TRY(mm::AddressSpace::create());
    auto mapped = space->allocate_and_map(code_address, arch::PageFlags::User | arch::PageFlags::Executable);
    if (!mapped.is_error())
        mapped = space->allocate_and_map(stack_top - arch::page_size,
                                         arch::PageFlags::User | arch::PageFlags::Writable);
    if (mapped.is_error()) {
        mm::AddressSpace::destroy(space);
        return mapped.error();
    }
    uint64_t code_frame = MUST(space->translate(code_address)).physical;
    memcpy(mm::physical_to_virtual<uint8_t>(code_frame), start, end - start);
    return proc::start_process("user-program", {space, code_address, stack_top, 0});
}

} // namespace

KTEST(user_code_makes_system_calls_through_both_entries_and_exits) {
    uint64_t calls_before = syscalls::dispatched_count();
    auto task = spawn_program(user_hello_start, user_hello_end);
    KASSERT(!task.is_error());
    KEXPECT_EQ(task.value().join(), 42);
    KEXPECT_EQ(syscalls::dispatched_count() - calls_before, 6u);
}

KTEST(a_faulting_user_program_is_killed_and_the_kernel_runs_on) {
    auto task = spawn_program(user_fault_start, user_fault_end);
    KASSERT(!task.is_error());
    KEXPECT_EQ(task.value().join(), 128 + 11);
}

KTEST(user_programs_give_back_every_frame_when_they_end) {
    MUST(spawn_program(user_hello_start, user_hello_end)).join();
    // Tasks of earlier tests that have ended but are not reaped yet would be counted as freed below.
    sched::reap_exited_tasks_now();
    mm::trim_kernel_heap();
    mm::MemoryStatistics before = mm::memory_statistics();
    for (int round = 0; round < 200; ++round) {
        bool faults = round % 20 == 0; // a few: each writes a register dump to the log
        KASSERT_EQ(MUST(spawn_program(faults ? user_fault_start : user_hello_start,
                                      faults ? user_fault_end : user_hello_end))
                       .join(),
                   faults ? 139 : 42);
    }
    sched::reap_exited_tasks_now();
    mm::trim_kernel_heap();
    mm::MemoryStatistics after = mm::memory_statistics();
    KEXPECT_EQ(after.frames.free_frames, before.frames.free_frames);
    KEXPECT_EQ(after.heap.bytes_allocated, before.heap.bytes_allocated);
}
