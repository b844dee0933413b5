// In-kernel micro-benchmarks (`bench` on the command line): cycles per operation of the memory
// allocators, printed on the console. Numbers, not tests: nothing here passes or fails.
#pragma once

namespace debug {
void run_benchmarks();
}
