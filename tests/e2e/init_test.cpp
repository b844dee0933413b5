// /init as `make run` boots it, typed at through the serial console: /etc/rc's welcome, a shell on
// ttyS0 with job control, and the ways down. `poweroff` ends QEMU by itself through ACPI S5 with the
// runner's status 0 under BIOS and UEFI; `reboot` resets the machine, which -no-reboot turns into
// QEMU's exit and the runner into status 5; SIGTERM sent to init by hand does the same.
#include "e2e_support.h"

#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <vector>

using testing::HasSubstr;

namespace {

constexpr int kGuestReset = 5; // qemu::RunnerExit::GuestReset

// Boots and waits for the shell's first prompt on ttyS0.
bool boot_to_prompt(e2e::InteractiveRunner& runner) {
    return runner.started() && runner.wait_for("Welcome to blog_os", 150) && runner.wait_for("# ", 60);
}

// Types a line; the text to wait for must differ from the echoed line (quotes split it there).
bool run_line(e2e::InteractiveRunner& runner, const std::string& line, const std::string& output,
              int seconds = 30) {
    return runner.type(line + "\r") && runner.wait_for(output, seconds);
}

TEST(Init, ASerialSessionRunsPipelinesScriptsAndJobsThenPowersOff) {
    e2e::InteractiveRunner runner({"--iso=" BLOG_OS_ISO, "--firmware=bios", "--timeout=300",
                                   "--serial-log=" + e2e::test_log_path("e2e-init-session.log"),
                                   "--qemu-arg=-device", "--qemu-arg=virtio-rng-pci"});
    ASSERT_TRUE(boot_to_prompt(runner)) << runner.output();

    // init loaded /lib/modules at boot: the virtio_rng module is live and serves /dev/hwrng.
    ASSERT_TRUE(run_line(runner,
                         "echo state=$(cat /sys/module/virtio_rng/initstate) "
                         "words=$(od -An -tx1 -N8 /dev/hwrng | wc -w)",
                         "state=live words=8"))
        << runner.output();

    // A pipeline into a redirection, read back through a command substitution.
    ASSERT_TRUE(run_line(
        runner, "seq 1 5 | grep -c 3 > /tmp/n; seq 1 7 | wc -l >> /tmp/n; echo count\"=\"$(cat /tmp/n)",
        "count=1 7"))
        << runner.output();
    // A script file run by the shell, with an argument; HOME is init's /root, the shell's directory.
    ASSERT_TRUE(run_line(runner,
                         "echo 'echo script says $1 from $HOME in $(pwd)' > /tmp/s.sh; sh /tmp/s.sh hello",
                         "script says hello from /root in /root"))
        << runner.output();

    // Ctrl-C ends the foreground job, not the shell.
    ASSERT_TRUE(runner.type("sleep 100\r"));
    sleep(2);
    ASSERT_TRUE(runner.type("\x03"));
    ASSERT_TRUE(run_line(runner, "echo after\"-\"interrupt", "after-interrupt")) << runner.output();

    // A background job, listed and killed by its job number.
    ASSERT_TRUE(run_line(runner, "sleep 100 &", "# "));
    ASSERT_TRUE(run_line(runner, "jobs", "Running    sleep 100")) << runner.output();
    ASSERT_TRUE(run_line(runner, "kill %1; sleep 1; jobs; echo jobs\"-\"listed", "jobs-listed"))
        << runner.output();
    EXPECT_THAT(runner.output(), HasSubstr("Done    sleep 100"));

    // Ctrl-Z stops the foreground job, fg brings it back, Ctrl-C ends it.
    ASSERT_TRUE(runner.type("sleep 100\r"));
    sleep(2);
    ASSERT_TRUE(runner.type("\x1a"));
    ASSERT_TRUE(runner.wait_for("Stopped    sleep 100")) << runner.output();
    ASSERT_TRUE(run_line(runner, "fg", "sleep 100")) << runner.output();
    sleep(2);
    ASSERT_TRUE(runner.type("\x03"));
    ASSERT_TRUE(run_line(runner, "echo fg\"-\"done; jobs", "fg-done")) << runner.output();

    // poweroff: init stops everything, the kernel powers off through ACPI and QEMU ends by itself.
    ASSERT_TRUE(runner.type("poweroff\r"));
    EXPECT_EQ(runner.exit_code(90), 0) << runner.output();
    EXPECT_THAT(runner.output(), HasSubstr("init: the system is going down (power off)"));
    EXPECT_THAT(runner.output(), HasSubstr("[reboot][WARN] Power down"));
    EXPECT_THAT(runner.output(), HasSubstr("runner: the guest powered the machine off"));
}

TEST(Init, PowerOffUnderUefiEndsQemuWithStatusZero) {
    e2e::InteractiveRunner runner({"--iso=" BLOG_OS_ISO, "--firmware=uefi", "--machine=q35", "--timeout=300",
                                   "--serial-log=" + e2e::test_log_path("e2e-init-uefi-poweroff.log")});
    ASSERT_TRUE(boot_to_prompt(runner)) << runner.output();
    // What init mounted where the kernel had not: a tmpfs of its own on /tmp.
    ASSERT_TRUE(run_line(runner, "grep ' /tmp ' /proc/mounts; echo mounts\"-\"listed", "mounts-listed"))
        << runner.output();
    EXPECT_THAT(runner.output(), HasSubstr("tmpfs /tmp tmpfs"));
    // A shell that exits is started again on its terminal.
    ASSERT_TRUE(run_line(runner, "echo first\"-\"shell $$; exit", "first-shell")) << runner.output();
    ASSERT_TRUE(run_line(runner, "echo second\"-\"shell $$", "second-shell")) << runner.output();
    ASSERT_TRUE(runner.type("poweroff\r"));
    EXPECT_EQ(runner.exit_code(90), 0) << runner.output();
    EXPECT_THAT(runner.output(), HasSubstr("[reboot][WARN] Power down"));
    EXPECT_THAT(runner.output(), HasSubstr("runner: the guest powered the machine off"));
}

// pc's revision-1 FADT has no reset register, so 0xCF9 resets it; q35's names one (0xCF9 too, value
// 0x0F), taken first.
struct Machine {
    const char* name;
    std::vector<std::string> arguments;
};
class InitReboot : public testing::TestWithParam<Machine> {};

TEST_P(InitReboot, ResetsTheMachineWhichEndsQemuWithTheResetStatus) {
    std::vector<std::string> arguments = GetParam().arguments;
    arguments.push_back("--timeout=300");
    arguments.push_back("--serial-log=" +
                        e2e::test_log_path(std::string("e2e-init-reboot-") + GetParam().name + ".log"));
    e2e::InteractiveRunner runner(arguments);
    ASSERT_TRUE(boot_to_prompt(runner)) << runner.output();
    ASSERT_TRUE(runner.type("reboot\r"));
    EXPECT_EQ(runner.exit_code(90), kGuestReset) << runner.output();
    EXPECT_THAT(runner.output(), HasSubstr("init: the system is going down (reboot)"));
    EXPECT_THAT(runner.output(), HasSubstr("[reboot][WARN] Restarting system"));
    EXPECT_THAT(runner.output(), testing::Not(HasSubstr("did not reset the machine")));
    EXPECT_THAT(runner.output(), HasSubstr("runner: the guest reset the machine"));
}

INSTANTIATE_TEST_SUITE_P(Machines, InitReboot,
                         testing::Values(Machine{"DirectBiosPc", {"--direct", "--firmware=bios"}},
                                         Machine{"UefiQ35",
                                                 {"--iso=" BLOG_OS_ISO, "--firmware=uefi", "--machine=q35"}}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Init, SigtermToInitStopsEveryProcessAndTakesTheMachineDown) {
    e2e::InteractiveRunner runner({"--direct", "--firmware=bios", "--timeout=200",
                                   "--serial-log=" + e2e::test_log_path("e2e-init-sigterm.log")});
    ASSERT_TRUE(boot_to_prompt(runner)) << runner.output();
    // A background job that ignores SIGTERM: it needs the SIGKILL that follows.
    ASSERT_TRUE(run_line(runner, "sh -c 'trap \"\" TERM; sleep 100' &", "# "));
    sleep(2); // time for it to set its trap
    ASSERT_TRUE(runner.type("kill 1\r"));
    EXPECT_EQ(runner.exit_code(90), kGuestReset) << runner.output();
    EXPECT_THAT(runner.output(), HasSubstr("init: sending SIGTERM to all processes"));
    EXPECT_THAT(runner.output(), HasSubstr("init: sending SIGKILL to all processes"));
    EXPECT_THAT(runner.output(), testing::ContainsRegex("process [0-9]+ 'sleep' ends by signal 9"));
    EXPECT_THAT(runner.output(), HasSubstr("[reboot][WARN] Restarting system"));
}

// Ctrl-Alt-Delete on the PS/2 keyboard: init turned reboot(2)'s CAD off at boot, so the kernel
// tells it with SIGINT and it goes down in order; without init to do that (a shell as the first
// process, CAD still on as at boot) the kernel restarts the machine at once.
TEST(Init, CtrlAltDeleteOnTheKeyboardRebootsThroughInit) {
    auto run = e2e::run_kernel("init-ctrl-alt-delete",
                               {"--direct", "--firmware=bios", "--timeout=120",
                                "--keys-after=Welcome to blog_os", "--send-keys={ctrl-alt-delete}"});
    EXPECT_EQ(run.exit_code, kGuestReset) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("init: the system is going down (reboot)"));
    EXPECT_THAT(run.serial, HasSubstr("[reboot][WARN] Restarting system"));
}

TEST(Init, CtrlAltDeleteWithoutInitRestartsAtOnce) {
    auto run = e2e::run_kernel("init-ctrl-alt-delete-direct",
                               {"--direct", "--firmware=bios", "--timeout=120", "--cmdline=init=/bin/sh",
                                "--keys-after=PS/2 keyboard ready", "--send-keys={ctrl-alt-delete}"});
    EXPECT_EQ(run.exit_code, kGuestReset) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("[reboot][WARN] Restarting system"));
    EXPECT_THAT(run.serial, testing::Not(HasSubstr("init: the system is going down")));
}

