// Unmodified static Linux programs (musl, built by libs/elf/tests/data/program/build.sh) run in ring 3:
// loaded from their ELF, started with a System V stack, calling musl's start-up and stdio syscalls.
#include "arch/paging.h"
#include "console/log.h"
#include "elf/elf_file.h"
#include "elf/program_image.h"
#include "fs/initrd.h"
#include "ktl/assert.h"
#include "ktl/byte_reader.h"
#include "mm/direct_map.h"
#include "mm/kernel_heap.h"
#include "mm/statistics.h"
#include "proc/process.h"
#include "proc/shared_pages.h"
#include "proc/timers.h"
#include "sched/scheduler.h"
#include "test/ktest.h"

#include <cstring>

extern "C" const uint8_t musl_static_start[], musl_static_end[];
extern "C" const uint8_t musl_static_pie_start[], musl_static_pie_end[];
extern "C" const uint8_t musl_dynamic_start[], musl_dynamic_end[];

#define EMBED_PROGRAM(symbol, file)                                                                          \
    ".global " #symbol "_start, " #symbol "_end\n.balign 16\n" #symbol                                       \
    "_start:\n.incbin \"" BLOG_OS_TEST_PROGRAMS "/" file "\"\n" #symbol "_end:\n"
asm(".pushsection .rodata\n" EMBED_PROGRAM(musl_static, "musl_static")
        EMBED_PROGRAM(musl_static_pie, "musl_static_pie")
            EMBED_PROGRAM(musl_dynamic, "musl_dynamic") ".popsection\n");

namespace {

ktl::ByteReader bytes_of(const uint8_t* start, const uint8_t* end) {
    return ktl::ByteReader(start, static_cast<size_t>(end - start));
}

int run(const uint8_t* start, const uint8_t* end, ktl::StringView name) {
    ktl::StringView argv[] = {name};
    ktl::StringView envp[] = {"HOME=/", "TERM=linux"};
    auto task = proc::spawn_program_image(name, bytes_of(start, end), {argv, 1, envp, 2});
    if (task.is_error())
        return -1000 - static_cast<int>(task.error().code());
    return task.value().join();
}

} // namespace

// The program prints "hello from a static program 6 1" (TLS, relocated pointers and bss at work) and
// returns 0 from main; the end-to-end test reads the line from the serial log.
KTEST(static_program_from_musl_runs_and_exits_zero) {
    KEXPECT_EQ(run(musl_static_start, musl_static_end, "/bin/musl-static"), 0);
}

KTEST(static_pie_program_runs_at_its_bias) {
    KEXPECT_EQ(run(musl_static_pie_start, musl_static_pie_end, "/bin/musl-static-pie"), 0);
}

// The loader never writes where the program may not: a static-PIE whose first relocation is aimed
// at its own text is refused with ENOEXEC instead of having its code patched.
KTEST(a_relocation_aimed_at_text_is_refused_with_enoexec) {
    size_t size = static_cast<size_t>(musl_static_pie_end - musl_static_pie_start);
    auto* copy = static_cast<uint8_t*>(mm::kmalloc(size, 64));
    KASSERT(copy != nullptr);
    memcpy(copy, musl_static_pie_start, size);
    ktl::ByteReader bytes(copy, size);
    auto elf = elf::ElfFile::parse(bytes);
    KASSERT(!elf.is_error());
    auto relocations = elf.value().section_by_name(".rela.dyn");
    auto text = elf.value().section_by_name(".text");
    KASSERT(!relocations.is_error() && !text.is_error() && relocations.value().bytes.size() >= 24);
    // Elf64_Rela's r_offset: where the relocation writes.
    size_t entry = static_cast<size_t>(relocations.value().bytes.data() - copy);
    uint64_t target = text.value().address;
    memcpy(copy + entry, &target, sizeof target);
    ktl::StringView argv[] = {"patched"};
    auto task = proc::spawn_program_image("patched", ktl::ByteReader(copy, size), {argv, 1, nullptr, 0});
    KEXPECT(task.is_error() && task.error().code() == ktl::Errno::ExecFormat);
    mm::kfree(copy);
}

KTEST(dynamically_linked_program_is_refused_with_enoexec) {
    KEXPECT_EQ(run(musl_dynamic_start, musl_dynamic_end, "/bin/musl-dynamic"), -1000 - 8);
}

