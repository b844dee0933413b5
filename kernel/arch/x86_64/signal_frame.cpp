// Linux's x86-64 signal frame (arch/x86/include/uapi/asm/sigcontext.h, ucontext.h and the kernel's
// rt_sigframe): built below the interrupted stack (past the 128-byte red zone) or on the alternate
// stack, with the FPU image 64-byte aligned above it, as glibc, musl and debuggers expect.
#include "arch/signal_frame.h"

#include "arch/context.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "mm/kernel_heap.h"
#include "mm/user_memory.h"
#include "sync/preemption.h"

#include <cstddef>
#include <cstring>

namespace arch {

namespace {

// struct sigcontext (64-bit): the general registers in Linux's order, segments, trap facts, then
// the pointer to the FPU image.
struct SignalContext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
    uint16_t cs, gs, fs, ss;
    uint64_t error_code, trap_number, old_mask, cr2;
    uint64_t fpstate;
    uint64_t reserved[8];
};
static_assert(sizeof(SignalContext) == 256 && offsetof(SignalContext, rip) == 128 &&
              offsetof(SignalContext, cs) == 144 && offsetof(SignalContext, fpstate) == 184);

// stack_t
struct UserSignalStack {
    uint64_t base;
    int32_t flags;
    int32_t padding;
    uint64_t size;
};
static_assert(sizeof(UserSignalStack) == 24);

// The kernel's struct ucontext (its sigset is the kernel's 64 bits, not libc's 128 bytes).
struct UserContext {
    uint64_t flags;
    uint64_t link;
    UserSignalStack stack;
    SignalContext machine;
    uint64_t mask;
};
static_assert(sizeof(UserContext) == 304 && offsetof(UserContext, machine) == 40 &&
              offsetof(UserContext, mask) == 296);

struct RtSignalFrame {
    uint64_t return_address; // the handler's `ret` goes to sa_restorer
    UserContext context;
    uint8_t info[signal_info_size];
};
static_assert(sizeof(RtSignalFrame) == 440 && offsetof(RtSignalFrame, info) == 312);

constexpr uint64_t uc_fp_xstate = 1, uc_sigcontext_ss = 2, uc_strict_restore_ss = 4;
constexpr uint32_t fp_xstate_magic1 = 0x46505853, fp_xstate_magic2 = 0x46505845;
constexpr size_t fxsave_size = 512, software_bytes_offset = 464, xsave_header_offset = 512;
constexpr size_t red_zone = 128;

// The fxsave area's bytes 464..511, which the CPU leaves to software: Linux marks an xsave image.
struct FpuSoftwareBytes {
    uint32_t magic1;
    uint32_t extended_size; // the image plus the trailing magic2
    uint64_t features;
    uint32_t xstate_size;
    uint32_t padding[7];
};
static_assert(sizeof(FpuSoftwareBytes) == 48);

// rflags bits a handler's frame may change (Linux's FIX_EFLAGS): the arithmetic flags, TF, DF, RF
// and AC. IOPL, NT, VM, VIF and VIP always come from the kernel, IF is always on.
constexpr uint64_t user_changeable_flags =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x10000 | 0x40000;
constexpr uint64_t flag_interrupt = 0x200, flag_reserved_one = 0x2;
// Cleared for a handler's entry, as the ABI and Linux have it: no trap flag, forward strings.
constexpr uint64_t handler_cleared_flags = 0x100 | 0x400 | 0x10000;

size_t fpu_image_size() {
    return fpu_state_size() + (x86_64::xsave_components() ? sizeof fp_xstate_magic2 : 0);
}

// A kernel buffer with the alignment xsave/xrstor need.
struct FpuBuffer {
    void* bytes = mm::kmalloc(fpu_state_size(), fpu_state_alignment);
    ~FpuBuffer() { mm::kfree(bytes); }
    uint8_t* data() { return static_cast<uint8_t*>(bytes); }
};

bool is_user_address(uint64_t address) {
    return address < mm::user_mapping_end;
}

} // namespace

uint64_t sanitize_user_flags(uint64_t requested, uint64_t current) {
    constexpr uint64_t privileged =
        0x3000 /* IOPL */ | 0x4000 /* NT */ | 0x20000 /* VM */ | 0x80000 | 0x100000;
    uint64_t flags = (current & ~user_changeable_flags) | (requested & user_changeable_flags);
    return (flags & ~privileged) | flag_interrupt | flag_reserved_one;
}

