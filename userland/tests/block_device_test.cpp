// Block devices as Linux shows them: nodes (S_ISBLK, their numbers in /sys/dev/block), sizes that
// agree between BLKGETSIZE64, BLKGETSIZE, lseek(SEEK_END) and /sys/class/block/NAME/size, reads and
// writes at any offset through the block cache, fsync, BLKFLSBUF, BLKRRPART, and Linux's errors.
//
// The generic tests use /dev/ram0 (blog_os has one by default; a Linux host usually has none, and
// then they return). With BLOCK_TEST_DISK=/dev/vda the disk tests also run: the end-to-end test boots
// with an image whose every 512-byte sector starts with its number (little-endian u64) followed by
// bytes (sector * 13 + offset) & 0xff, and an MBR with partitions of 4096 sectors at 2048 and 8192;
// they check the pattern, then write another one over vda2 (and "mmapped!" at byte 16 of sector
// 2049, through a shared mapping of vda1) for the host to check after power-off.
#include "test/test.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// <linux/fs.h>, which musl does not ship.
constexpr unsigned long BLKROGET = 0x125e, BLKRRPART = 0x125f, BLKGETSIZE = 0x1260, BLKFLSBUF = 0x1261,
                        BLKSSZGET = 0x1268, BLKPBSZGET = 0x127b, BLKGETSIZE64 = 0x80081272;

constexpr uint64_t written_marker = 0xb10c000000000000ull;

// A short path built with printf's format.
struct Path {
    char text[128];
};
template <typename... Args>
Path path_of(const char* format, Args... args) {
    Path path;
    snprintf(path.text, sizeof path.text, format, args...);
    return path;
}

