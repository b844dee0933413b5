// Leaks in the file calls, the way xv6's usertests look for them: a call repeated 10,000 times
// must leave the free frames, the heap, tmpfs's inodes and pages, the dentry cache and the pipe
// count where they were. Each cycle is kept minimal so the suite stays fast under TCG.
#include "arch/paging.h"
#include "fs/pipe.h"
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs.h"
#include "mm/address_space.h"
#include "mm/kernel_heap.h"
#include "mm/statistics.h"
#include "test/ktest.h"

namespace {

constexpr int cycles = 10'000;
constexpr ktl::StringView scratch = "/tmp/vfs-leak";

struct Baseline {
    uint64_t free_frames;
    size_t heap_bytes;
    size_t heap_allocations;
    size_t inodes;
    size_t pages;
    size_t dentries;
    size_t cached;
    size_t pipes;

    static Baseline now() {
        mm::trim_kernel_heap();
        mm::MemoryStatistics memory = mm::memory_statistics();
        return {memory.frames.free_frames,        memory.heap.bytes_allocated,
                memory.heap.live_allocations,     fs::tmpfs::inode_count(),
                fs::tmpfs::page_count(),          fs::dentry_cache::dentry_count(),
                fs::dentry_cache::cached_count(), fs::pipe_count()};
    }
};

// Every counter back where it was.
void expect_back_at(const Baseline& before, const char* what) {
    Baseline after = Baseline::now();
    auto check = [&](const char* counter, uint64_t was, uint64_t is) {
        if (was != is)
            ktest::fail(__FILE__, __LINE__, "after the cycles of {}: {} was {}, is {}", what, counter, was,
                        is);
    };
    check("free frames", before.free_frames, after.free_frames);
    check("heap bytes", before.heap_bytes, after.heap_bytes);
    check("heap allocations", before.heap_allocations, after.heap_allocations);
    check("tmpfs inodes", before.inodes, after.inodes);
    check("tmpfs pages", before.pages, after.pages);
    check("dentries", before.dentries, after.dentries);
    check("cached dentries", before.cached, after.cached);
    check("pipes", before.pipes, after.pipes);
}

// A scratch directory in /tmp, removed again at the end.
class Scratch {
public:
    Scratch() : m_system{fs::root_path(), fs::root_path(), {}, 0} {
        m_made = !fs::make_directory(m_system, scratch, 0755).is_error();
    }
    ~Scratch() {
        if (m_made)
            (void)fs::remove(m_system, scratch, true);
    }
    bool made() const { return m_made; }
    const fs::Lookup& lookup() const { return m_system; }

private:
    fs::Lookup m_system;
    bool m_made = false;
};

// Runs `cycle` once to warm caches (hash tables sized, the heap's slabs made), takes the baseline,
// runs it `cycles` times and compares. Stops at the first failing cycle.
template <typename Cycle>
void run_cycles(const char* what, Cycle cycle) {
    if (!cycle()) {
        ktest::fail(__FILE__, __LINE__, "the first cycle of {} failed", what);
        return;
    }
    Baseline before = Baseline::now();
    for (int i = 0; i < cycles; ++i) {
        if (!cycle()) {
            ktest::fail(__FILE__, __LINE__, "cycle {} of {} failed", i, what);
            return;
        }
    }
    expect_back_at(before, what);
}

const char content[] = "a few bytes, less than a page";

} // namespace

KTEST(after_10000_create_write_unlink_cycles_memory_inodes_and_dentries_are_back_at_their_baseline) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    const fs::Lookup& lookup = scratch_directory.lookup();
    run_cycles("create, write, unlink", [&] {
        auto file = fs::open(lookup, "/tmp/vfs-leak/file", fs::open_write_only | fs::open_create, 0644);
        if (file.is_error())
            return false;
        auto written =
            file.value()->write(fs::IoBuffer::kernel(static_cast<const void*>(content)), sizeof content);
        if (written.is_error())
            return false;
        return !fs::remove(lookup, "/tmp/vfs-leak/file", false).is_error();
    });
}

KTEST(after_10000_opens_and_closes_of_one_file_memory_and_dentries_are_back_at_their_baseline) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    const fs::Lookup& lookup = scratch_directory.lookup();
    KASSERT(!fs::open(lookup, "/tmp/vfs-leak/file", fs::open_write_only | fs::open_create, 0644).is_error());
    run_cycles("open, close",
               [&] { return !fs::open(lookup, "/tmp/vfs-leak/file", fs::open_read_only, 0).is_error(); });
    KEXPECT(!fs::remove(lookup, "/tmp/vfs-leak/file", false).is_error());
}

KTEST(after_10000_renames_back_and_forth_memory_and_dentries_are_back_at_their_baseline) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    const fs::Lookup& lookup = scratch_directory.lookup();
    KASSERT(!fs::open(lookup, "/tmp/vfs-leak/one", fs::open_write_only | fs::open_create, 0644).is_error());
    KASSERT(!fs::make_directory(lookup, "/tmp/vfs-leak/sub", 0755).is_error());
    run_cycles("rename there and back", [&] {
        return !fs::rename(lookup, "/tmp/vfs-leak/one", lookup, "/tmp/vfs-leak/sub/two", 0).is_error() &&
               !fs::rename(lookup, "/tmp/vfs-leak/sub/two", lookup, "/tmp/vfs-leak/one", 0).is_error();
    });
    KEXPECT(!fs::remove(lookup, "/tmp/vfs-leak/one", false).is_error());
    KEXPECT(!fs::remove(lookup, "/tmp/vfs-leak/sub", true).is_error());
}

