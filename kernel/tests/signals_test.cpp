// Signals below the system calls: what rt_sigreturn lets ring 3 put in rflags and the FPU (nothing
// that raises privilege or faults the kernel), the pending queue's ordering and coalescing, and a
// wait that a signal interrupts.
#include "arch/context.h"
#include "arch/signal_frame.h"
#include "mm/kernel_heap.h"
#include "proc/signals.h"
#include "sched/scheduler.h"
#include "test/ktest.h"

#include <cstring>
#include <new>

namespace {

constexpr uint64_t flag_interrupt = 0x200, flag_iopl = 0x3000, flag_nested_task = 0x4000,
                   flag_virtual_8086 = 0x20000, flag_direction = 0x400, flag_carry = 1;

struct FpuImage {
    void* bytes = mm::kmalloc(arch::fpu_state_size(), arch::fpu_state_alignment);
    ~FpuImage() { mm::kfree(bytes); }
    uint8_t* data() { return static_cast<uint8_t*>(bytes); }
};

proc::SignalInfo info_for(int signal, int value = 0) {
    proc::SignalInfo info{};
    info.signal = signal;
    info.code = proc::si_queue;
    info.sender.value = static_cast<uint64_t>(value);
    return info;
}

} // namespace

KTEST(sigreturn_flags_never_carry_iopl_nt_or_vm_and_always_enable_interrupts) {
    uint64_t flags = arch::sanitize_user_flags(~uint64_t{0}, 0x202);
    KEXPECT_EQ(flags & (flag_iopl | flag_nested_task | flag_virtual_8086), 0u);
    KEXPECT_EQ(flags & flag_interrupt, flag_interrupt);
    KEXPECT_EQ(flags & (flag_direction | flag_carry), flag_direction | flag_carry);
    flags = arch::sanitize_user_flags(0, 0x202);
    KEXPECT_EQ(flags & flag_interrupt, flag_interrupt);
    KEXPECT_EQ(flags & (flag_direction | flag_carry), 0u);
}

KTEST(an_fpu_image_with_reserved_mxcsr_or_header_bits_is_refused) {
    FpuImage image;
    KASSERT(image.bytes != nullptr);
    arch::write_initial_fpu_state(image.bytes);
    KEXPECT(arch::fpu_image_is_loadable(image.bytes));
    uint32_t mxcsr;
    memcpy(&mxcsr, image.data() + 24, sizeof mxcsr);
    uint32_t reserved = mxcsr | 0x80000000u;
    memcpy(image.data() + 24, &reserved, sizeof reserved);
    KEXPECT(!arch::fpu_image_is_loadable(image.bytes));
    memcpy(image.data() + 24, &mxcsr, sizeof mxcsr);
    if (arch::fpu_state_size() > 512) { // an xsave image: its header must be the standard form
        uint64_t compacted = uint64_t{1} << 63;
        memcpy(image.data() + 520, &compacted, sizeof compacted);
        KEXPECT(!arch::fpu_image_is_loadable(image.bytes));
        uint64_t zero = 0;
        memcpy(image.data() + 520, &zero, sizeof zero);
        uint64_t unknown_component = uint64_t{1} << 9;
        memcpy(image.data() + 512, &unknown_component, sizeof unknown_component);
        KEXPECT(!arch::fpu_image_is_loadable(image.bytes));
    }
}

KTEST(pending_signals_come_lowest_first_with_sigkill_ahead_and_realtime_ones_queued) {
    proc::SignalQueue queue;
    for (int value = 1; value <= 3; ++value) {
        auto* spare = new (std::nothrow) proc::PendingSignal;
        KEXPECT(queue.add(info_for(34, value), spare));
        KEXPECT(spare == nullptr);
        auto* standard = new (std::nothrow) proc::PendingSignal;
        KEXPECT(queue.add(info_for(proc::sigusr1, value), standard));
        delete standard; // coalesced after the first: unused
    }
    proc::PendingSignal* none = nullptr;
    KEXPECT(queue.add(info_for(proc::sigkill), none)); // no memory: still marked
    KEXPECT(!queue.add(info_for(35), none));           // a real-time one needs its record
    proc::SignalInfo info;
    KASSERT(queue.take(~uint64_t{0}, info));
    KEXPECT_EQ(info.signal, proc::sigkill);
    KASSERT(queue.take(~uint64_t{0}, info));
    KEXPECT_EQ(info.signal, proc::sigusr1);
    KEXPECT_EQ(info.sender.value, 1u);
    for (uint64_t value = 1; value <= 3; ++value) {
        KASSERT(queue.take(~uint64_t{0}, info));
        KEXPECT_EQ(info.signal, 34);
        KEXPECT_EQ(info.sender.value, value);
    }
    KEXPECT(!queue.take(~uint64_t{0}, info));
    KEXPECT_EQ(queue.set(), 0u);
}

namespace {
struct InterruptedWait {
    sched::WaitQueue queue;
    sched::WaitResult result = sched::WaitResult::Ready;
};
void wait_to_be_interrupted(void* argument) {
    auto& wait = *static_cast<InterruptedWait*>(argument);
    wait.result = wait.queue.wait_until_interruptible([] { return false; });
}
} // namespace

KTEST(a_signal_ends_an_interruptible_wait) {
    InterruptedWait wait;
    auto waiter = sched::spawn("signal-waiter", wait_to_be_interrupted, &wait);
    KASSERT(!waiter.is_error());
    sched::Task* task = waiter.value().task();
    while (wait.queue.waiter_count() == 0)
        sched::yield();
    sched::notify_signal(task);
    waiter.value().join();
    KEXPECT(wait.result == sched::WaitResult::Interrupted);
}