namespace {

// A program from the initrd (the userland build), with its arguments.
ktl::ErrorOr<sched::TaskHandle> start_from_initrd(ktl::StringView path, const ktl::StringView* arguments,
                                                  size_t count) {
    ktl::StringView envp[] = {"HOME=/"};
    return proc::spawn_program(path, {arguments, count, envp, 1});
}

// Lets every exited task go before memory is counted: a child's task may still be on its way out
// (preempted between becoming a zombie and switching away) when its parent's wait returns, so a few
// reaps apart in time.
void settle_exited_tasks() {
    for (int i = 0; i < 3; ++i) {
        sched::reap_exited_tasks_now();
        sched::sleep_for(2'000'000);
    }
    sched::reap_exited_tasks_now();
    mm::trim_kernel_heap();
}

} // namespace

// Each way a program can fault ends it with Linux's signal (as 128 + signal here, 139 for SIGSEGV),
// while another program goes on printing, and the kernel with it.
KTEST(faulting_programs_die_by_their_signal_while_another_keeps_running) {
    KASSERT(fs::has_initrd());
    ktl::StringView ticker_arguments[] = {"/bin/ticker", "40"};
    auto ticker = start_from_initrd("/bin/ticker", ticker_arguments, 2);
    KASSERT(!ticker.is_error());
    struct {
        const char* kind;
        int signal;
    } const faults[] = {
        {"null-read", 11},      {"null-write", 11},     {"gp", 11},       {"ud", 4}, {"divide", 8},
        {"stack-overflow", 11}, {"write-readonly", 11}, {"exec-data", 11}};
    // Ran meanwhile: switched to while the faults happened (whether or not it finished before the
    // last one, which depends on how fast the host is).
    uint64_t ticker_switches_before = ticker.value().task()->entity.switches;
    for (const auto& fault : faults) {
        ktl::StringView arguments[] = {"/bin/fault", fault.kind};
        auto task = start_from_initrd("/bin/fault", arguments, 2);
        KASSERT(!task.is_error());
        KEXPECT_EQ(task.value().join(), 128 + fault.signal);
    }
    KEXPECT(ticker.value().task()->entity.switches > ticker_switches_before);
    KEXPECT_EQ(ticker.value().join(), 0);
}

// xv6's usertests idea: count free frames around many whole process lives.
KTEST(a_thousand_processes_created_and_ended_give_back_every_frame) {
    KASSERT(fs::has_initrd());
    ktl::StringView arguments[] = {"/bin/getpid-loop", "1", "syscall"};
    MUST(start_from_initrd("/bin/getpid-loop", arguments, 3)).join(); // warm the slabs
    settle_exited_tasks();
    mm::MemoryStatistics before = mm::memory_statistics();
    size_t processes_before = proc::process_count();
    for (int round = 0; round < 1000; ++round)
        KASSERT_EQ(MUST(start_from_initrd("/bin/getpid-loop", arguments, 3)).join(), 0);
    settle_exited_tasks();
    mm::MemoryStatistics after = mm::memory_statistics();
    KEXPECT_EQ(proc::process_count(), processes_before);
    KEXPECT_EQ(after.frames.free_frames, before.frames.free_frames);
    KEXPECT_EQ(after.heap.bytes_allocated, before.heap.bytes_allocated);
    KEXPECT_EQ(after.kernel_stacks, before.kernel_stacks);
}

// The count: fork, a child that writes a copy-on-write page of the parent's heap, exit and
// wait, ten thousand times; then frames, heap, stacks and processes are where they started.
KTEST(ten_thousand_forks_give_back_every_frame_task_and_process) {
    KASSERT(fs::has_initrd());
    ktl::StringView warm_up[] = {"/bin/fork-loop", "2", "16"};
    KASSERT_EQ(MUST(start_from_initrd("/bin/fork-loop", warm_up, 3)).join(), 0); // warm the slabs
    settle_exited_tasks();
    mm::MemoryStatistics before = mm::memory_statistics();
    size_t processes_before = proc::process_count();
    ktl::StringView arguments[] = {"/bin/fork-loop", "10000", "16"};
    KASSERT_EQ(MUST(start_from_initrd("/bin/fork-loop", arguments, 3)).join(), 0);
    settle_exited_tasks();
    mm::MemoryStatistics after = mm::memory_statistics();
    KEXPECT_EQ(proc::process_count(), processes_before);
    KEXPECT_EQ(after.frames.free_frames, before.frames.free_frames);
    KEXPECT_EQ(after.heap.bytes_allocated, before.heap.bytes_allocated);
    KEXPECT_EQ(after.kernel_stacks, before.kernel_stacks);
}

