// QEMU's argv for each kind of run, the derived paths, and the accelerator decision.
#include "qemu_command.h"

#include <algorithm>
#include <gtest/gtest.h>

namespace {

using runner::Accel;
using runner::build_qemu_argv;
using runner::QemuPlan;
using runner::RunnerOptions;

RunnerOptions base_options() {
    RunnerOptions options;
    options.iso = "/b/os.iso";
    options.kernel = "/b/kernel.elf";
    options.serial_log = "/b/serial.log";
    return options;
}

QemuPlan base_plan() {
    QemuPlan plan;
    plan.accel = Accel::Tcg;
    plan.json_log_path = "/b/serial.json.log";
    plan.qmp_socket_path = "/tmp/r.1/qmp.sock";
    plan.debug_log_path = "/b/qemu-debug.log";
    plan.gdb_port = 41234;
    return plan;
}

// Whether argv holds option followed directly by value.
bool has_pair(const std::vector<std::string>& argv, const std::string& option, const std::string& value) {
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
        if (argv[i] == option && argv[i + 1] == value)
            return true;
    }
    return false;
}

bool has(const std::vector<std::string>& argv, const std::string& item) {
    return std::find(argv.begin(), argv.end(), item) != argv.end();
}

TEST(runner_qemu_command, InitrdCopyIsBootedInsteadOfTheIso) {
    auto plan = base_plan();
    plan.boot_iso = "/tmp/r.1/blog_os-initrd.iso";
    auto argv = build_qemu_argv(base_options(), plan);
    EXPECT_TRUE(has_pair(argv, "-cdrom", "/tmp/r.1/blog_os-initrd.iso"));
    EXPECT_FALSE(has(argv, "/b/os.iso"));
}

TEST(runner_qemu_command, XorrisoReplacesTheInitrdAndReplaysBothBootSetups) {
    auto argv = runner::build_xorriso_replace_argv("/b/os.iso", "/tmp/r.1/initrd.cpio", "/tmp/r.1/copy.iso");
    // The order matters: -hfsplus off after replay (which re-enables it), the mapping last.
    EXPECT_EQ(argv, (std::vector<std::string>{"xorriso", "-indev", "/b/os.iso", "-outdev",
                                              "/tmp/r.1/copy.iso", "-boot_image", "any", "replay", "-hfsplus",
                                              "off", "-map", "/tmp/r.1/initrd.cpio", "/boot/initrd.cpio"}));
}

