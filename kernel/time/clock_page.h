// The clock data page (vvar): one page, global to the machine, that the vDSO reads in every process to
// answer clock_gettime, gettimeofday, time and getcpu without a system call. The clock code publishes
// into it; the vDSO mapping (vdso/vdso.h) maps its frame read-only into user space. Layout and protocol:
// libs/vdso/vdso_data.h.
#pragma once

#include "vdso/vdso_data.h"

#include <cstdint>

namespace time {

// The page as the kernel sees it; read it only through vdso::read_stable.
const vdso::Data& clock_page();
// Its physical frame, for mapping into user address spaces.
uint64_t clock_page_physical();

// Writers. Each takes the page's lock, so callers on any CPU and in any context (the timer tick
// included) never interleave; a reader on another CPU spins only while one of these runs.
void publish_tsc_clock(const vdso::TscClock& clock);
void publish_tick_clock(); // the kernel's clock is no longer the TSC: user space must ask it
void publish_realtime_offset(uint64_t offset_ns);
void publish_tick(uint64_t coarse_monotonic_ns);
void publish_cpu_number_source(vdso::CpuNumberSource source);

// The _COARSE clocks, read from the page exactly as the vDSO reads them. Realtime: monotonic plus the
// offset last published (the caller makes sure the wall clock is initialised).
uint64_t coarse_monotonic_ns();
uint64_t coarse_realtime_ns();

} // namespace time