// A shell that cannot start: /bin/sh replaced by a script that only prints its name and exits. init
// tries three times in quick succession, then says so and waits 10 s: in 8 s of the run there are
// exactly three tries, not thousands.
TEST(Init, AShellThatKeepsExitingIsRestartedWithABackOff) {
    namespace fs = std::filesystem;
    char pattern[] = "/tmp/blog_os_e2e_init_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    fs::path tree = pattern;
    fs::copy(BLOG_OS_USERLAND_ROOT, tree, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::remove(tree / "bin/sh");
    std::ofstream(tree / "bin/sh") << "#!/bin/toolbox echo\n";
    fs::permissions(tree / "bin/sh", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                         fs::perms::others_read | fs::perms::others_exec);
    auto run = e2e::run_kernel("init-backoff",
                               {"--direct", "--firmware=bios", "--timeout=8", "--initrd=" + tree.string()});
    fs::remove_all(tree);
    EXPECT_EQ(run.exit_code, 4) << run.runner_errors; // the timeout: nothing ended the machine
    size_t tries = 0;
    for (const std::string& line : e2e::lines_of(run.serial))
        tries += line == "/bin/sh"; // the shell's own start; /etc/rc's prints "/bin/sh /etc/rc"
    EXPECT_EQ(tries, 3u) << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("init: the shell on /dev/ttyS0 keeps exiting; next try in 10 s"));
}