bool fpu_image_is_loadable(const void* image) {
    const auto* bytes = static_cast<const uint8_t*>(image);
    uint32_t mxcsr;
    memcpy(&mxcsr, bytes + 24, sizeof mxcsr);
    if (mxcsr & ~x86_64::mxcsr_mask())
        return false; // FXRSTOR/XRSTOR would raise #GP in the kernel
    uint64_t components = x86_64::xsave_components();
    if (!components)
        return true;
    uint64_t header[8];
    memcpy(header, bytes + xsave_header_offset, sizeof header);
    if (header[0] & ~components)
        return false; // a component XCR0 does not enable
    for (size_t i = 1; i < 8; ++i)
        if (header[i] != 0)
            return false; // compacted form or reserved bytes: #GP for the standard-form XRSTOR
    return true;
}

ktl::ErrorOr<void> push_signal_frame(InterruptFrame& frame, const SignalFrameRequest& request) {
    const SignalStack& alternate = request.stack_state;
    auto on_alternate = [&](uint64_t address) {
        return alternate.size && address > alternate.base && address - alternate.base <= alternate.size;
    };
    bool nested_on_alternate = on_alternate(frame.rsp);
    uint64_t top = request.stack_top ? request.stack_top : frame.rsp - red_zone;
    uint64_t fpstate = (top - fpu_image_size()) & ~uint64_t(fpu_state_alignment - 1);
    uint64_t address = ((fpstate - sizeof(RtSignalFrame)) & ~uint64_t(15)) - 8; // (rsp + 8) % 16 == 0
    if (address > top || !mm::is_user_range(address, top - address))
        return ktl::Errno::BadAddress;
    // Running off the alternate stack must not scribble below it: the handler dies with SIGSEGV.
    if ((request.stack_top || nested_on_alternate) && !on_alternate(address))
        return ktl::Errno::BadAddress;

    FpuBuffer image;
    if (!image.bytes)
        return ktl::Errno::NoMemory;
    memset(image.bytes, 0, fpu_state_size()); // XSAVE leaves the header's reserved bytes alone
    {
        sync::PreemptionDisabler no_switch; // the registers are this task's while it runs
        save_fpu_state(image.bytes);
    }
    uint64_t components = x86_64::xsave_components();
    FpuSoftwareBytes software{};
    if (components) {
        software = {fp_xstate_magic1,
                    static_cast<uint32_t>(fpu_image_size()),
                    components,
                    static_cast<uint32_t>(fpu_state_size()),
                    {}};
    }
    memcpy(image.data() + software_bytes_offset, &software, sizeof software);
    TRY(mm::copy_to_user(fpstate, image.bytes, fpu_state_size()));
    if (components)
        TRY(mm::copy_to_user(fpstate + fpu_state_size(), &fp_xstate_magic2, sizeof fp_xstate_magic2));

    RtSignalFrame signal_frame{};
    signal_frame.return_address = request.restorer;
    UserContext& context = signal_frame.context;
    context.flags = (components ? uc_fp_xstate : 0) | uc_sigcontext_ss | uc_strict_restore_ss;
    context.stack = {alternate.base, alternate.flags, 0, alternate.size};
    SignalContext& registers = context.machine;
    registers.r8 = frame.r8;
    registers.r9 = frame.r9;
    registers.r10 = frame.r10;
    registers.r11 = frame.r11;
    registers.r12 = frame.r12;
    registers.r13 = frame.r13;
    registers.r14 = frame.r14;
    registers.r15 = frame.r15;
    registers.rdi = frame.rdi;
    registers.rsi = frame.rsi;
    registers.rbp = frame.rbp;
    registers.rbx = frame.rbx;
    registers.rdx = frame.rdx;
    registers.rax = frame.rax;
    registers.rcx = frame.rcx;
    registers.rsp = frame.rsp;
    registers.rip = frame.rip;
    registers.rflags = frame.rflags;
    registers.cs = static_cast<uint16_t>(frame.cs);
    registers.ss = static_cast<uint16_t>(frame.ss);
    bool exception = frame.vector < 32;
    registers.error_code = exception ? frame.error_code : 0; // not the syscall-entry marker
    registers.trap_number = exception ? frame.vector : 0;
    registers.old_mask = request.saved_mask;
    registers.cr2 = request.fault_address;
    registers.fpstate = fpstate;
    context.mask = request.saved_mask;
    memcpy(signal_frame.info, request.info, signal_info_size);
    TRY(mm::copy_to_user(address, &signal_frame, sizeof signal_frame));

    {
        sync::PreemptionDisabler no_switch;
        load_initial_fpu_state(); // the handler starts from a clean FPU, as on Linux
    }
    frame.rip = request.handler;
    frame.rsp = address;
    frame.rdi = static_cast<uint64_t>(request.signal);
    frame.rsi = address + offsetof(RtSignalFrame, info);
    frame.rdx = address + offsetof(RtSignalFrame, context);
    frame.rax = 0;
    frame.rflags &= ~handler_cleared_flags;
    frame.cs = x86_64::user_code_selector;
    frame.ss = x86_64::user_data_selector;
    return {};
}

