// Ending a run under QEMU through the isa-debug-exit device; on other machines the write is ignored
// and the processor halts.
#pragma once

#include "arch/cpu.h"
#include "arch/io.h"
#include "qemu/exit_codes.h"

namespace arch {

[[noreturn]] inline void exit_emulator(qemu::KernelExit code) {
    out32(qemu::debug_exit_port, static_cast<uint32_t>(code));
    halt_forever();
}

} // namespace arch
