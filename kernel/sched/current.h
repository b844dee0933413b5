// The task running on this CPU, for code that must not include the whole scheduler (locks, the log).
#pragma once

namespace sched {
struct Task;
namespace detail {
extern Task* current_task; // null until the scheduler starts
}
} // namespace sched
