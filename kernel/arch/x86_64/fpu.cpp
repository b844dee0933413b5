// FPU/SSE/AVX state: enabled once at boot, saved and restored by the scheduler for the threads that
// use it.
// XSAVE covers whatever XCR0 enables (x87, SSE, AVX); without it FXSAVE covers x87 and SSE.
#include "arch/x86_64/fpu.h"
#include "arch/context.h"
#include "arch/x86_64/registers.h"

#include <cstring>

extern "C" void thread_start_trampoline();

namespace {

constexpr uint64_t cr0_monitor_coprocessor = 1 << 1, cr0_emulation = 1 << 2, cr0_task_switched = 1 << 3;
constexpr uint64_t cr4_osfxsr = 1 << 9, cr4_osxmmexcpt = 1 << 10, cr4_osxsave = 1 << 18;
constexpr uint64_t xcr0_x87 = 1, xcr0_sse = 2, xcr0_avx = 4;
constexpr size_t fxsave_area_size = 512;

bool use_xsave;
uint64_t enabled_components;
size_t state_size = fxsave_area_size;
// Captured right after initialisation, so new threads start from the architectural defaults.
alignas(64) uint8_t initial_state[4096];

void write_xcr0(uint64_t value) {
    asm volatile("xsetbv" ::"c"(0), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32)));
}

} // namespace

namespace arch {

uint64_t prepare_thread_stack(uint64_t stack_top, void (*start)(void*), void* argument) {
    // The frame switch_stacks pops: r15, r14, r13, r12, rbx, rbp, return address. After the `ret` the
    // stack pointer is stack_top, 16-byte aligned as the trampoline's push expects.
    auto* frame = reinterpret_cast<uint64_t*>(stack_top) - 7;
    frame[0] = 0;                                                   // r15
    frame[1] = 0;                                                   // r14
    frame[2] = reinterpret_cast<uint64_t>(start);                   // r13
    frame[3] = reinterpret_cast<uint64_t>(argument);                // r12
    frame[4] = 0;                                                   // rbx
    frame[5] = 0;                                                   // rbp
    frame[6] = reinterpret_cast<uint64_t>(thread_start_trampoline); // return address
    return reinterpret_cast<uint64_t>(frame);
}

void initialize_fpu() {
    using namespace x86_64;
    write_cr0((read_cr0() | cr0_monitor_coprocessor) & ~(cr0_emulation | cr0_task_switched));
    uint64_t cr4 = read_cr4() | cr4_osfxsr | cr4_osxmmexcpt;
    CpuidResult features = cpuid(1);
    bool has_xsave = features.ecx & (1u << 26);
    bool has_avx = features.ecx & (1u << 28);
    if (has_xsave) {
        write_cr4(cr4 | cr4_osxsave);
        enabled_components = xcr0_x87 | xcr0_sse | (has_avx ? xcr0_avx : 0);
        write_xcr0(enabled_components);
        // EBX of leaf 0xD: the save area size for the components XCR0 now enables.
        size_t size = cpuid(0xd, 0).ebx;
        if (size >= fxsave_area_size + 64 && size <= sizeof initial_state) {
            use_xsave = true;
            state_size = size;
        }
    } else {
        write_cr4(cr4);
    }
    asm volatile("fninit");
    uint32_t mxcsr_default = 0x1f80; // all SIMD exceptions masked, round to nearest
    asm volatile("ldmxcsr %0" ::"m"(mxcsr_default));
    memset(initial_state, 0, sizeof initial_state);
    save_fpu_state(initial_state);
}

size_t fpu_state_size() {
    return state_size;
}

void write_initial_fpu_state(void* area) {
    memcpy(area, initial_state, state_size);
}

void save_fpu_state(void* area) {
    if (use_xsave)
        asm volatile("xsave64 (%0)" ::"r"(area), "a"(static_cast<uint32_t>(enabled_components)),
                     "d"(static_cast<uint32_t>(enabled_components >> 32))
                     : "memory");
    else
        asm volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void restore_fpu_state(const void* area) {
    if (use_xsave)
        asm volatile("xrstor64 (%0)" ::"r"(area), "a"(static_cast<uint32_t>(enabled_components)),
                     "d"(static_cast<uint32_t>(enabled_components >> 32))
                     : "memory");
    else
        asm volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void load_initial_fpu_state() {
    restore_fpu_state(initial_state);
}

const char* fpu_save_method() {
    return use_xsave ? "xsave" : "fxsave";
}

} // namespace arch

namespace x86_64 {

uint64_t xsave_components() {
    return use_xsave ? enabled_components : 0;
}

uint32_t mxcsr_mask() {
    // Written by FXSAVE/XSAVE at byte 28; zero means the architectural default (DAZ unsupported).
    uint32_t mask;
    memcpy(&mask, initial_state + 28, sizeof mask);
    return mask ? mask : 0xffbf;
}

} // namespace x86_64
