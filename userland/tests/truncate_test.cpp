// Truncating a file that is mapped, as Linux does it: the pages past the new end leave every mapping
// (a later access gets SIGBUS), the kept part reads as before, a file grown again reads zeros through
// the old mapping, a forked child's mapping loses the pages too, and a private mapping keeps the
// copies it wrote within the file. Works in a directory made under /tmp ($TMPDIR if set): tmpfs under
// init, the ext2 disk when ext2-root.sh runs it from an ext2 root.
#include "test/test.h"

#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

constexpr size_t kPage = 4096;

// A file of `pages` pages in a fresh directory under /tmp: page i filled with 'a' + i. Both go when
// the object does.
class PagedFile {
public:
    explicit PagedFile(size_t pages) {
        const char* base = getenv("TMPDIR"); // another file system to try it on
        snprintf(dir_, sizeof(dir_), "%s/truncate_test.XXXXXX", base && base[0] ? base : "/tmp");
        if (mkdtemp(dir_) == nullptr) {
            dir_[0] = '\0';
            return;
        }
        snprintf(path_, sizeof(path_), "%s/file", dir_);
        fd_ = open(path_, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        char page[kPage];
        for (size_t i = 0; fd_ >= 0 && i < pages; ++i) {
            memset(page, 'a' + static_cast<int>(i), kPage);
            if (pwrite(fd_, page, kPage, static_cast<off_t>(i * kPage)) != static_cast<ssize_t>(kPage)) {
                close(fd_);
                fd_ = -1;
            }
        }
    }
    ~PagedFile() {
        if (fd_ >= 0)
            close(fd_);
        if (dir_[0] != '\0') {
            unlink(path_);
            rmdir(dir_);
        }
    }
    PagedFile(const PagedFile&) = delete;
    PagedFile& operator=(const PagedFile&) = delete;

    [[nodiscard]] bool ok() const { return fd_ >= 0; }
    [[nodiscard]] int fd() const { return fd_; }
    [[nodiscard]] const char* dir() const { return dir_; }

private:
    char dir_[128] = {};
    char path_[160] = {};
    int fd_ = -1;
};

sigjmp_buf g_escape;
void on_bus(int) {
    siglongjmp(g_escape, 1);
}

// Whether touching `address` (a read, or a write of `value` when `write`) raises SIGBUS. A handler
// catches it and jumps back here; nothing else is changed. A read that works leaves the byte in `seen`.
bool raises_sigbus(volatile char* address, bool write = false, char value = 0, char* seen = nullptr) {
    struct sigaction action {
    }, saved{};
    action.sa_handler = on_bus;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &saved);
    volatile bool faulted = false;
    if (sigsetjmp(g_escape, 1) == 0) {
        if (write)
            *address = value;
        else if (seen)
            *seen = *address;
        else
            (void)*address;
    } else {
        faulted = true;
    }
    sigaction(SIGBUS, &saved, nullptr);
    return faulted;
}

bool all_equal(const volatile char* data, size_t size, char value) {
    for (size_t i = 0; i < size; ++i)
        if (data[i] != value)
            return false;
    return true;
}

char* map(int fd, size_t pages, int flags) {
    void* mapping = mmap(nullptr, pages * kPage, PROT_READ | PROT_WRITE, flags, fd, 0);
    return mapping == MAP_FAILED ? nullptr : static_cast<char*>(mapping);
}

// Reads every page, so each is mapped before the truncation (nothing left to demand paging).
void touch_all(const volatile char* mapping, size_t pages) {
    for (size_t i = 0; i < pages; ++i)
        (void)mapping[i * kPage];
}

} // namespace

TEST(truncating_a_shared_mapped_file_makes_the_cut_pages_raise_sigbus_and_keeps_the_rest) {
    PagedFile file(4);
    ASSERT_TRUE(file.ok());
    char* mapping = map(file.fd(), 4, MAP_SHARED);
    ASSERT_TRUE(mapping != nullptr);
    touch_all(mapping, 4);
    // Mapped pages past the new end do not keep a truncation from happening (no ETXTBSY).
    ASSERT_EQ(ftruncate(file.fd(), kPage + 100), 0);
    EXPECT_TRUE(all_equal(mapping, kPage, 'a'));
    EXPECT_TRUE(all_equal(mapping + kPage, 100, 'b'));
    // The rest of the last page reads as zeros, and may be written without changing the size.
    EXPECT_TRUE(all_equal(mapping + kPage + 100, kPage - 100, 0));
    EXPECT_FALSE(raises_sigbus(mapping + 2 * kPage - 1, true, 'z'));
    struct stat status {};
    ASSERT_EQ(fstat(file.fd(), &status), 0);
    EXPECT_EQ(status.st_size, static_cast<off_t>(kPage + 100));
    // Whole pages past the end: gone, for reads and writes.
    EXPECT_TRUE(raises_sigbus(mapping + 2 * kPage));
    EXPECT_TRUE(raises_sigbus(mapping + 3 * kPage + 7, true, 'z'));
    // A write through the mapping still reaches the file.
    mapping[5] = 'Q';
    char byte = 0;
    EXPECT_EQ(pread(file.fd(), &byte, 1, 5), 1);
    EXPECT_EQ(byte, 'Q');
    EXPECT_EQ(munmap(mapping, 4 * kPage), 0);
}

