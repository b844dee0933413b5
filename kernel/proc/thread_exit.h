// What a thread leaving owes user space (Linux's mm_release and exit_robust_list): the word that
// set_tid_address or CLONE_CHILD_CLEARTID named is zeroed and one futex waiter woken (pthread_join
// waits there), and every robust mutex the thread still holds is marked FUTEX_OWNER_DIED with a
// waiter woken, so the next locker gets EOWNERDEAD instead of waiting forever.
#pragma once

namespace sched {
struct Task;
}

namespace proc {

// Runs on the exiting thread, its address space still active. Best effort: a bad address ends the
// work, never the exit.
void release_user_thread_state(sched::Task& task);

} // namespace proc
