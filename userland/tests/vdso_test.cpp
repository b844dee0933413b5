// The vDSO: AT_SYSINFO_EHDR names an ELF shared object exporting Linux's four time functions at version
// LINUX_2.6, found here the way musl finds them (program headers, DT_HASH's symbol count, DT_VERSYM and
// DT_VERDEF), and what they answer agrees with the system calls: each vDSO reading lies between two
// system-call readings of the same clock.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cstdint>
#include <cstring>
#include <ctime>
#include <elf.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

constexpr int64_t kNanosecondsPerSecond = 1'000'000'000;

using ClockGettime = int (*)(clockid_t, timespec*);
using Gettimeofday = int (*)(timeval*, void*);
using Time = time_t (*)(time_t*);
using Getcpu = int (*)(unsigned*, unsigned*, void*);

const Elf64_Ehdr* vdso_header() {
    return reinterpret_cast<const Elf64_Ehdr*>(getauxval(AT_SYSINFO_EHDR));
}

// The version-checked lookup libcs make; nullptr when the name or version is missing.
void* find_vdso_symbol(const char* name, const char* version) {
    const Elf64_Ehdr* header = vdso_header();
    if (!header)
        return nullptr;
    const auto* base = reinterpret_cast<const char*>(header);
    const auto* program_headers = reinterpret_cast<const Elf64_Phdr*>(base + header->e_phoff);
    const Elf64_Dyn* dynamic = nullptr;
    uintptr_t load_bias = 0;
    bool have_load = false;
    for (int i = 0; i < header->e_phnum; ++i) {
        if (program_headers[i].p_type == PT_LOAD) {
            load_bias =
                reinterpret_cast<uintptr_t>(base) + program_headers[i].p_offset - program_headers[i].p_vaddr;
            have_load = true;
        } else if (program_headers[i].p_type == PT_DYNAMIC) {
            dynamic = reinterpret_cast<const Elf64_Dyn*>(base + program_headers[i].p_offset);
        }
    }
    if (!dynamic || !have_load)
        return nullptr;
    const char* strings = nullptr;
    const Elf64_Sym* symbols = nullptr;
    const uint32_t* hash = nullptr;
    const uint16_t* versions = nullptr;
    const Elf64_Verdef* definitions = nullptr;
    for (const Elf64_Dyn* entry = dynamic; entry->d_tag != DT_NULL; ++entry) {
        auto* pointer = reinterpret_cast<const char*>(load_bias + entry->d_un.d_ptr);
        switch (entry->d_tag) {
        case DT_STRTAB:
            strings = pointer;
            break;
        case DT_SYMTAB:
            symbols = reinterpret_cast<const Elf64_Sym*>(pointer);
            break;
        case DT_HASH:
            hash = reinterpret_cast<const uint32_t*>(pointer);
            break;
        case DT_VERSYM:
            versions = reinterpret_cast<const uint16_t*>(pointer);
            break;
        case DT_VERDEF:
            definitions = reinterpret_cast<const Elf64_Verdef*>(pointer);
            break;
        default:
            break;
        }
    }
    if (!strings || !symbols || !hash || !versions || !definitions)
        return nullptr; // Linux's vDSO and ours have all five; musl needs the first three
    for (uint32_t i = 0; i < hash[1]; ++i) {
        const Elf64_Sym& symbol = symbols[i];
        if (symbol.st_shndx == SHN_UNDEF || strcmp(strings + symbol.st_name, name) != 0)
            continue;
        const Elf64_Verdef* definition = definitions;
        for (;;) {
            if (!(definition->vd_flags & VER_FLG_BASE) &&
                (definition->vd_ndx & 0x7fff) == (versions[i] & 0x7fff))
                break;
            if (definition->vd_next == 0)
                return nullptr;
            definition = reinterpret_cast<const Elf64_Verdef*>(reinterpret_cast<const char*>(definition) +
                                                               definition->vd_next);
        }
        const auto* auxiliary = reinterpret_cast<const Elf64_Verdaux*>(
            reinterpret_cast<const char*>(definition) + definition->vd_aux);
        if (strcmp(strings + auxiliary->vda_name, version) != 0)
            continue;
        return reinterpret_cast<void*>(load_bias + symbol.st_value);
    }
    return nullptr;
}

