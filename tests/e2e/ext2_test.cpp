// ext2 on a virtio disk, checked by the tools Linux users trust: the host makes an image with
// mke2fs, blog_os reads it and changes it, and e2fsck and debugfs judge the result; then a root
// file system on ext2 keeps a file from one boot to the next.
#include "e2e_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>

using testing::HasSubstr;
using testing::Not;

namespace {

namespace fs = std::filesystem;

// Runs a shell command line; its exit status and standard output (stderr joined).
struct Command {
    int status = -1;
    std::string output;
};
Command run_command(const std::string& line) {
    Command result;
    FILE* pipe = popen((line + " 2>&1").c_str(), "r");
    if (!pipe)
        return result;
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0)
        result.output.append(buffer, got);
    int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

bool have_e2fsprogs() {
    return run_command("command -v mke2fs && command -v e2fsck && command -v debugfs").status == 0;
}

// What debugfs prints for one request (its version banner goes to stderr, dropped).
std::string debugfs(const std::string& image, const std::string& request) {
    return run_command("(debugfs -R '" + request + "' " + image + " 2>/dev/null)").output;
}

std::vector<std::string> with_disk(std::vector<std::string> arguments, const std::string& image) {
    arguments.push_back("--disk=" + image + ",format=raw");
    return arguments;
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string md5_of(const std::string& path) {
    std::string output = run_command("md5sum < " + path).output;
    return output.substr(0, output.find(' '));
}

class Ext2Disk : public testing::TestWithParam<int> {};

// Each block size mke2fs offers: the tree it made reads back right, and after creating, writing,
// renaming, linking, truncating and deleting, e2fsck finds nothing wrong and debugfs sees exactly
// what was done.
TEST_P(Ext2Disk, ChangesMadeInBlogOsAreWhatE2fsckAndDebugfsSee) {
    if (!have_e2fsprogs())
        GTEST_SKIP() << "e2fsprogs (mke2fs, e2fsck, debugfs) is not installed";
    const int block_size = GetParam();
    const std::string name = "ext2-disk-" + std::to_string(block_size);
    fs::path tree = e2e::test_log_path(name + ".tree");
    std::string image = e2e::test_log_path(name + ".img");
    fs::remove_all(tree);
    fs::create_directories(tree / "dir");
    fs::create_directories(tree / "empty-dir");
    write_text(tree / "hello.txt", "hello from the host");
    std::string big;
    for (int i = 0; i < 300'000; ++i)
        big += static_cast<char>('a' + (i * 7 + i / 1000) % 26);
    write_text(tree / "dir" / "big.bin", big);
    write_text(tree / "dir" / "remove-me", "gone soon");
    fs::create_symlink("hello.txt", tree / "link");
    // A hole in the middle: 4 KiB at 5 MiB and the end at 8 MiB.
    {
        std::ofstream sparse(tree / "sparse", std::ios::binary);
        sparse.seekp(5 << 20);
        sparse << std::string(4096, 'x');
    }
    fs::resize_file(tree / "sparse", 8 << 20);
    const std::string big_md5 = md5_of((tree / "dir" / "big.bin").string());
    const std::string sparse_md5 = md5_of((tree / "sparse").string());
    Command made = run_command("mke2fs -q -t ext2 -b " + std::to_string(block_size) + " -d " + tree.string() +
                               " -F " + image + " 32M && debugfs -w -R 'mknod null-node c 1 3' " + image);
    ASSERT_EQ(made.status, 0) << made.output;

    auto run = e2e::run_kernel(name, with_disk({"--direct", "--firmware=bios", "--timeout=240",
                                                "--cmdline=init=/bin/sh -- /tests/scripts/ext2-disk.sh"},
                                               image));
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("ram0: refused"));
    EXPECT_THAT(run.serial, HasSubstr("ram0: not mounted: not ext2"));
    EXPECT_THAT(run.serial, HasSubstr("null: refused"));
    EXPECT_THAT(run.serial, HasSubstr("read hello: hello from the host"));
    EXPECT_THAT(run.serial, HasSubstr("read big: " + big_md5));
    EXPECT_THAT(run.serial, HasSubstr("read sparse: 8388608 " + sparse_md5));
    EXPECT_THAT(run.serial, HasSubstr("read symlink: hello.txt hello from the host"));
    EXPECT_THAT(run.serial, HasSubstr("read device: character special file 1 3"));
    EXPECT_THAT(run.serial,
                HasSubstr("read names: dir empty-dir hello.txt link lost+found null-node sparse"));
    EXPECT_THAT(run.serial, HasSubstr("ext2: unmounted"));
    EXPECT_THAT(run.serial, Not(HasSubstr("mount failed")));

    Command check = run_command("e2fsck -fn " + image);
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_EQ(debugfs(image, "cat /new.txt"), "written by blog_os\n");
    std::string numbers;
    for (int i = 1; i <= 50'000; ++i)
        numbers += std::to_string(i) + "\n";
    // Compared whole, without gtest's diff of two 290 KB strings.
    std::string numbers_read = debugfs(image, "cat /made/numbers");
    EXPECT_TRUE(numbers_read == numbers)
        << numbers_read.size() << " bytes read, " << numbers.size() << " written";
    EXPECT_EQ(debugfs(image, "cat /made/hello-moved.txt"), "hello from the host");
    EXPECT_THAT(debugfs(image, "stat /numbers-link"), HasSubstr("Links: 2"));
    EXPECT_THAT(debugfs(image, "stat /numbers-symlink"), HasSubstr("Type: symlink"));
    EXPECT_THAT(debugfs(image, "stat /numbers-symlink"), HasSubstr("Fast link dest: \"made/numbers\""));
    std::string truncated = debugfs(image, "cat /dir/big.bin");
    EXPECT_TRUE(truncated == big.substr(0, 5000)) << truncated.size() << " bytes after truncating to 5000";
    EXPECT_THAT(debugfs(image, "stat /zero-node"), HasSubstr("Type: character special"));
    std::string root = debugfs(image, "ls /");
    EXPECT_THAT(root, Not(HasSubstr("hello.txt")));
    EXPECT_THAT(root, Not(HasSubstr("empty-dir")));
    EXPECT_THAT(debugfs(image, "ls /dir"), Not(HasSubstr("remove-me")));
}

INSTANTIATE_TEST_SUITE_P(BlockSizes, Ext2Disk, testing::Values(1024, 4096),
                         [](const auto& info) { return std::to_string(info.param); });

// root=/dev/vda: the user tree on an ext2 disk is the root, its files can be mapped (and truncated
// while mapped), a file written in one boot is there in the next, and the disk stays clean.
TEST(Ext2Root, BootsFromTheDiskAndKeepsAFileToTheNextBoot) {
    if (!have_e2fsprogs())
        GTEST_SKIP() << "e2fsprogs (mke2fs, e2fsck, debugfs) is not installed";
    std::string image = e2e::test_log_path("ext2-root.img");
    // As `make root-disk` makes it: 4 KiB blocks, so mapped file pages are the cache's own.
    Command made =
        run_command(BLOG_OS_SOURCE_DIR "/tools/mkdisk/mkdisk.sh --from=" BLOG_OS_USERLAND_ROOT " " + image);
    ASSERT_EQ(made.status, 0) << made.output;
    const std::vector<std::string> arguments = {
        "--direct", "--firmware=bios", "--timeout=240",
        "--cmdline=root=/dev/vda init=/bin/sh -- /tests/scripts/ext2-root.sh"};

    auto first = e2e::run_kernel("ext2-root-1", with_disk(arguments, image));
    ASSERT_EQ(first.exit_code, 0) << first.runner_errors << first.serial;
    EXPECT_THAT(first.serial, HasSubstr("root is /dev/vda (ext2, read-write)"));
    EXPECT_THAT(first.serial, HasSubstr("/dev/vda / ext2 rw"));
    EXPECT_THAT(first.serial, HasSubstr("kept before: none"));
    EXPECT_THAT(first.serial, HasSubstr("kept now: first boot"));
    EXPECT_THAT(first.serial, HasSubstr("mapping tests: 3 passed, 0 failed"));
    EXPECT_THAT(first.serial, HasSubstr("truncate tests: 7 passed, 0 failed"));

    auto second = e2e::run_kernel("ext2-root-2", with_disk(arguments, image));
    ASSERT_EQ(second.exit_code, 0) << second.runner_errors << second.serial;
    EXPECT_THAT(second.serial, HasSubstr("kept before: first boot"));
    EXPECT_THAT(second.serial, HasSubstr("kept now: second boot"));
    // The root cannot be unmounted: power-off marks it clean as Linux's read-only remount does.
    EXPECT_THAT(run_command("dumpe2fs -h " + image).output,
                testing::ContainsRegex("Filesystem state: +clean\n"));

    Command check = run_command("e2fsck -fn " + image);
    EXPECT_EQ(check.status, 0) << check.output;
}

// The number after `label` in `text` (-1 if absent).
long number_after(const std::string& text, const std::string& label) {
    size_t at = text.find(label);
    return at == std::string::npos ? -1 : std::stol(text.substr(at + label.size()));
}

// fsync of one file writes that file, not everything dirty on the disk: 16 MiB of another file stay
// dirty across it, and fdatasync after a write in place leaves the inode out. Then the power is cut
// (the runner killed, no sync, no unmount) and the file is on the disk: its name (the directory was
// fsynced), its inode and its bytes. e2fsck may find the bitmaps and counts behind, as on Linux's
// ext2 after a crash; that is not checked.
TEST(Ext2Fsync, WritesOnlyThatFileAndTheFileSurvivesAPowerCut) {
    if (!have_e2fsprogs())
        GTEST_SKIP() << "e2fsprogs (mke2fs, e2fsck, debugfs) is not installed";
    std::string image = e2e::test_log_path("ext2-fsync.img");
    Command made = run_command("mke2fs -q -t ext2 -b 4096 -F " + image + " 64M");
    ASSERT_EQ(made.status, 0) << made.output;
    std::string output;
    {
        e2e::InteractiveRunner runner(with_disk({"--direct", "--firmware=bios", "--timeout=300",
                                                 "--serial-log=" + e2e::test_log_path("ext2-fsync.log"),
                                                 "--cmdline=init=/bin/sh -- /tests/scripts/ext2-fsync.sh"},
                                                image));
        ASSERT_TRUE(runner.started());
        ASSERT_TRUE(runner.wait_for("fsync done", 240)) << runner.output();
        output = runner.output();
    } // the runner is killed here, and QEMU with it: a power cut
    EXPECT_THAT(output, Not(HasSubstr("mount failed")));
    // The meter moves: 4 MiB written are dirty, and a sync takes them.
    EXPECT_GE(number_after(output, "dirty written: "), 4096) << output;
    EXPECT_LT(number_after(output, "dirty synced: "), 256) << output;
    long before = number_after(output, "dirty before fsync: ");
    long after = number_after(output, "dirty after fsync: ");
    EXPECT_GE(before, 16384 + 4) << output;
    // The big file's pages stayed dirty; only a few pages went: the file's data, its inode's
    // block, the directory's block (the bitmaps and descriptors stay dirty too).
    EXPECT_GE(after, 16384) << output;
    EXPECT_GE(before - after, 4) << output;
    EXPECT_LE(before - after, 64) << output;

    // fdatasync after a write in place: the data page only; then fsync: the inode's page.
    long before_datasync = number_after(output, "dirty before fdatasync: ");
    long after_datasync = number_after(output, "dirty after fdatasync: ");
    EXPECT_EQ(before_datasync - after_datasync, 4) << output;
    EXPECT_EQ(after_datasync - number_after(output, "dirty after the second fsync: "), 4) << output;

    EXPECT_EQ(debugfs(image, "cat /small"), "FSYNCED by blog_os\n");
    EXPECT_THAT(debugfs(image, "stat /small"), HasSubstr("Size: 19"));
}

// make run's disk: init mounts /dev/vda on /mnt from /etc/fstab, and unmounts it at power-off, so
// the volume is marked clean and a file kept there is read in the next boot.
TEST(Ext2Fstab, InitMountsTheDiskOnMntAndPowerOffLeavesItClean) {
    if (!have_e2fsprogs())
        GTEST_SKIP() << "e2fsprogs (mke2fs, e2fsck, debugfs) is not installed";
    std::string image = e2e::test_log_path("ext2-fstab.img");
    // As the Makefile makes build/<profile>/disk.img, smaller.
    Command made =
        run_command(BLOG_OS_SOURCE_DIR "/tools/mkdisk/mkdisk.sh --size=32 --label=blog_os-data " + image);
    ASSERT_EQ(made.status, 0) << made.output;
    auto boot = [&](const char* log) {
        return std::make_unique<e2e::InteractiveRunner>(std::vector<std::string>{
            "--direct", "--firmware=bios", "--timeout=240", "--serial-log=" + e2e::test_log_path(log),
            "--disk=" + image + ",format=raw"});
    };
    auto type_line = [](e2e::InteractiveRunner& runner, const std::string& line, const std::string& output) {
        return runner.type(line + "\r") && runner.wait_for(output, 30);
    };
    {
        auto runner = boot("e2e-ext2-fstab-1.log");
        ASSERT_TRUE(runner->started() && runner->wait_for("/mnt is the disk /dev/vda", 150))
            << runner->output();
        ASSERT_TRUE(runner->wait_for("# ", 30)) << runner->output();
        ASSERT_TRUE(type_line(
            *runner, "grep ' /mnt ' /proc/mounts; echo kept-by-boot-1 > /mnt/note; echo \"done\"1", "done1"))
            << runner->output();
        EXPECT_THAT(runner->output(), HasSubstr("/dev/vda /mnt ext2 rw"));
        ASSERT_TRUE(runner->type("poweroff\r"));
        EXPECT_EQ(runner->exit_code(90), 0) << runner->output();
    }
    EXPECT_THAT(run_command("dumpe2fs -h " + image).output,
                testing::ContainsRegex("Filesystem state: +clean\n"));
    Command check = run_command("e2fsck -fn " + image);
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_EQ(debugfs(image, "cat /note"), "kept-by-boot-1\n");
    {
        auto runner = boot("e2e-ext2-fstab-2.log");
        ASSERT_TRUE(runner->started() && runner->wait_for("/mnt is the disk /dev/vda", 150))
            << runner->output();
        ASSERT_TRUE(runner->wait_for("# ", 30)) << runner->output();
        ASSERT_TRUE(type_line(*runner, "echo \"read:\" $(cat /mnt/note)", "read: kept-by-boot-1"))
            << runner->output();
        ASSERT_TRUE(runner->type("poweroff\r"));
        EXPECT_EQ(runner->exit_code(90), 0) << runner->output();
    }
}

// bin/fuzz's hostile file calls (userland_test's fuzz test, there on tmpfs) on an ext2 root: the
// kernel stays up, and when the first process ends the disk is written back, marked clean only if
// nothing unlinked is still open, and e2fsck finds it consistent.
TEST(Ext2RootFuzz, RandomFileCallsLeaveTheDiskConsistent) {
    if (!have_e2fsprogs())
        GTEST_SKIP() << "e2fsprogs (mke2fs, e2fsck, debugfs) is not installed";
    for (const char* seed : {"4", "7"}) {
        std::string image = e2e::test_log_path(std::string("ext2-fuzz-") + seed + ".img");
        Command made = run_command(
            BLOG_OS_SOURCE_DIR "/tools/mkdisk/mkdisk.sh --from=" BLOG_OS_USERLAND_ROOT " " + image);
        ASSERT_EQ(made.status, 0) << made.output;
        auto run = e2e::run_kernel(
            std::string("ext2-fuzz-") + seed,
            with_disk({"--direct", "--firmware=bios", "--timeout=240",
                       std::string("--cmdline=root=/dev/vda init=/bin/fuzz -- ") + seed + " 60000"},
                      image));
        EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
        EXPECT_THAT(run.serial,
                    testing::ContainsRegex("fuzz: done, 60000 calls \\([0-9]+ succeeded, [0-9]+ failed\\)"));
        EXPECT_THAT(run.serial, Not(HasSubstr("KERNEL PANIC")));
        // Its scratch root (/tmp/fuzz.<pid>, pid 1) reached the disk: what it did was written back.
        EXPECT_THAT(debugfs(image, "stat /tmp/fuzz.1"), HasSubstr("Type: directory"));
        Command check = run_command("e2fsck -fn " + image);
        EXPECT_EQ(check.status, 0) << "seed " << seed << ": " << check.output;
    }
}

} // namespace
