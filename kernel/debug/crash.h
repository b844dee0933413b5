// Deliberate crashes (`crash=KIND` on the command line), so end-to-end tests can check what a real
// crash reports: panic, page-fault, invalid-opcode, general-protection, divide-error,
// stack-overflow, double-free, heap-overrun (the last needs a debug build's redzones).
#pragma once

#include "ktl/string_view.h"

namespace debug {
[[noreturn]] void crash_on_purpose(ktl::StringView kind);
}
