// Deliberate CPU faults, one function per kind, with the signal Linux kills the process with.
// Shared by /bin/fault (to watch the kernel report them) and tests/fault_test (to check the status).
#pragma once

#include <csignal>
#include <span>
#include <string_view>

namespace faults {

struct Fault {
    const char* name;
    const char* description;
    int expected_signal;
    void (*trigger)();
};

[[nodiscard]] std::span<const Fault> all();
[[nodiscard]] const Fault* find(std::string_view name);

} // namespace faults