namespace {

// Until the tasks and processes are back at the counts taken before the program started (bounded).
// join() follows the main task and pthread_join returns once a thread's tid word is cleared: a
// thread may still be leaving (holding its address space and kernel stack) when either returns.
// Counting, not sleeping: exact, and a real leak still fails the checks after it.
void settle(uint64_t tasks, size_t processes) {
    for (int round = 0; round < 100'000; ++round) {
        sched::reap_exited_tasks_now();
        if (sched::statistics().live_tasks <= tasks && proc::process_count() <= processes)
            return;
        sched::yield();
    }
}

} // namespace

// A thousand pthread_create + pthread_join cycles in one process: every thread's kernel stack, FPU
// state, signal state and tid go back, and the process count is where it started.
KTEST(a_thousand_threads_created_and_joined_give_back_every_frame_task_and_pid) {
    KASSERT(fs::has_initrd());
    sched::reap_exited_tasks_now();
    size_t processes_before = proc::process_count();
    uint64_t tasks_before = sched::statistics().live_tasks;
    ktl::StringView warm_up[] = {"/bin/thread-loop", "4"};
    KASSERT_EQ(MUST(start_from_initrd("/bin/thread-loop", warm_up, 2)).join(), 0); // warm the slabs
    settle(tasks_before, processes_before);
    mm::trim_kernel_heap();
    mm::MemoryStatistics before = mm::memory_statistics();
    uint64_t pids[64];
    size_t pids_before = proc::list_pids(pids, 64);
    ktl::StringView arguments[] = {"/bin/thread-loop", "1000"};
    KASSERT_EQ(MUST(start_from_initrd("/bin/thread-loop", arguments, 2)).join(), 0);
    settle(tasks_before, processes_before);
    mm::trim_kernel_heap();
    mm::MemoryStatistics after = mm::memory_statistics();
    KEXPECT_EQ(proc::process_count(), processes_before);
    KEXPECT_EQ(sched::statistics().live_tasks, tasks_before);
    KEXPECT_EQ(proc::list_pids(pids, 64), pids_before);
    KEXPECT_EQ(after.frames.free_frames, before.frames.free_frames);
    KEXPECT_EQ(after.heap.bytes_allocated, before.heap.bytes_allocated);
    KEXPECT_EQ(after.kernel_stacks, before.kernel_stacks);
}

// A fork bomb stops at the process table's size with EAGAIN; the kernel and the bomb's own parent
// go on, and everything comes back.
KTEST(a_fork_bomb_gets_eagain_and_leaves_nothing_behind) {
    KASSERT(fs::has_initrd());
    ktl::StringView arguments[] = {"/bin/fork-loop", "bomb"};
    // The first bomb grows what the kernel keeps (page tables for 400 kernel stacks, slabs);
    // the second must give back everything it takes.
    KASSERT_EQ(MUST(start_from_initrd("/bin/fork-loop", arguments, 2)).join(), 0);
    settle_exited_tasks();
    mm::MemoryStatistics before = mm::memory_statistics();
    size_t processes_before = proc::process_count();
    KASSERT_EQ(MUST(start_from_initrd("/bin/fork-loop", arguments, 2)).join(), 0);
    settle_exited_tasks();
    mm::MemoryStatistics after = mm::memory_statistics();
    KEXPECT_EQ(proc::process_count(), processes_before);
    KEXPECT_EQ(after.frames.free_frames, before.frames.free_frames);
    KEXPECT_EQ(after.heap.bytes_allocated, before.heap.bytes_allocated);
    KEXPECT_EQ(after.kernel_stacks, before.kernel_stacks);
}