// The file's first line (empty when it cannot be read).
Path read_text(const Path& path) {
    Path text{};
    int fd = open(path.text, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return text;
    ssize_t got = read(fd, text.text, sizeof text.text - 1);
    close(fd);
    text.text[got > 0 ? got : 0] = '\0';
    return text;
}

uint64_t sysfs_number(const Path& path) {
    return strtoull(read_text(path).text, nullptr, 10);
}

const char* pattern_disk() {
    return getenv("BLOCK_TEST_DISK");
}

// The name under /sys/class/block for a /dev path.
const char* base_name(const char* path) {
    const char* slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void check_sizes(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    struct stat status {};
    ASSERT_EQ(fstat(fd, &status), 0);
    EXPECT_TRUE(S_ISBLK(status.st_mode));
    uint64_t bytes = 0;
    unsigned long sectors = 0;
    int logical = 0;
    unsigned int physical = 0;
    ASSERT_EQ(ioctl(fd, BLKGETSIZE64, &bytes), 0);
    ASSERT_EQ(ioctl(fd, BLKGETSIZE, &sectors), 0);
    ASSERT_EQ(ioctl(fd, BLKSSZGET, &logical), 0);
    ASSERT_EQ(ioctl(fd, BLKPBSZGET, &physical), 0);
    EXPECT_GT(bytes, 0u);
    EXPECT_EQ(bytes, static_cast<uint64_t>(sectors) * 512);
    EXPECT_GE(logical, 512);
    EXPECT_GE(physical, static_cast<unsigned int>(logical));
    EXPECT_EQ(lseek(fd, 0, SEEK_END), static_cast<off_t>(bytes));
    const char* name = base_name(path);
    EXPECT_EQ(sysfs_number(path_of("/sys/class/block/%s/size", name)), sectors);
    char number[32];
    snprintf(number, sizeof number, "%u:%u\n", major(status.st_rdev), minor(status.st_rdev));
    EXPECT_EQ(strcmp(read_text(path_of("/sys/class/block/%s/dev", name)).text, number), 0);
    number[strlen(number) - 1] = '\0';
    EXPECT_EQ(access(path_of("/sys/dev/block/%s", number).text, F_OK), 0);
    close(fd);
}

} // namespace

TEST(a_ram_disk_reports_one_size_everywhere) {
    if (access("/dev/ram0", F_OK) != 0)
        return;
    check_sizes("/dev/ram0");
    struct stat status {};
    ASSERT_EQ(stat("/dev/ram0", &status), 0);
    EXPECT_EQ(major(status.st_rdev), 1u); // brd's major
}

// Each line of /proc/partitions ("major minor  #blocks  name") agrees with sysfs: its numbers with
// dev, its size in KiB with size (512-byte sectors).
TEST(proc_partitions_agrees_with_sys_class_block) {
    FILE* file = fopen("/proc/partitions", "re");
    if (!file)
        return;
    char line[256];
    ASSERT_TRUE(fgets(line, sizeof line, file) != nullptr);
    EXPECT_EQ(strcmp(line, "major minor  #blocks  name\n"), 0);
    int listed = 0;
    while (fgets(line, sizeof line, file)) {
        unsigned major_number = 0, minor_number = 0;
        unsigned long long kib = 0;
        char name[64] = {};
        if (sscanf(line, "%u %u %llu %63s", &major_number, &minor_number, &kib, name) != 4)
            continue;
        ++listed;
        char dev[32];
        snprintf(dev, sizeof dev, "%u:%u\n", major_number, minor_number);
        EXPECT_EQ(strcmp(read_text(path_of("/sys/class/block/%s/dev", name)).text, dev), 0);
        EXPECT_EQ(sysfs_number(path_of("/sys/class/block/%s/size", name)) / 2, kib);
    }
    fclose(file);
    if (access("/dev/ram0", F_OK) == 0)
        EXPECT_GT(listed, 0);
}

TEST(a_ram_disk_reads_back_what_was_written_at_any_offset) {
    int fd = open("/dev/ram0", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    char text[] = "written across a page boundary";
    ASSERT_EQ(pwrite(fd, text, sizeof text, 4096 - 10), static_cast<ssize_t>(sizeof text));
    ASSERT_EQ(fsync(fd), 0);
    char back[sizeof text] = {};
    int second = open("/dev/ram0", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(second, 0);
    ASSERT_EQ(pread(second, back, sizeof back, 4096 - 10), static_cast<ssize_t>(sizeof back));
    EXPECT_EQ(memcmp(back, text, sizeof text), 0);
    // read(2) and write(2) move the offset; lseek finds it.
    ASSERT_EQ(lseek(fd, 100, SEEK_SET), 100);
    ASSERT_EQ(write(fd, "abc", 3), 3);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 103);
    close(second);
    close(fd);
}

TEST(a_shared_mapping_of_a_ram_disk_sees_its_reads_and_writes) {
    int fd = open("/dev/ram0", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    auto* mapped = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096));
    ASSERT_NE(mapped, MAP_FAILED);
    memcpy(mapped + 10, "mapped", 6);
    char back[6] = {};
    ASSERT_EQ(pread(fd, back, 6, 4096 + 10), 6);
    EXPECT_EQ(memcmp(back, "mapped", 6), 0);
    ASSERT_EQ(pwrite(fd, "pwrite", 6, 4096 + 4096 + 100), 6);
    EXPECT_EQ(memcmp(mapped + 4096 + 100, "pwrite", 6), 0);
    EXPECT_EQ(munmap(mapped, 8192), 0);
    EXPECT_EQ(fsync(fd), 0);
    close(fd);
}

TEST(block_device_errors_are_linux_errors) {
    int fd = open("/dev/ram0", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    uint64_t size = 0;
    ASSERT_EQ(ioctl(fd, BLKGETSIZE64, &size), 0);
    char byte = 0;
    EXPECT_EQ(pread(fd, &byte, 1, static_cast<off_t>(size)), 0); // at the end: end of file
    EXPECT_ERRNO(pwrite(fd, &byte, 1, static_cast<off_t>(size)), ENOSPC);
    EXPECT_ERRNO(ioctl(fd, 0x12ff, 0), ENOTTY);
    EXPECT_ERRNO(ioctl(fd, BLKGETSIZE64, nullptr), EFAULT);
    int read_only = -1;
    ASSERT_EQ(ioctl(fd, BLKROGET, &read_only), 0);
    EXPECT_EQ(read_only, 0);
    EXPECT_EQ(ioctl(fd, BLKFLSBUF, 0), 0);
    // Dropping the cache and rereading the table take CAP_SYS_ADMIN, even on a descriptor root
    // opened: another user gets EACCES.
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        constexpr uid_t nobody = 65534;
        if (setresgid(nobody, nobody, nobody) != 0 || setresuid(nobody, nobody, nobody) != 0)
            _exit(2);
        if (ioctl(fd, BLKFLSBUF, 0) == 0 || errno != EACCES)
            _exit(3);
        if (ioctl(fd, BLKRRPART, 0) == 0 || errno != EACCES)
            _exit(4);
        _exit(0);
    }
    int status = -1;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
    int reader = open("/dev/ram0", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(reader, 0);
    EXPECT_ERRNO(write(reader, "x", 1), EBADF);
    close(reader);
    close(fd);
}

// --- with BLOCK_TEST_DISK: the end-to-end image ---

TEST(the_disk_and_its_partitions_report_their_sizes) {
    const char* disk = pattern_disk();
    if (!disk)
        return;
    check_sizes(disk);
    const char* name = base_name(disk);
    for (int partition = 1; partition <= 2; ++partition) {
        check_sizes(path_of("%s%d", disk, partition).text);
        EXPECT_EQ(sysfs_number(path_of("/sys/class/block/%s%d/size", name, partition)), 4096u);
        EXPECT_EQ(sysfs_number(path_of("/sys/class/block/%s%d/partition", name, partition)),
                  static_cast<uint64_t>(partition));
    }
    EXPECT_EQ(sysfs_number(path_of("/sys/class/block/%s1/start", name)), 2048u);
    EXPECT_EQ(sysfs_number(path_of("/sys/class/block/%s2/start", name)), 8192u);
    EXPECT_EQ(access(path_of("/sys/block/%s", name).text, F_OK), 0);
    EXPECT_NE(access(path_of("/sys/block/%s1", name).text, F_OK), 0); // partitions live under the disk
    EXPECT_EQ(access(path_of("/sys/block/%s/%s1", name, name).text, F_OK), 0);
}

TEST(the_disk_holds_the_pattern_the_host_wrote) {
    const char* disk = pattern_disk();
    if (!disk)
        return;
    int fd = open(disk, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    uint64_t size = 0;
    ASSERT_EQ(ioctl(fd, BLKGETSIZE64, &size), 0);
    static uint8_t chunk[65536];
    uint64_t bad = 0;
    for (uint64_t offset = 0; offset < size; offset += sizeof chunk) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        ASSERT_EQ(got, static_cast<ssize_t>(sizeof chunk));
        for (size_t at = 0; at < sizeof chunk; at += 512) {
            uint64_t sector = (offset + at) / 512, stored = 0;
            memcpy(&stored, chunk + at, 8);
            bad += stored != sector || chunk[at + 100] != static_cast<uint8_t>(sector * 13 + 100);
        }
    }
    EXPECT_EQ(bad, 0u);
    uint8_t byte;
    EXPECT_EQ(read(fd, &byte, 1), 0);
    // A partition reads from its start on the disk.
    int first = open(path_of("%s1", disk).text, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(first, 0);
    uint64_t stored = 0;
    ASSERT_EQ(pread(first, &stored, 8, 512), 8);
    EXPECT_EQ(stored, 2049u);
    close(first);
    close(fd);
}

TEST(writes_to_a_partition_reach_the_disk_after_fsync) {
    const char* disk = pattern_disk();
    if (!disk)
        return;
    int partition = open(path_of("%s2", disk).text, O_RDWR | O_CLOEXEC);
    ASSERT_GE(partition, 0);
    // Whole sectors and an unaligned run, through write(2) and pwrite(2).
    constexpr size_t bytes = 4096 * 512;
    static uint8_t data[bytes], back[bytes];
    for (size_t sector = 0; sector < 4096; ++sector) {
        uint64_t value = written_marker | sector;
        memcpy(data + sector * 512, &value, 8);
        for (size_t i = 8; i < 512; ++i)
            data[sector * 512 + i] = static_cast<uint8_t>(sector ^ i);
    }
    size_t half = bytes / 2;
    ASSERT_EQ(write(partition, data, half), static_cast<ssize_t>(half));
    ASSERT_EQ(pwrite(partition, data + half + 3, half - 3, static_cast<off_t>(half + 3)),
              static_cast<ssize_t>(half - 3));
    ASSERT_EQ(pwrite(partition, data + half, 3, static_cast<off_t>(half)), 3);
    ASSERT_EQ(fsync(partition), 0);
    // The disk's own cache still has the old pages (as on Linux): BLKFLSBUF drops them.
    int whole = open(disk, O_RDWR | O_CLOEXEC);
    ASSERT_GE(whole, 0);
    EXPECT_ERRNO(ioctl(whole, BLKRRPART, 0), EBUSY); // vda2 is open
    ASSERT_EQ(ioctl(whole, BLKFLSBUF, 0), 0);
    ASSERT_EQ(pread(whole, back, bytes, 8192 * 512), static_cast<ssize_t>(bytes));
    EXPECT_EQ(memcmp(back, data, bytes), 0);
    EXPECT_ERRNO(ioctl(partition, BLKRRPART, 0), EINVAL); // a partition has no partitions
    close(partition);
    // A store through a shared mapping of vda1 reaches the disk at fsync, after the unmap.
    int first = open(path_of("%s1", disk).text, O_RDWR | O_CLOEXEC);
    ASSERT_GE(first, 0);
    auto* mapped = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, first, 0));
    ASSERT_NE(mapped, MAP_FAILED);
    uint64_t stored = 0;
    memcpy(&stored, mapped + 512, 8);
    EXPECT_EQ(stored, 2049u);
    memcpy(mapped + 512 + 16, "mmapped!", 8);
    EXPECT_EQ(munmap(mapped, 4096), 0);
    EXPECT_EQ(fsync(first), 0);
    close(first);
    // With no partition open the table is read again and the partitions come back the same.
    EXPECT_EQ(ioctl(whole, BLKRRPART, 0), 0);
    EXPECT_EQ(sysfs_number(path_of("/sys/class/block/%s2/size", base_name(disk))), 4096u);
    close(whole);
    sync();
}
