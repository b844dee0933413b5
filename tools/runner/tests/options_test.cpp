// Option parsing: both spellings, defaults, implied settings and rejection of bad values.
#include "options.h"

#include <gtest/gtest.h>

namespace {

using runner::parse_options;
using runner::ParseResult;

ParseResult parse(std::vector<std::string> args) {
    return parse_options(args, "/default/blog_os.gdb");
}

TEST(runner_options, DefaultsWithOnlyAnIso) {
    auto result = parse({"--iso=os.iso"});
    ASSERT_EQ(result.error, "");
    const auto& options = result.options;
    EXPECT_EQ(options.iso, "os.iso");
    EXPECT_EQ(options.firmware, runner::Firmware::Uefi);
    EXPECT_EQ(options.machine, runner::Machine::Pc);
    EXPECT_EQ(options.accel, runner::Accel::Auto);
    EXPECT_EQ(options.memory, "512M");
    EXPECT_EQ(options.serial_log, "serial.log");
    EXPECT_EQ(options.gdb_script, "/default/blog_os.gdb");
    EXPECT_EQ(options.initrd, ""); // the ISO's own initrd
    EXPECT_FALSE(options.smp.has_value());
    EXPECT_FALSE(options.is_headless());
    EXPECT_EQ(options.effective_timeout_seconds(), 0);
}

TEST(runner_options, EqualsAndSeparateValueSpellings) {
    auto result =
        parse({"--iso", "a.iso", "--kernel=k.elf", "--firmware", "bios", "--machine=q35", "--memory", "4G",
               "--smp=4", "--cmdline", "log=debug,serial", "--serial-log=out/s.log", "--accel=tcg",
               "--screenshot", "shot.png", "--gdb-script=x.gdb"});
    ASSERT_EQ(result.error, "");
    const auto& options = result.options;
    EXPECT_EQ(options.iso, "a.iso");
    EXPECT_EQ(options.kernel, "k.elf");
    EXPECT_EQ(options.firmware, runner::Firmware::Bios);
    EXPECT_EQ(options.machine, runner::Machine::Q35);
    EXPECT_EQ(options.memory, "4G");
    EXPECT_EQ(options.smp, 4);
    EXPECT_EQ(options.cmdline, "log=debug,serial");
    EXPECT_EQ(options.serial_log, "out/s.log");
    EXPECT_EQ(options.accel, runner::Accel::Tcg);
    EXPECT_EQ(options.screenshot, "shot.png");
    EXPECT_EQ(options.gdb_script, "x.gdb");
}

TEST(runner_options, RepeatableOptionsKeepTheirOrder) {
    auto result = parse({"--iso=a", "--expect=one", "--qemu-arg=-s", "--expect", "two words", "--qemu-arg",
                         "-d", "--qemu-arg=guest_errors"});
    ASSERT_EQ(result.error, "");
    EXPECT_EQ(result.options.expectations, (std::vector<std::string>{"one", "two words"}));
    EXPECT_EQ(result.options.qemu_args, (std::vector<std::string>{"-s", "-d", "guest_errors"}));
}

TEST(runner_options, ValueMayContainEqualsSigns) {
    auto result = parse({"--iso=a", "--cmdline=test=alloc log=trace"});
    ASSERT_EQ(result.error, "");
    EXPECT_EQ(result.options.cmdline, "test=alloc log=trace");
}

TEST(runner_options, InitrdTakesADirectoryOrAFileInBothSpellings) {
    auto result = parse({"--iso=a", "--initrd=build/userland-root/"});
    ASSERT_EQ(result.error, "");
    EXPECT_EQ(result.options.initrd, "build/userland-root/");
    auto separate = parse({"--initrd", "my initrd.cpio", "--iso=a", "--firmware=bios"});
    ASSERT_EQ(separate.error, "");
    EXPECT_EQ(separate.options.initrd, "my initrd.cpio");
    // Combines with everything, --test and --gdb included.
    EXPECT_EQ(parse({"--iso=a", "--initrd=d", "--test", "--kernel=k", "--gdb"}).error, "");
    EXPECT_EQ(parse({"--iso=a", "--initrd="}).error, "--initrd needs a non-empty value");
    EXPECT_EQ(parse({"--iso=a", "--initrd"}).error, "--initrd needs a value");
    EXPECT_EQ(parse({"--initrd=d"}).error, "--iso=PATH is required");
}

TEST(runner_options, TestImpliesHeadlessAndTimeout) {
    auto result = parse({"--iso=a", "--test"});
    ASSERT_EQ(result.error, "");
    EXPECT_TRUE(result.options.is_headless());
    EXPECT_EQ(result.options.effective_timeout_seconds(), runner::default_test_timeout_seconds);

    auto explicit_timeout = parse({"--iso=a", "--test", "--timeout=7"});
    EXPECT_EQ(explicit_timeout.options.effective_timeout_seconds(), 7);
    auto no_timeout = parse({"--iso=a", "--test", "--timeout", "0"});
    EXPECT_EQ(no_timeout.options.effective_timeout_seconds(), 0);
}

TEST(runner_options, GdbHasNoTimeoutAndNeedsAKernel) {
    auto result = parse({"--iso=a", "--kernel=k", "--gdb", "--timeout=5"});
    ASSERT_EQ(result.error, "");
    EXPECT_EQ(result.options.effective_timeout_seconds(), 0);
    EXPECT_NE(parse({"--iso=a", "--gdb"}).error.find("--kernel"), std::string::npos);
    EXPECT_NE(parse({"--iso=a", "--kernel=k", "--gdb", "--expect=x"}).error, "");
}

TEST(runner_options, MemorySizes) {
    for (const char* good : {"128M", "4G", "1024", "2g", "1T", "512m"})
        EXPECT_TRUE(runner::is_valid_memory_size(good)) << good;
    for (const char* bad : {"", "M", "0", "0M", "12X", "-5M", "1.5G", "lots", "4GB", " 4G", "99999999999M"})
        EXPECT_FALSE(runner::is_valid_memory_size(bad)) << bad;
    auto result = parse({"--iso=a", "--memory=lots"});
    EXPECT_NE(result.error.find("--memory"), std::string::npos);
    EXPECT_NE(result.error.find("lots"), std::string::npos);
}

TEST(runner_options, RejectsBadValues) {
    auto error_for = [](std::vector<std::string> args) {
        args.insert(args.begin(), "--iso=a");
        return parse(args).error;
    };
    EXPECT_NE(error_for({"--firmware=coreboot"}).find("uefi or bios"), std::string::npos);
    EXPECT_NE(error_for({"--machine=isapc"}).find("pc or q35"), std::string::npos);
    EXPECT_NE(error_for({"--accel=hvf"}).find("auto, kvm or tcg"), std::string::npos);
    EXPECT_NE(error_for({"--smp=0"}), "");
    EXPECT_NE(error_for({"--smp=-1"}), "");
    EXPECT_NE(error_for({"--smp=four"}), "");
    EXPECT_NE(error_for({"--smp=256"}), "");
    EXPECT_NE(error_for({"--timeout=-3"}), "");
    EXPECT_NE(error_for({"--timeout=1m"}), "");
    EXPECT_NE(error_for({"--expect="}), "");
    EXPECT_NE(error_for({"--serial-log="}), "");
}

TEST(runner_options, RejectsMalformedCommandLines) {
    EXPECT_NE(parse({}).error.find("--iso"), std::string::npos);
    EXPECT_NE(parse({"--iso=a", "--bogus"}).error.find("unknown option '--bogus'"), std::string::npos);
    EXPECT_NE(parse({"--iso=a", "stray"}).error.find("stray"), std::string::npos);
    EXPECT_NE(parse({"--iso=a", "-t"}).error, "");
    EXPECT_NE(parse({"--iso=a", "--test=yes"}).error.find("takes no value"), std::string::npos);
    EXPECT_NE(parse({"--iso=a", "--memory"}).error.find("needs a value"), std::string::npos);
}

TEST(runner_options, DisksTakeTheirFormatFromTheSuffixOrTheExtension) {
    auto result = parse({"--iso=a", "--disk=one.img", "--disk=two.qcow2", "--disk=three.bin,format=qcow2",
                         "--disk=a,b.img,readonly", "--disk", "x.qcow2,format=raw,readonly"});
    ASSERT_EQ(result.error, "");
    ASSERT_EQ(result.options.disks.size(), 5u);
    EXPECT_EQ(result.options.disks[0].path, "one.img");
    EXPECT_EQ(result.options.disks[0].format, "raw");
    EXPECT_FALSE(result.options.disks[0].read_only);
    EXPECT_EQ(result.options.disks[1].format, "qcow2");
    EXPECT_EQ(result.options.disks[2].path, "three.bin");
    EXPECT_EQ(result.options.disks[2].format, "qcow2");
    EXPECT_EQ(result.options.disks[3].path, "a,b.img");
    EXPECT_TRUE(result.options.disks[3].read_only);
    EXPECT_EQ(result.options.disks[4].path, "x.qcow2");
    EXPECT_EQ(result.options.disks[4].format, "raw");
    EXPECT_TRUE(result.options.disks[4].read_only);
    EXPECT_NE(parse({"--iso=a", "--disk=x,format=vmdk"}).error, "");
    EXPECT_NE(parse({"--iso=a", "--disk=,readonly"}).error, "");
}

TEST(runner_options, HelpNeedsNothingElseAndUsageListsEveryOption) {
    auto result = parse({"--help"});
    EXPECT_EQ(result.error, "");
    EXPECT_TRUE(result.options.help);
    auto usage = runner::usage_text();
    for (const char* option :
         {"--iso",      "--kernel", "--initrd",     "--serial-log", "--firmware",   "--machine",
          "--memory",   "--smp",    "--accel",      "--cmdline",    "--test",       "--headless",
          "--timeout",  "--expect", "--screenshot", "--gdb",        "--gdb-script", "--debug-int",
          "--qemu-arg", "--help",   "--direct",     "--disk"})
        EXPECT_NE(usage.find(option), std::string::npos) << option;
}

} // namespace