TEST(runner_qemu_command, UefiDefaults) {
    auto argv = build_qemu_argv(base_options(), base_plan());
    EXPECT_EQ(argv[0], "qemu-system-x86_64");
    EXPECT_TRUE(has_pair(argv, "-machine", "pc"));
    EXPECT_TRUE(has_pair(argv, "-accel", "tcg"));
    EXPECT_TRUE(has_pair(argv, "-cpu", "max"));
    EXPECT_TRUE(has_pair(argv, "-m", "512M"));
    EXPECT_TRUE(has_pair(argv, "-bios", "/usr/share/ovmf/OVMF.fd"));
    EXPECT_TRUE(has_pair(argv, "-cdrom", "/b/os.iso"));
    EXPECT_TRUE(has_pair(argv, "-boot", "d"));
    EXPECT_TRUE(has(argv, "-no-reboot"));
    EXPECT_TRUE(has_pair(argv, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"));
    EXPECT_TRUE(has_pair(argv, "-chardev", "stdio,id=com1,signal=on"));
    EXPECT_TRUE(has_pair(argv, "-serial", "chardev:com1"));
    EXPECT_TRUE(has_pair(argv, "-serial", "file:/b/serial.json.log"));
    EXPECT_TRUE(has_pair(argv, "-qmp", "unix:/tmp/r.1/qmp.sock,server=on,wait=off"));
    // COM1 must be the first serial port, COM2 the second.
    auto com1 = std::find(argv.begin(), argv.end(), "chardev:com1");
    auto com2 = std::find(argv.begin(), argv.end(), "file:/b/serial.json.log");
    EXPECT_LT(com1, com2);
    // No display (DISPLAY unset), so no window and no monitor on one.
    EXPECT_TRUE(has_pair(argv, "-display", "none"));
    EXPECT_TRUE(has_pair(argv, "-monitor", "none"));
    EXPECT_FALSE(has(argv, "-fw_cfg"));
    EXPECT_FALSE(has(argv, "-smp"));
    EXPECT_FALSE(has(argv, "-S"));
    EXPECT_FALSE(has(argv, "-gdb"));
    EXPECT_FALSE(has(argv, "-d"));
}

TEST(runner_qemu_command, BiosQ35KvmAndSmp) {
    auto options = base_options();
    options.firmware = runner::Firmware::Bios;
    options.machine = runner::Machine::Q35;
    options.memory = "2G";
    options.smp = 4;
    auto plan = base_plan();
    plan.accel = Accel::Kvm;
    auto argv = build_qemu_argv(options, plan);
    EXPECT_FALSE(has(argv, "-bios")); // SeaBIOS is QEMU's default.
    EXPECT_TRUE(has_pair(argv, "-machine", "q35"));
    EXPECT_TRUE(has_pair(argv, "-accel", "kvm"));
    EXPECT_TRUE(has_pair(argv, "-cpu", "host"));
    EXPECT_TRUE(has_pair(argv, "-m", "2G"));
    EXPECT_TRUE(has_pair(argv, "-smp", "4"));
    EXPECT_TRUE(has_pair(argv, "-cdrom", "/b/os.iso"));
}

TEST(runner_qemu_command, DisplayOnlyWhenInteractiveWithAnXDisplay) {
    auto plan = base_plan();
    plan.display_available = true;
    auto windowed = build_qemu_argv(base_options(), plan);
    EXPECT_FALSE(has(windowed, "-display"));
    EXPECT_FALSE(has(windowed, "-monitor"));

    auto headless = base_options();
    headless.headless = true;
    EXPECT_TRUE(has_pair(build_qemu_argv(headless, plan), "-display", "none"));
    auto test = base_options();
    test.test = true;
    EXPECT_TRUE(has_pair(build_qemu_argv(test, plan), "-display", "none"));
}

TEST(runner_qemu_command, CmdlineGoesThroughFwCfgWithCommasDoubled) {
    auto options = base_options();
    options.cmdline = "log=debug,serial console=a,b";
    auto argv = build_qemu_argv(options, base_plan());
    EXPECT_TRUE(has_pair(argv, "-fw_cfg", "name=opt/blog_os/cmdline,string=log=debug,,serial console=a,,b"));
    EXPECT_EQ(runner::escape_qemu_option_value(",a,,b,"), ",,a,,,,b,,");
}

TEST(runner_qemu_command, TestModePrependsTestWord) {
    auto options = base_options();
    options.test = true;
    EXPECT_EQ(runner::effective_cmdline(options), "test");
    EXPECT_TRUE(
        has_pair(build_qemu_argv(options, base_plan()), "-fw_cfg", "name=opt/blog_os/cmdline,string=test"));

    options.cmdline = "log=debug";
    EXPECT_EQ(runner::effective_cmdline(options), "test log=debug");
    options.cmdline = "log=debug test";
    EXPECT_EQ(runner::effective_cmdline(options), "log=debug test");
    options.cmdline = "test=alloc,paging";
    EXPECT_EQ(runner::effective_cmdline(options), "test=alloc,paging");
    EXPECT_TRUE(has_pair(build_qemu_argv(options, base_plan()), "-fw_cfg",
                         "name=opt/blog_os/cmdline,string=test=alloc,,paging"));
    // Words merely starting with "test" are not the test word.
    options.cmdline = "testing=1 attest";
    EXPECT_EQ(runner::effective_cmdline(options), "test testing=1 attest");

    options.test = false;
    options.cmdline = "log=debug";
    EXPECT_EQ(runner::effective_cmdline(options), "log=debug");
}

TEST(runner_qemu_command, GdbStartsHaltedOnTheChosenPort) {
    auto options = base_options();
    options.gdb = true;
    auto argv = build_qemu_argv(options, base_plan());
    EXPECT_TRUE(has(argv, "-S"));
    EXPECT_TRUE(has_pair(argv, "-gdb", "tcp:127.0.0.1:41234"));

    auto gdb = runner::build_gdb_argv("/b/kernel.elf", 41234, "/s/blog_os.gdb");
    EXPECT_EQ(gdb,
              (std::vector<std::string>{"gdb", "-q", "-ex", "set pagination off", "-ex", "file /b/kernel.elf",
                                        "-ex", "target remote 127.0.0.1:41234", "-x", "/s/blog_os.gdb"}));
    auto no_script = runner::build_gdb_argv("/my dir/kernel.elf", 1, "");
    EXPECT_EQ(no_script[5], "file \"/my dir/kernel.elf\"");
    EXPECT_FALSE(has(no_script, "-x"));
}

TEST(runner_qemu_command, DebugIntLogsBesideTheSerialLog) {
    auto options = base_options();
    options.debug_int = true;
    auto argv = build_qemu_argv(options, base_plan());
    EXPECT_TRUE(has_pair(argv, "-d", "int,cpu_reset"));
    EXPECT_TRUE(has_pair(argv, "-D", "/b/qemu-debug.log"));
    EXPECT_EQ(std::count(argv.begin(), argv.end(), "-no-reboot"), 1);
}

TEST(runner_qemu_command, ExtraArgumentsComeLastInOrder) {
    auto options = base_options();
    options.qemu_args = {"-d", "guest_errors", "-s"};
    auto argv = build_qemu_argv(options, base_plan());
    ASSERT_GE(argv.size(), 3u);
    EXPECT_EQ(std::vector<std::string>(argv.end() - 3, argv.end()), options.qemu_args);
}

TEST(runner_qemu_command, DisksBecomeVirtioBlockDevicesOverDrives) {
    auto options = base_options();
    options.disks = {{"/images/a,b.img", "raw", false}, {"/images/c.qcow2", "qcow2", true}};
    options.qemu_args = {"-s"};
    auto argv = build_qemu_argv(options, base_plan());
    EXPECT_TRUE(has_pair(argv, "-drive", "if=none,id=disk0,file=/images/a,,b.img,format=raw"));
    EXPECT_TRUE(has_pair(argv, "-device", "virtio-blk-pci,drive=disk0"));
    EXPECT_TRUE(has_pair(argv, "-drive", "if=none,id=disk1,file=/images/c.qcow2,format=qcow2,readonly=on"));
    EXPECT_TRUE(has_pair(argv, "-device", "virtio-blk-pci,drive=disk1"));
    EXPECT_EQ(argv.back(), "-s");
}

TEST(runner_qemu_command, JsonLogAndDirectoryPaths) {
    EXPECT_EQ(runner::json_log_path_for("serial.log"), "serial.json.log");
    EXPECT_EQ(runner::json_log_path_for("/b/test-x/serial.log"), "/b/test-x/serial.json.log");
    EXPECT_EQ(runner::json_log_path_for("/b/console.txt"), "/b/console.txt.json");
    EXPECT_EQ(runner::json_log_path_for("/b/serial"), "/b/serial.json");
    EXPECT_EQ(runner::json_log_path_for("/b/.log"), "/b/.log.json");
    EXPECT_EQ(runner::json_log_path_for("catalog"), "catalog.json");

    EXPECT_EQ(runner::directory_of("serial.log"), ".");
    EXPECT_EQ(runner::directory_of("/b/x/serial.log"), "/b/x");
    EXPECT_EQ(runner::directory_of("/serial.log"), "/");
    EXPECT_EQ(runner::directory_of("out/serial.log"), "out");
}

TEST(runner_qemu_command, StdinIsTheTerminalOnlyForInteractiveRuns) {
    auto options = base_options();
    EXPECT_TRUE(runner::qemu_stdin_is_terminal(options, true));
    EXPECT_FALSE(runner::qemu_stdin_is_terminal(options, false));
    options.test = true;
    EXPECT_FALSE(runner::qemu_stdin_is_terminal(options, true));
    options.test = false;
    options.gdb = true;
    EXPECT_FALSE(runner::qemu_stdin_is_terminal(options, true));
}

TEST(runner_qemu_command, AutoAccelNeedsARealKvmModuleAndDevice) {
    const char* intel = "kvm_intel 380928 0 - Live 0x0000000000000000\nkvm 1142784 1 kvm_intel, Live 0x0\n";
    const char* amd = "irqbypass 16384 1 kvm, Live 0x0\nkvm_amd 155648 0 - Live 0x0\n";
    const char* pvm = "kvm_pvm 123 0 - Live 0x0\nkvm 1142784 1 kvm_pvm, Live 0x0\n";
    EXPECT_EQ(runner::resolve_accel(Accel::Auto, intel, true), Accel::Kvm);
    EXPECT_EQ(runner::resolve_accel(Accel::Auto, amd, true), Accel::Kvm);
    EXPECT_EQ(runner::resolve_accel(Accel::Auto, intel, false), Accel::Tcg);
    EXPECT_EQ(runner::resolve_accel(Accel::Auto, pvm, true), Accel::Tcg);
    EXPECT_EQ(runner::resolve_accel(Accel::Auto, "", true), Accel::Tcg); // No /proc/modules at all.
    // A module that merely mentions kvm_intel as a user does not count.
    EXPECT_EQ(runner::resolve_accel(Accel::Auto, "kvm 1 1 kvm_intel, Live 0x0\n", true), Accel::Tcg);
    // An explicit choice is obeyed.
    EXPECT_EQ(runner::resolve_accel(Accel::Kvm, "", false), Accel::Kvm);
    EXPECT_EQ(runner::resolve_accel(Accel::Tcg, intel, true), Accel::Tcg);
}

} // namespace

namespace {

TEST(runner_qemu_command, LinuxBootsItsKernelWithTheSameMachine) {
    auto options = base_options();
    options.iso.clear();
    options.linux_kernel = "/l/vmlinuz";
    options.firmware = runner::Firmware::Bios;
    options.smp = 1;
    options.cmdline = "quiet";
    auto plan = base_plan();
    plan.initrd_archive = "/tmp/r.1/initrd.cpio";
    auto argv = build_qemu_argv(options, plan);
    EXPECT_TRUE(has_pair(argv, "-kernel", "/l/vmlinuz"));
    EXPECT_TRUE(has_pair(argv, "-initrd", "/tmp/r.1/initrd.cpio"));
    EXPECT_TRUE(has_pair(argv, "-append", "console=ttyS0 quiet"));
    EXPECT_TRUE(has_pair(argv, "-cpu", "max"));
    EXPECT_TRUE(has_pair(argv, "-smp", "1"));
    EXPECT_TRUE(has_pair(argv, "-serial", "chardev:com1"));
    EXPECT_FALSE(has(argv, "-cdrom"));
    EXPECT_FALSE(has(argv, "-fw_cfg")); // blog_os's way of passing the command line
}

TEST(runner_qemu_command, LinuxKeepsAConsoleTheCallerChose) {
    EXPECT_EQ(runner::linux_cmdline(""), "console=ttyS0");
    EXPECT_EQ(runner::linux_cmdline("console=tty0 quiet"), "console=tty0 quiet");
}

} // namespace

namespace {

TEST(runner_qemu_command, AnInteractiveConsoleGivesCtrlCToTheGuest) {
    auto plan = base_plan();
    plan.interactive = true;
    auto argv = build_qemu_argv(base_options(), plan);
    EXPECT_TRUE(has_pair(argv, "-chardev", "stdio,id=com1,signal=off,mux=on"));
    EXPECT_TRUE(has_pair(argv, "-mon", "chardev=com1,mode=readline")); // Ctrl-A C, and Ctrl-A X to quit
    EXPECT_TRUE(has_pair(argv, "-serial", "chardev:com1"));
    // Tests and pipes keep QEMU's own Ctrl-C handling: nobody types there.
    EXPECT_TRUE(
        has_pair(build_qemu_argv(base_options(), base_plan()), "-chardev", "stdio,id=com1,signal=on"));
}

TEST(runner_qemu_command, DirectLoadsTheElfWithItsInitrdAndKeepsTheFwCfgCommandLine) {
    auto options = base_options();
    options.direct = true;
    options.firmware = runner::Firmware::Bios;
    options.test = true;
    options.cmdline = "loglevel=warn";
    auto plan = base_plan();
    plan.initrd_archive = "/b/initrd.cpio";
    auto argv = build_qemu_argv(options, plan);
    EXPECT_TRUE(has_pair(argv, "-kernel", "/b/kernel.elf"));
    EXPECT_TRUE(has_pair(argv, "-initrd", "/b/initrd.cpio"));
    // The same way as for the ISO, so the kernel's fw_cfg test and every option mean the same.
    EXPECT_TRUE(has_pair(argv, "-fw_cfg", "name=opt/blog_os/cmdline,string=test loglevel=warn"));
    EXPECT_FALSE(has(argv, "-append"));
    EXPECT_FALSE(has(argv, "-cdrom"));
    EXPECT_FALSE(has(argv, "-bios")); // SeaBIOS, QEMU's default
    EXPECT_TRUE(has_pair(argv, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"));
    EXPECT_TRUE(has(argv, "-no-reboot"));
}

TEST(runner_qemu_command, DirectWithoutCommandLineOrInitrdPassesNeither) {
    auto options = base_options();
    options.direct = true;
    options.firmware = runner::Firmware::Bios;
    options.qemu_args = {"-append", "ps"};
    auto argv = build_qemu_argv(options, base_plan());
    EXPECT_TRUE(has_pair(argv, "-kernel", "/b/kernel.elf"));
    EXPECT_FALSE(has(argv, "-initrd"));
    EXPECT_FALSE(has(argv, "-fw_cfg"));
    EXPECT_EQ(argv.back(), "ps"); // -append through --qemu-arg, last
}

} // namespace