TEST(a_file_grown_again_reads_zeros_through_the_mapping_made_before_the_truncation) {
    PagedFile file(3);
    ASSERT_TRUE(file.ok());
    char* mapping = map(file.fd(), 3, MAP_SHARED);
    ASSERT_TRUE(mapping != nullptr);
    touch_all(mapping, 3);
    ASSERT_EQ(ftruncate(file.fd(), kPage + 10), 0);
    ASSERT_EQ(ftruncate(file.fd(), 3 * kPage), 0);
    EXPECT_TRUE(all_equal(mapping, kPage, 'a'));
    EXPECT_TRUE(all_equal(mapping + kPage, 10, 'b'));
    EXPECT_TRUE(all_equal(mapping + kPage + 10, 2 * kPage - 10, 0));
    // What write(2) puts there now is what the mapping shows: no old page stayed behind.
    ASSERT_EQ(pwrite(file.fd(), "new", 3, 2 * kPage), 3);
    EXPECT_EQ(memcmp(mapping + 2 * kPage, "new", 3), 0);
    EXPECT_EQ(munmap(mapping, 3 * kPage), 0);
}

TEST(truncating_to_zero_and_writing_again_shows_the_new_data_through_the_mapping) {
    PagedFile file(1);
    ASSERT_TRUE(file.ok());
    char* mapping = map(file.fd(), 1, MAP_SHARED);
    ASSERT_TRUE(mapping != nullptr);
    EXPECT_EQ(mapping[0], 'a');
    ASSERT_EQ(ftruncate(file.fd(), 0), 0);
    EXPECT_TRUE(raises_sigbus(mapping));
    ASSERT_EQ(pwrite(file.fd(), "fresh", 5, 0), 5);
    EXPECT_EQ(memcmp(mapping, "fresh", 5), 0);
    EXPECT_TRUE(all_equal(mapping + 5, kPage - 5, 0));
    EXPECT_EQ(munmap(mapping, kPage), 0);
}

TEST(a_private_mapping_keeps_its_copies_within_the_file_and_loses_every_page_past_its_end) {
    PagedFile file(4);
    ASSERT_TRUE(file.ok());
    char* mapping = map(file.fd(), 4, MAP_PRIVATE);
    ASSERT_TRUE(mapping != nullptr);
    // Pages 0 and 3 become the mapping's own copies; 1 and 2 still show the file.
    mapping[0] = 'P';
    mapping[3 * kPage] = 'P';
    touch_all(mapping, 4);
    ASSERT_EQ(ftruncate(file.fd(), 2 * kPage), 0);
    EXPECT_EQ(mapping[0], 'P');
    EXPECT_TRUE(all_equal(mapping + 1, kPage - 1, 'a'));
    EXPECT_TRUE(all_equal(mapping + kPage, kPage, 'b'));
    // An untouched private page still shows the file: a change through write(2) shows.
    ASSERT_EQ(pwrite(file.fd(), "W", 1, kPage), 1);
    EXPECT_EQ(mapping[kPage], 'W');
    // Past the end, the file's page and the private copy alike are gone (Linux's truncate drops
    // private copies too); a write there is refused the same way.
    EXPECT_TRUE(raises_sigbus(mapping + 2 * kPage));
    EXPECT_TRUE(raises_sigbus(mapping + 3 * kPage));
    EXPECT_TRUE(raises_sigbus(mapping + 3 * kPage, true, 'x'));
    // Grown again: the copy is not back, the file's zeros are.
    ASSERT_EQ(ftruncate(file.fd(), 4 * kPage), 0);
    EXPECT_TRUE(all_equal(mapping + 2 * kPage, 2 * kPage, 0));
    EXPECT_EQ(mapping[0], 'P');
    EXPECT_EQ(munmap(mapping, 4 * kPage), 0);
}

