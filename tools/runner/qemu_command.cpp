// Building QEMU's and gdb's argv from the options; see qemu_command.h.
#include "qemu_command.h"

#include "qemu/exit_codes.h"

#include <sstream>

namespace runner {

std::string json_log_path_for(std::string_view serial_log) {
    constexpr std::string_view log_suffix = ".log";
    if (serial_log.size() > log_suffix.size() && serial_log.ends_with(log_suffix) &&
        serial_log[serial_log.size() - log_suffix.size() - 1] != '/') {
        serial_log.remove_suffix(log_suffix.size());
        return std::string(serial_log) + ".json.log";
    }
    return std::string(serial_log) + ".json";
}

std::string directory_of(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos)
        return ".";
    if (slash == 0)
        return "/";
    return std::string(path.substr(0, slash));
}

std::string escape_qemu_option_value(std::string_view value) {
    std::string escaped;
    for (char c : value) {
        escaped += c;
        if (c == ',')
            escaped += ',';
    }
    return escaped;
}

namespace {

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::istringstream stream{std::string(text)};
    std::string word;
    while (stream >> word)
        words.push_back(word);
    return words;
}

} // namespace

std::string effective_cmdline(const RunnerOptions& options) {
    if (!options.test)
        return options.cmdline;
    for (const auto& word : split_words(options.cmdline)) {
        if (word == "test" || word.starts_with("test="))
            return options.cmdline;
    }
    if (options.cmdline.empty())
        return "test";
    return "test " + options.cmdline;
}

std::string linux_cmdline(std::string_view cmdline) {
    for (const auto& word : split_words(cmdline)) {
        if (word.starts_with("console="))
            return std::string(cmdline);
    }
    return cmdline.empty() ? "console=ttyS0" : "console=ttyS0 " + std::string(cmdline);
}

bool qemu_stdin_is_terminal(const RunnerOptions& options, bool stdin_is_tty) {
    return stdin_is_tty && !options.test && !options.gdb;
}

bool use_display_none(const RunnerOptions& options, bool display_available) {
    return options.is_headless() || !display_available;
}

Accel resolve_accel(Accel requested, std::string_view proc_modules, bool kvm_device_usable) {
    if (requested != Accel::Auto)
        return requested;
    bool module_listed = false;
    std::istringstream lines{std::string(proc_modules)};
    std::string line;
    while (std::getline(lines, line)) {
        // Each line starts with the module name, then its size, use count and users.
        std::string name = line.substr(0, line.find(' '));
        if (name == "kvm_intel" || name == "kvm_amd")
            module_listed = true;
    }
    return module_listed && kvm_device_usable ? Accel::Kvm : Accel::Tcg;
}

std::vector<std::string> build_qemu_argv(const RunnerOptions& options, const QemuPlan& plan) {
    std::vector<std::string> argv = {qemu_binary};
    auto add = [&argv](std::initializer_list<std::string> items) { argv.insert(argv.end(), items); };

    add({"-machine", machine_name(options.machine)});
    if (plan.accel == Accel::Kvm)
        add({"-accel", "kvm", "-cpu", "host"});
    else
        add({"-accel", "tcg", "-cpu", "max"});
    add({"-m", options.memory});
    if (options.smp)
        add({"-smp", std::to_string(*options.smp)});
    if (options.firmware == Firmware::Uefi)
        add({"-bios", ovmf_path}); // SeaBIOS is QEMU's default, so bios needs nothing.
    if (options.boots_linux()) {
        add({"-kernel", options.linux_kernel, "-append", linux_cmdline(options.cmdline)});
    } else if (options.direct) {
        // The command line still goes through fw_cfg below, as for the ISO, so a run means the same
        // either way; -append (PVH's own command line, which the kernel reads too) is left to --qemu-arg.
        add({"-kernel", options.kernel});
    } else {
        add({"-cdrom", plan.boot_iso.empty() ? options.iso : plan.boot_iso, "-boot", "d"});
    }
    // QEMU loads the initrd next to a kernel it loads itself; from an ISO, GRUB does.
    if ((options.boots_linux() || options.direct) && !plan.initrd_archive.empty())
        add({"-initrd", plan.initrd_archive});

    // Reset would hide a triple fault: stop instead, which the exit mapping reads as "no result".
    add({"-no-reboot"});
    add({"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"});
    if (plan.interactive) {
        // The terminal's Ctrl-C is the guest's (its foreground job's, once there are jobs), not a
        // signal that kills QEMU; the multiplexer keeps a way out (Ctrl-A X) and the monitor.
        add({"-chardev", "stdio,id=com1,signal=off,mux=on", "-serial", "chardev:com1", "-mon",
             "chardev=com1,mode=readline"});
    } else {
        add({"-chardev", "stdio,id=com1,signal=on", "-serial", "chardev:com1"});
    }
    add({"-serial", "file:" + plan.json_log_path});
    add({"-qmp", "unix:" + escape_qemu_option_value(plan.qmp_socket_path) + ",server=on,wait=off"});
    if (use_display_none(options, plan.display_available))
        add({"-display", "none", "-monitor", "none"});

    std::string cmdline = effective_cmdline(options);
    if (!cmdline.empty() && !options.boots_linux()) {
        add({"-fw_cfg", std::string("name=") + qemu::cmdline_fw_cfg_name +
                            ",string=" + escape_qemu_option_value(cmdline)});
    }
    if (options.gdb)
        add({"-S", "-gdb", "tcp:127.0.0.1:" + std::to_string(plan.gdb_port)});
    if (options.debug_int)
        add({"-d", "int,cpu_reset", "-D", plan.debug_log_path});

    for (size_t i = 0; i < options.disks.size(); ++i) {
        const DiskImage& disk = options.disks[i];
        std::string id = "disk" + std::to_string(i);
        add({"-drive", "if=none,id=" + id + ",file=" + escape_qemu_option_value(disk.path) +
                           ",format=" + disk.format + (disk.read_only ? ",readonly=on" : "")});
        add({"-device", "virtio-blk-pci,drive=" + id});
    }

    argv.insert(argv.end(), options.qemu_args.begin(), options.qemu_args.end());
    return argv;
}

std::vector<std::string> build_xorriso_replace_argv(const std::string& base_iso,
                                                    const std::string& initrd_file,
                                                    const std::string& output_iso) {
    // -hfsplus must come after replay, which turns it back on for an image that has it.
    return {"xorriso", "-indev",   base_iso, "-outdev", output_iso,  "-boot_image",  "any",
            "replay",  "-hfsplus", "off",    "-map",    initrd_file, iso_initrd_path};
}

std::vector<std::string> build_gdb_argv(const std::string& kernel, int port, const std::string& gdb_script) {
    // gdb's "file" splits its argument at blanks unless it is quoted.
    bool has_blank = kernel.find_first_of(" \t") != std::string::npos;
    std::string file_command = has_blank ? "file \"" + kernel + "\"" : "file " + kernel;
    std::vector<std::string> argv = {
        "gdb", "-q",         "-ex", "set pagination off",
        "-ex", file_command, "-ex", "target remote 127.0.0.1:" + std::to_string(port),
    };
    if (!gdb_script.empty()) {
        argv.push_back("-x");
        argv.push_back(gdb_script);
    }
    return argv;
}

} // namespace runner