template <typename Function>
Function vdso_function(const char* name) {
    return reinterpret_cast<Function>(find_vdso_symbol(name, "LINUX_2.6"));
}

int64_t nanoseconds(const timespec& time) {
    return time.tv_sec * kNanosecondsPerSecond + time.tv_nsec;
}

int64_t syscall_clock_ns(clockid_t clock) {
    timespec now{};
    sys::raw_syscall(SYS_clock_gettime, clock, sys::arg(&now));
    return nanoseconds(now);
}

// vDSO readings of `clock` each between two system-call readings of it.
void expect_vdso_clock_between_syscalls(clockid_t clock) {
    auto vdso_clock_gettime = vdso_function<ClockGettime>("__vdso_clock_gettime");
    ASSERT_TRUE(vdso_clock_gettime != nullptr);
    for (int i = 0; i < 2000; ++i) {
        int64_t before = syscall_clock_ns(clock);
        timespec now{};
        ASSERT_EQ(vdso_clock_gettime(clock, &now), 0);
        int64_t after = syscall_clock_ns(clock);
        ASSERT_LE(before, nanoseconds(now));
        ASSERT_LE(nanoseconds(now), after);
        ASSERT_LT(now.tv_nsec, kNanosecondsPerSecond);
    }
}

} // namespace

TEST(at_sysinfo_ehdr_points_at_an_elf_shared_object) {
    const Elf64_Ehdr* header = vdso_header();
    ASSERT_TRUE(header != nullptr);
    EXPECT_EQ(memcmp(header->e_ident, ELFMAG, SELFMAG), 0);
    EXPECT_EQ(header->e_ident[EI_CLASS], ELFCLASS64);
    EXPECT_EQ(header->e_type, ET_DYN);
    EXPECT_EQ(header->e_machine, EM_X86_64);
}

TEST(the_vdso_exports_the_four_functions_and_their_aliases_at_linux_2_6) {
    for (const char* name : {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
                             "clock_gettime", "gettimeofday", "time", "getcpu"})
        EXPECT_TRUE(find_vdso_symbol(name, "LINUX_2.6") != nullptr);
    EXPECT_TRUE(find_vdso_symbol("__vdso_clock_gettime", "LINUX_2.5") == nullptr);
    EXPECT_TRUE(find_vdso_symbol("__vdso_no_such_function", "LINUX_2.6") == nullptr);
}

TEST(vdso_monotonic_clock_lies_between_two_system_calls) {
    expect_vdso_clock_between_syscalls(CLOCK_MONOTONIC);
}

TEST(vdso_realtime_clock_lies_between_two_system_calls) {
    expect_vdso_clock_between_syscalls(CLOCK_REALTIME);
}

TEST(vdso_boottime_and_coarse_clocks_lie_between_two_system_calls) {
    expect_vdso_clock_between_syscalls(CLOCK_BOOTTIME);
    expect_vdso_clock_between_syscalls(CLOCK_MONOTONIC_COARSE);
    expect_vdso_clock_between_syscalls(CLOCK_REALTIME_COARSE);
}

TEST(vdso_and_system_call_monotonic_readings_interleave_without_going_back) {
    auto vdso_clock_gettime = vdso_function<ClockGettime>("__vdso_clock_gettime");
    ASSERT_TRUE(vdso_clock_gettime != nullptr);
    int64_t previous = 0;
    for (int i = 0; i < 20'000; ++i) {
        timespec now{};
        if (i % 2)
            ASSERT_EQ(vdso_clock_gettime(CLOCK_MONOTONIC, &now), 0);
        else
            ASSERT_EQ(sys::raw_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, sys::arg(&now)), 0);
        ASSERT_GE(nanoseconds(now), previous);
        previous = nanoseconds(now);
    }
}

