// The user-visible side of signal delivery that depends on the architecture: the frame a handler
// starts on (Linux's rt_sigframe on x86-64: return address, ucontext with the registers, the mask
// and the FPU/xsave image, then the siginfo) and rt_sigreturn's reading of it back.
#pragma once

#include "arch/interrupts.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace arch {

inline constexpr size_t signal_info_size = 128; // Linux's siginfo_t

// The alternate signal stack as sigaltstack(2) and the frame's uc_stack describe it.
struct SignalStack {
    uint64_t base = 0;
    uint64_t size = 0;
    int32_t flags = 2; // SS_DISABLE
};

// What generic code decides about one handler invocation.
struct SignalFrameRequest {
    int signal = 0;
    const void* info = nullptr; // signal_info_size bytes
    uint64_t handler = 0;
    uint64_t restorer = 0;      // sa_restorer: the handler's return address
    uint64_t saved_mask = 0;    // the mask rt_sigreturn restores (uc_sigmask)
    uint64_t stack_top = 0;     // the alternate stack's top, or 0 to build below the interrupted rsp
    SignalStack stack_state;    // uc_stack
    uint64_t fault_address = 0; // sigcontext.cr2
};

// Writes the frame to user memory and points `frame` at the handler (rdi = signal, rsi = &siginfo,
// rdx = &ucontext). Fails with Fault if the stack cannot take it. The FPU registers are saved into
// the frame and reset to their initial state for the handler.
ktl::ErrorOr<void> push_signal_frame(InterruptFrame& frame, const SignalFrameRequest& request);

struct RestoredSignalContext {
    uint64_t mask = 0;
    SignalStack stack_state;
};
// rt_sigreturn: reads the frame the handler returned from (at frame.rsp - 8), checks it and
// restores every register (rflags and segments sanitised, so ring 3 gains nothing) and the FPU
// state. The frame then leaves by iretq, which restores rcx and r11 too. Fails with Fault or
// InvalidArgument for a frame that cannot be restored; `frame` is unchanged then.
ktl::ErrorOr<RestoredSignalContext> pop_signal_frame(InterruptFrame& frame);

// The checks pop_signal_frame makes, for tests: the rflags a user frame may carry, and whether an
// FPU image (fpu_state_size() bytes, the format save_fpu_state writes) is safe to load.
uint64_t sanitize_user_flags(uint64_t requested, uint64_t current);
bool fpu_image_is_loadable(const void* image);

} // namespace arch