// The same init and utilities under Debian's Linux (the kernel `make bench` fetches), which mounts
// nothing for an initramfs: init mounts /proc, /dev, /dev/pts and /sys itself, and poweroff ends QEMU.
TEST(Init, UnderLinuxItMountsWhatItNeedsAndPowersOff) {
    const std::string linux_image = std::string(BLOG_OS_SOURCE_DIR) + "/build/linux/vmlinuz";
    if (access(linux_image.c_str(), R_OK) != 0)
        GTEST_SKIP() << linux_image << " is missing (make bench fetches it)";
    e2e::InteractiveRunner runner({"--linux=" + linux_image, "--initrd=" BLOG_OS_USERLAND_ROOT,
                                   "--firmware=bios", "--timeout=300",
                                   "--serial-log=" + e2e::test_log_path("e2e-init-linux.log")});
    ASSERT_TRUE(boot_to_prompt(runner)) << runner.output();
    ASSERT_TRUE(run_line(
        runner, "echo mounted\"=\"$(grep -E ' /(proc|dev|dev/pts|sys) ' /proc/mounts | wc -l)", "mounted=4"))
        << runner.output();
    ASSERT_TRUE(runner.type("poweroff\r"));
    EXPECT_EQ(runner.exit_code(90), 0) << runner.output();
    EXPECT_THAT(runner.output(), HasSubstr("init: the system is going down (power off)"));
    EXPECT_THAT(runner.output(), HasSubstr("reboot: Power down"));
    EXPECT_THAT(runner.output(), HasSubstr("runner: the guest powered the machine off"));
}

// halt -f as the first process: reboot(2)'s HALT says so and stops the processor; QEMU stays up
// (the runner stops it once the line is seen) and no first-process exit follows.
TEST(Init, HaltStopsTheProcessorAfterSayingSo) {
    auto run =
        e2e::run_kernel("init-halt", {"--direct", "--firmware=bios", "--timeout=60",
                                      "--cmdline=init=/bin/toolbox -- halt -f", "--expect=System halted."});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("[reboot][WARN] System halted."));
    EXPECT_THAT(run.serial, testing::Not(HasSubstr("the first process ended")));
    EXPECT_THAT(run.runner_errors, testing::Not(HasSubstr("the guest")));
}

} // namespace