KTEST(after_10000_mkdir_rmdir_cycles_memory_inodes_and_dentries_are_back_at_their_baseline) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    const fs::Lookup& lookup = scratch_directory.lookup();
    run_cycles("mkdir, rmdir", [&] {
        return !fs::make_directory(lookup, "/tmp/vfs-leak/directory", 0755).is_error() &&
               !fs::remove(lookup, "/tmp/vfs-leak/directory", true).is_error();
    });
}

KTEST(after_10000_symlink_unlink_cycles_memory_inodes_and_dentries_are_back_at_their_baseline) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    const fs::Lookup& lookup = scratch_directory.lookup();
    run_cycles("symlink, unlink", [&] {
        return !fs::make_symlink(lookup, "somewhere/else", "/tmp/vfs-leak/link").is_error() &&
               !fs::remove(lookup, "/tmp/vfs-leak/link", false).is_error();
    });
}

KTEST(after_10000_pipes_made_and_closed_memory_and_the_pipe_count_are_back_at_their_baseline) {
    run_cycles("pipe, close", [] {
        auto ends = fs::create_pipe(0);
        if (ends.is_error())
            return false;
        char byte = 'x';
        return !ends.value()
                    .write_end->write(fs::IoBuffer::kernel(static_cast<const void*>(&byte)), 1)
                    .is_error();
    });
}

// Truncating a mapped tmpfs file (mm::unmap_object_pages): the cut pages leave the space that
// faulted them in and its fork's child, a fault there is past the object, the file's pages are freed
// at once (not when the mapping goes), private copies of cut pages are freed, and after the rounds
// everything is back at its baseline.
KTEST(truncating_a_mapped_file_unmaps_the_cut_pages_everywhere_and_frees_them_at_once) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    const fs::Lookup& lookup = scratch_directory.lookup();
    constexpr uint64_t page = arch::page_size;
    constexpr uint64_t shared_start = 0x400000, private_start = 0x800000;
    const mm::Protection read_write = mm::Protection::Read | mm::Protection::Write;
    auto mapped_round = [&](fs::Inode& inode) -> bool {
        if (inode.truncate(4 * page).is_error())
            return false;
        mm::AddressSpace* space = MUST(mm::AddressSpace::create());
        bool ok = !space
                       ->map_object(shared_start, 4 * page, read_write, read_write, true,
                                    MUST(inode.create_mapping()), 0, true)
                       .is_error() &&
                  !space
                       ->map_object(private_start, 4 * page, read_write, read_write, false,
                                    MUST(inode.create_mapping()), 0, true)
                       .is_error();
        // Every page of the file made by shared writes; pages 0 and 3 copied by private writes.
        for (uint64_t i = 0; ok && i < 4; ++i)
            ok = space->handle_page_fault(shared_start + i * page, true, false) ==
                 arch::PageFaultOutcome::Resolved;
        for (uint64_t i : {0, 3})
            ok = ok && space->handle_page_fault(private_start + i * page, true, false) ==
                           arch::PageFaultOutcome::Resolved;
        ok = ok &&
             space->handle_page_fault(private_start + page, false, false) == arch::PageFaultOutcome::Resolved;
        auto child = space->fork();
        ok = ok && !child.is_error();
        size_t pages_before = fs::tmpfs::page_count();
        ok = ok && !inode.truncate(page).is_error();
        // Freed now, while still mapped, not when the mappings go.
        ok = ok && fs::tmpfs::page_count() == pages_before - 3;
        for (mm::AddressSpace* in : {space, child.is_error() ? space : child.value()}) {
            for (uint64_t i = 1; ok && i < 4; ++i)
                ok = in->translate(shared_start + i * page).is_error() &&
                     in->translate(private_start + i * page).is_error();
            ok = ok && !in->translate(shared_start).is_error() && !in->translate(private_start).is_error();
            ok = ok && in->handle_page_fault(shared_start + 2 * page, false, false) ==
                           arch::PageFaultOutcome::BeyondObject;
            ok = ok && in->handle_page_fault(private_start + 3 * page, true, false) ==
                           arch::PageFaultOutcome::BeyondObject;
        }
        if (!child.is_error())
            mm::AddressSpace::destroy(child.value());
        mm::AddressSpace::destroy(space);
        return ok;
    };
    auto round = [&]() -> bool {
        bool ok;
        {
            auto file = fs::open(lookup, "/tmp/vfs-leak/mapped", fs::open_read_write | fs::open_create, 0644);
            if (file.is_error())
                return false;
            ok = mapped_round(*file.value()->inode());
        }
        return !fs::remove(lookup, "/tmp/vfs-leak/mapped", false).is_error() && ok;
    };
    if (!round()) {
        ktest::fail(__FILE__, __LINE__, "the first round of map, fault, fork, truncate failed");
        return;
    }
    Baseline before = Baseline::now();
    for (int i = 0; i < 200; ++i) {
        if (!round()) {
            ktest::fail(__FILE__, __LINE__, "round {} of map, fault, fork, truncate failed", i);
            return;
        }
    }
    expect_back_at(before, "map, fault, fork, truncate");
}
