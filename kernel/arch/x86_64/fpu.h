// FPU facts the signal frame needs beyond arch/context.h: which xsave components are in use and
// which MXCSR bits the CPU accepts.
#pragma once

#include <cstdint>

namespace x86_64 {

// The XCR0 components XSAVE saves, or 0 when the kernel saves with FXSAVE.
uint64_t xsave_components();
// MXCSR bits that may be set: loading any other raises a general protection fault.
uint32_t mxcsr_mask();

} // namespace x86_64