ktl::ErrorOr<RestoredSignalContext> pop_signal_frame(InterruptFrame& frame) {
    uint64_t address = frame.rsp - 8; // the handler's `ret` popped the return address
    RtSignalFrame signal_frame;
    TRY(mm::copy_from_user(&signal_frame, address, sizeof signal_frame));
    const SignalContext& registers = signal_frame.context.machine;
    // iretq to a non-canonical rip faults in ring 0; refuse such a frame instead.
    if (!is_user_address(registers.rip))
        return ktl::Errno::InvalidArgument;

    FpuBuffer image;
    if (!image.bytes)
        return ktl::Errno::NoMemory;
    uint64_t components = x86_64::xsave_components();
    if (registers.fpstate) {
        if (registers.fpstate % (components ? 64 : 16))
            return ktl::Errno::BadAddress;
        TRY(mm::copy_from_user(image.bytes, registers.fpstate, fpu_state_size()));
        FpuSoftwareBytes software;
        memcpy(&software, image.data() + software_bytes_offset, sizeof software);
        uint32_t magic2 = 0;
        bool extended = components && software.magic1 == fp_xstate_magic1 &&
                        software.xstate_size == fpu_state_size() &&
                        software.extended_size == fpu_image_size();
        if (extended)
            TRY(mm::copy_from_user(&magic2, registers.fpstate + fpu_state_size(), sizeof magic2));
        if (components && magic2 != fp_xstate_magic2) {
            // A legacy (fxsave-only) image: x87 and SSE from it, everything else initial.
            memset(image.data() + xsave_header_offset, 0, fpu_state_size() - xsave_header_offset);
            uint64_t legacy = 3;
            memcpy(image.data() + xsave_header_offset, &legacy, sizeof legacy);
        }
        if (!fpu_image_is_loadable(image.bytes))
            return ktl::Errno::InvalidArgument;
    } else {
        write_initial_fpu_state(image.bytes);
    }

    {
        sync::PreemptionDisabler no_switch;
        restore_fpu_state(image.bytes);
    }
    frame.r8 = registers.r8;
    frame.r9 = registers.r9;
    frame.r10 = registers.r10;
    frame.r11 = registers.r11;
    frame.r12 = registers.r12;
    frame.r13 = registers.r13;
    frame.r14 = registers.r14;
    frame.r15 = registers.r15;
    frame.rdi = registers.rdi;
    frame.rsi = registers.rsi;
    frame.rbp = registers.rbp;
    frame.rbx = registers.rbx;
    frame.rdx = registers.rdx;
    frame.rax = registers.rax;
    frame.rcx = registers.rcx;
    frame.rsp = registers.rsp;
    frame.rip = registers.rip;
    frame.rflags = sanitize_user_flags(registers.rflags, frame.rflags);
    frame.cs = x86_64::user_code_selector;
    frame.ss = x86_64::user_data_selector;
    frame.error_code = 0; // leave by iretq: sysretq would clobber rcx and r11
    const UserSignalStack& stack = signal_frame.context.stack;
    return RestoredSignalContext{signal_frame.context.mask, {stack.base, stack.size, stack.flags}};
}

} // namespace arch