// Read-only program pages are built once and then shared by every run of the program.
KTEST(read_only_program_pages_are_built_once_with_the_files_bytes) {
    KASSERT(fs::has_initrd());
    fs::Lookup lookup{fs::root_path(), fs::root_path(), {}, 022};
    proc::ExecutableFile executable = MUST(proc::open_executable(lookup, "/bin/getpid-loop"));
    KASSERT(executable.image->is_shareable()); // unpacked from the initrd and never written
    ktl::ByteReader file = executable.image->bytes();
    auto image = elf::ProgramImage::parse(file, {});
    KASSERT(!image.is_error());
    const elf::Mapping* read_only = nullptr;
    const elf::Mapping* writable = nullptr;
    for (const elf::Mapping& mapping : image.value().mappings()) {
        if (!mapping.writable && mapping.file_bytes > 0 && !read_only)
            read_only = &mapping;
        if (mapping.writable && !writable)
            writable = &mapping;
    }
    KASSERT(read_only && writable);
    uint64_t page = read_only->copy_start & ~(arch::page_size - 1);
    uint64_t frame = MUST(proc::shared_program_page(file, *read_only, page));
    KEXPECT_EQ(MUST(proc::shared_program_page(file, *read_only, page)), frame);
    // The page holds the file's bytes where the mapping copies them.
    const uint8_t* bytes = mm::physical_to_virtual<uint8_t>(frame);
    size_t offset = read_only->copy_start - page;
    size_t length =
        read_only->file_bytes < arch::page_size - offset ? read_only->file_bytes : arch::page_size - offset;
    KEXPECT(memcmp(bytes + offset, file.data() + read_only->file_offset, length) == 0);
    KEXPECT(proc::shared_program_page(file, *writable, writable->virtual_start).is_error());
    KEXPECT(proc::shared_program_page(file, *read_only, read_only->virtual_end).is_error());
}

KTEST(a_second_run_of_a_program_adds_no_shared_pages) {
    KASSERT(fs::has_initrd());
    ktl::StringView arguments[] = {"/bin/getpid-loop", "1", "syscall"};
    KASSERT_EQ(MUST(start_from_initrd("/bin/getpid-loop", arguments, 3)).join(), 0);
    size_t pages = proc::shared_program_page_count();
    KEXPECT(pages > 0);
    KASSERT_EQ(MUST(start_from_initrd("/bin/getpid-loop", arguments, 3)).join(), 0);
    KEXPECT_EQ(proc::shared_program_page_count(), pages);
}

// A process that takes every free frame is killed (SIGKILL, logged), everything it took comes back,
// and the next program's allocations work (fork-loop's hog mode checks that part).
KTEST(a_process_that_exhausts_memory_is_killed_and_the_kernel_goes_on) {
    KASSERT(fs::has_initrd());
    ktl::StringView arguments[] = {"/bin/fork-loop", "hog"};
    settle_exited_tasks();
    uint64_t free_before = mm::memory_statistics().frames.free_frames;
    KASSERT_EQ(MUST(start_from_initrd("/bin/fork-loop", arguments, 2)).join(), 0);
    // Caches the kernel dropped under the pressure only make more room; a leak of the hog's memory
    // would show as most of the machine. What the kill set going (the hog's last thread leaving, the
    // reclaim task) may still be under way on a slow tick: give it up to a second.
    uint64_t free_after = 0;
    for (int attempt = 0; attempt < 100; ++attempt) {
        settle_exited_tasks();
        free_after = mm::memory_statistics().frames.free_frames;
        if (free_after + 256 >= free_before)
            break;
        sched::sleep_for(10'000'000);
    }
    if (free_after + 256 < free_before)
        klog::error("ktest", "frames free before the hog: {}, after: {}", free_before, free_after);
    KEXPECT(free_after + 256 >= free_before);
}

// Processes that exit or exec with interval and POSIX timers armed leave no timer, memory or task
// behind (timer_test's scenarios, through its name filter).
KTEST(timers_of_processes_that_exit_or_exec_are_freed) {
    KASSERT(fs::has_initrd());
    ktl::StringView arguments[] = {"/tests/timer_test", "timers_are_freed"};
    KASSERT_EQ(MUST(start_from_initrd("/tests/timer_test", arguments, 2)).join(), 0); // warm up
    settle_exited_tasks();
    mm::MemoryStatistics before = mm::memory_statistics();
    size_t timers_before = proc::timer_count();
    size_t processes_before = proc::process_count();
    for (int round = 0; round < 3; ++round)
        KASSERT_EQ(MUST(start_from_initrd("/tests/timer_test", arguments, 2)).join(), 0);
    settle_exited_tasks();
    mm::MemoryStatistics after = mm::memory_statistics();
    KEXPECT_EQ(proc::process_count(), processes_before);
    // Counting alone could miss a leak (a new process may reuse a dead one's address and with it
    // a stale timer): with no process left, no timer may be.
    if (processes_before == 0)
        KEXPECT_EQ(proc::timer_count(), size_t{0});
    KEXPECT_EQ(proc::timer_count(), timers_before);
    KEXPECT_EQ(after.kernel_stacks, before.kernel_stacks);
    KEXPECT_EQ(after.frames.free_frames, before.frames.free_frames);
    KEXPECT_EQ(after.heap.bytes_allocated, before.heap.bytes_allocated);
}