TEST(a_forked_childs_mapping_loses_the_truncated_pages_too) {
    PagedFile file(3);
    ASSERT_TRUE(file.ok());
    char* shared = map(file.fd(), 3, MAP_SHARED);
    char* private_mapping = map(file.fd(), 3, MAP_PRIVATE);
    ASSERT_TRUE(shared != nullptr && private_mapping != nullptr);
    touch_all(shared, 3);
    touch_all(private_mapping, 3);
    private_mapping[0] = 'C'; // a copy the child inherits
    int go[2], done[2];
    ASSERT_EQ(pipe(go), 0);
    ASSERT_EQ(pipe(done), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // Every page is mapped in the child before the parent truncates.
        touch_all(shared, 3);
        touch_all(private_mapping, 3);
        char signal = 0;
        if (write(done[1], "r", 1) != 1 || read(go[0], &signal, 1) != 1)
            _exit(10);
        if (!raises_sigbus(shared + kPage) || !raises_sigbus(shared + 2 * kPage))
            _exit(11);
        if (!raises_sigbus(private_mapping + kPage) || !raises_sigbus(private_mapping + 2 * kPage))
            _exit(12);
        if (shared[0] != 'a' || private_mapping[0] != 'C' || private_mapping[1] != 'a')
            _exit(13);
        _exit(0);
    }
    char ready = 0;
    ASSERT_EQ(read(done[0], &ready, 1), 1);
    ASSERT_EQ(ftruncate(file.fd(), kPage), 0);
    ASSERT_EQ(write(go[1], "g", 1), 1);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    // The parent's own mappings likewise.
    EXPECT_TRUE(raises_sigbus(shared + kPage));
    EXPECT_TRUE(raises_sigbus(private_mapping + 2 * kPage));
    EXPECT_EQ(private_mapping[0], 'C');
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
    munmap(shared, 3 * kPage);
    munmap(private_mapping, 3 * kPage);
}

TEST(rounds_of_map_truncate_and_unmap_leave_the_file_readable_and_its_size_right) {
    PagedFile file(8);
    ASSERT_TRUE(file.ok());
    for (int round = 0; round < 50; ++round) {
        char* mapping = map(file.fd(), 8, MAP_SHARED);
        ASSERT_TRUE(mapping != nullptr);
        touch_all(mapping, 8);
        memset(mapping + 7 * kPage, 'x', kPage);
        ASSERT_EQ(ftruncate(file.fd(), 3 * kPage), 0);
        bool cut = raises_sigbus(mapping + 7 * kPage);
        EXPECT_TRUE(cut);
        if (!cut) {
            fprintf(stderr, "round %d\n", round);
            munmap(mapping, 8 * kPage);
            return;
        }
        ASSERT_EQ(ftruncate(file.fd(), 8 * kPage), 0);
        EXPECT_EQ(mapping[7 * kPage], 0);
        EXPECT_EQ(munmap(mapping, 8 * kPage), 0);
    }
    char page[kPage];
    EXPECT_EQ(pread(file.fd(), page, kPage, 0), static_cast<ssize_t>(kPage));
    EXPECT_TRUE(all_equal(page, kPage, 'a'));
}

// A child reads the mapping all the time while the parent cuts the file and fills it again, and
// fills another file (which may get the freed pages): every byte the child sees is one the file
// held there ('a' or the zeros of a regrown file), or SIGBUS; never the other file's 'Z'.
TEST(a_reader_racing_truncations_sees_only_the_files_bytes_or_sigbus) {
    PagedFile file(4);
    ASSERT_TRUE(file.ok());
    char* mapping = map(file.fd(), 4, MAP_SHARED);
    auto* stop = static_cast<volatile int*>(
        mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    ASSERT_TRUE(mapping != nullptr && stop != MAP_FAILED);
    *stop = 0;
    char page[kPage], foreign[kPage];
    memset(page, 'a', kPage);
    memset(foreign, 'Z', kPage);
    for (size_t i = 1; i < 4; ++i) // all of it 'a', as every round leaves it
        ASSERT_EQ(pwrite(file.fd(), page, kPage, static_cast<off_t>(i * kPage)), static_cast<ssize_t>(kPage));
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        unsigned position = 1;
        while (*stop == 0) {
            position = position * 1103515245u + 12345u; // any byte of the four pages
            char value = 0;
            raises_sigbus(mapping + (position >> 8) % (4 * kPage), false, 0, &value);
            if (value != 'a' && value != 0)
                _exit(20);
        }
        _exit(0);
    }
    char other_path[192];
    snprintf(other_path, sizeof(other_path), "%s/other", file.dir());
    int other = open(other_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(other, 0);
    bool ok = true; // on failure the loop stops, and the child is still stopped and reaped
    for (int round = 0; ok && round < 100; ++round) {
        off_t cut = static_cast<off_t>((round % 4) * kPage + (round % 3) * 100);
        ok = ftruncate(file.fd(), cut) == 0 && ftruncate(other, 0) == 0;
        for (size_t i = 0; ok && i < 4; ++i)
            ok =
                pwrite(other, foreign, kPage, static_cast<off_t>(i * kPage)) == static_cast<ssize_t>(kPage) &&
                pwrite(file.fd(), page, kPage, static_cast<off_t>(i * kPage)) == static_cast<ssize_t>(kPage);
        if (round % 10 == 0)
            sched_yield(); // let the reader run between some of the rounds
    }
    EXPECT_TRUE(ok);
    *stop = 1;
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    close(other);
    unlink(other_path);
    munmap(mapping, 4 * kPage);
    munmap(const_cast<int*>(stop), kPage);
}