namespace {

TEST(runner_options, LinuxNeedsNoIsoButRefusesBlogOsOnlyModes) {
    auto result = runner::parse_options({"--linux=/l/vmlinuz", "--initrd=root"}, "");
    ASSERT_EQ(result.error, "");
    EXPECT_TRUE(result.options.boots_linux());
    EXPECT_EQ(result.options.linux_kernel, "/l/vmlinuz");
    for (const char* mode : {"--test", "--gdb", "--screenshot=x.png"}) {
        auto refused = runner::parse_options({"--linux=/l/vmlinuz", mode}, "");
        EXPECT_NE(refused.error.find("--linux cannot be combined"), std::string::npos) << mode;
    }
}

} // namespace

namespace {

TEST(runner_options, DirectBootsTheKernelElfUnderSeaBiosWithoutAnIso) {
    auto result =
        runner::parse_options({"--direct", "--kernel=/b/kernel.elf", "--firmware=bios", "--test"}, "");
    ASSERT_EQ(result.error, "");
    EXPECT_TRUE(result.options.direct);
    EXPECT_TRUE(result.options.boots_without_iso());
    EXPECT_FALSE(result.options.boots_linux());
}

TEST(runner_options, DirectRefusesOvmfAMissingKernelAndIsoOnlyModes) {
    auto no_kernel = runner::parse_options({"--direct", "--firmware=bios"}, "");
    EXPECT_NE(no_kernel.error.find("--kernel"), std::string::npos);
    // The default firmware is OVMF, which has no PVH loader.
    auto uefi = runner::parse_options({"--direct", "--kernel=k.elf"}, "");
    EXPECT_NE(uefi.error.find("--firmware=bios"), std::string::npos);
    auto explicit_uefi = runner::parse_options({"--direct", "--kernel=k.elf", "--firmware=uefi"}, "");
    EXPECT_NE(explicit_uefi.error.find("OVMF"), std::string::npos);
    auto refused = runner::parse_options({"--direct", "--kernel=k.elf", "--firmware=bios", "--gdb"}, "");
    EXPECT_NE(refused.error.find("--direct cannot be combined"), std::string::npos);
    // The display driver gives a --direct boot a screen (QEMU's std VGA): it can be photographed.
    auto screenshot =
        runner::parse_options({"--direct", "--kernel=k.elf", "--firmware=bios", "--screenshot=x.png"}, "");
    EXPECT_EQ(screenshot.error, "");
    auto with_linux =
        runner::parse_options({"--direct", "--kernel=k.elf", "--firmware=bios", "--linux=v"}, "");
    EXPECT_NE(with_linux.error.find("--linux"), std::string::npos);
}

} // namespace