TEST(vdso_clock_gettime_passes_other_clocks_to_the_kernel) {
    auto vdso_clock_gettime = vdso_function<ClockGettime>("__vdso_clock_gettime");
    ASSERT_TRUE(vdso_clock_gettime != nullptr);
    timespec cpu_time{};
    EXPECT_EQ(vdso_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_time), 0);
    EXPECT_GT(nanoseconds(cpu_time), 0);
    EXPECT_EQ(vdso_clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_time), 0);
    EXPECT_EQ(vdso_clock_gettime(1000, &cpu_time), -EINVAL); // the raw system call's result
}

TEST(vdso_gettimeofday_lies_between_two_system_calls) {
    auto vdso_gettimeofday = vdso_function<Gettimeofday>("__vdso_gettimeofday");
    ASSERT_TRUE(vdso_gettimeofday != nullptr);
    auto microseconds = [](const timeval& time) { return time.tv_sec * 1'000'000 + time.tv_usec; };
    for (int i = 0; i < 2000; ++i) {
        timeval before{}, now{}, after{};
        sys::raw_syscall(SYS_gettimeofday, sys::arg(&before), 0);
        ASSERT_EQ(vdso_gettimeofday(&now, nullptr), 0);
        sys::raw_syscall(SYS_gettimeofday, sys::arg(&after), 0);
        ASSERT_LE(microseconds(before), microseconds(now));
        ASSERT_LE(microseconds(now), microseconds(after));
        ASSERT_LT(now.tv_usec, 1'000'000);
    }
    EXPECT_EQ(vdso_gettimeofday(nullptr, nullptr), 0);
}

TEST(vdso_time_lies_between_two_system_calls) {
    auto vdso_time = vdso_function<Time>("__vdso_time");
    ASSERT_TRUE(vdso_time != nullptr);
    for (int i = 0; i < 2000; ++i) {
        long before = sys::raw_syscall(SYS_time, 0);
        time_t stored = 0;
        time_t now = vdso_time(&stored);
        long after = sys::raw_syscall(SYS_time, 0);
        ASSERT_EQ(stored, now);
        ASSERT_LE(before, now);
        ASSERT_LE(now, after);
    }
    EXPECT_GT(vdso_time(nullptr), 1'704'067'200); // 2024-01-01T00:00:00Z
}

TEST(vdso_getcpu_returns_a_cpu_this_process_may_run_on) {
    auto vdso_getcpu = vdso_function<Getcpu>("__vdso_getcpu");
    ASSERT_TRUE(vdso_getcpu != nullptr);
    unsigned cpu = ~0u, node = ~0u;
    ASSERT_EQ(vdso_getcpu(&cpu, &node, nullptr), 0);
    EXPECT_LT(cpu, static_cast<unsigned>(CPU_SETSIZE));
    EXPECT_LT(node, 1024u);
    EXPECT_EQ(vdso_getcpu(nullptr, nullptr, nullptr), 0);
    // Pinned to the CPU it reported, the process must keep seeing that CPU.
    cpu_set_t only_this_cpu;
    CPU_ZERO(&only_this_cpu);
    CPU_SET(cpu, &only_this_cpu);
    if (sched_setaffinity(0, sizeof only_this_cpu, &only_this_cpu) == 0) {
        unsigned again = ~0u, from_kernel = ~0u;
        EXPECT_EQ(vdso_getcpu(&again, nullptr, nullptr), 0);
        EXPECT_EQ(sys::raw_syscall(SYS_getcpu, sys::arg(&from_kernel), 0, 0), 0);
        EXPECT_EQ(again, cpu);
        EXPECT_EQ(from_kernel, cpu);
    }
}

TEST(getcpu_system_call_allows_null_pointers_and_refuses_bad_ones) {
    unsigned cpu = ~0u, node = ~0u;
    EXPECT_EQ(sys::raw_syscall(SYS_getcpu, sys::arg(&cpu), sys::arg(&node), 0), 0);
    EXPECT_LT(cpu, static_cast<unsigned>(CPU_SETSIZE));
    EXPECT_EQ(sys::raw_syscall(SYS_getcpu, 0, 0, 0), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_getcpu, 1, 0, 0), -EFAULT);
    EXPECT_EQ(sys::raw_syscall(SYS_getcpu, 0, 1, 0), -EFAULT);
    EXPECT_GE(sched_getcpu(), 0); // musl asks the vDSO's getcpu first
}
