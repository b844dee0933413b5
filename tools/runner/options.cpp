// Parsing of the runner's options: "--name=value" and "--name value" alike, every value checked here so
// that nothing later has to second-guess it.
#include "options.h"

#include "keys.h"

#include <cctype>
#include <charconv>
#include <functional>
#include <limits>

namespace runner {

const char* firmware_name(Firmware firmware) {
    return firmware == Firmware::Uefi ? "uefi" : "bios";
}

const char* machine_name(Machine machine) {
    return machine == Machine::Pc ? "pc" : "q35";
}

const char* accel_name(Accel accel) {
    switch (accel) {
    case Accel::Auto:
        return "auto";
    case Accel::Kvm:
        return "kvm";
    case Accel::Tcg:
        return "tcg";
    }
    return "?";
}

int RunnerOptions::effective_timeout_seconds() const {
    if (gdb)
        return 0;
    if (timeout_seconds)
        return *timeout_seconds;
    return test ? default_test_timeout_seconds : 0;
}

namespace {

std::optional<long long> parse_decimal(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::optional<int> parse_int_in_range(std::string_view text, int minimum, int maximum) {
    // from_chars accepts a leading '-', which we do not want in "--smp=-1" style typos.
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front())))
        return std::nullopt;
    auto value = parse_decimal(text);
    if (!value || *value < minimum || *value > maximum)
        return std::nullopt;
    return static_cast<int>(*value);
}

struct OptionSpec {
    std::string_view name;
    bool takes_value;
    // Returns an error message, or an empty string.
    std::function<std::string(RunnerOptions&, const std::string&)> apply;
};

std::string require_non_empty(std::string_view name, const std::string& value) {
    if (value.empty())
        return "--" + std::string(name) + " needs a non-empty value";
    return {};
}

std::vector<OptionSpec> option_specs() {
    auto path_option = [](std::string_view name, std::string RunnerOptions::*member) {
        return OptionSpec{name, true, [name, member](RunnerOptions& options, const std::string& value) {
                              options.*member = value;
                              return require_non_empty(name, value);
                          }};
    };
    auto flag = [](std::string_view name, bool RunnerOptions::*member) {
        return OptionSpec{name, false, [member](RunnerOptions& options, const std::string&) {
                              options.*member = true;
                              return std::string();
                          }};
    };
    return {
        path_option("iso", &RunnerOptions::iso),
        path_option("kernel", &RunnerOptions::kernel),
        path_option("initrd", &RunnerOptions::initrd),
        path_option("linux", &RunnerOptions::linux_kernel),
        path_option("serial-log", &RunnerOptions::serial_log),
        path_option("screenshot", &RunnerOptions::screenshot),
        path_option("gdb-script", &RunnerOptions::gdb_script),
        {"firmware", true,
         [](RunnerOptions& options, const std::string& value) -> std::string {
             if (value == "uefi")
                 options.firmware = Firmware::Uefi;
             else if (value == "bios")
                 options.firmware = Firmware::Bios;
             else
                 return "--firmware must be uefi or bios, not '" + value + "'";
             return {};
         }},
        {"machine", true,
         [](RunnerOptions& options, const std::string& value) -> std::string {
             if (value == "pc")
                 options.machine = Machine::Pc;
             else if (value == "q35")
                 options.machine = Machine::Q35;
             else
                 return "--machine must be pc or q35, not '" + value + "'";
             return {};
         }},
        {"accel", true,
         [](RunnerOptions& options, const std::string& value) -> std::string {
             if (value == "auto")
                 options.accel = Accel::Auto;
             else if (value == "kvm")
                 options.accel = Accel::Kvm;
             else if (value == "tcg")
                 options.accel = Accel::Tcg;
             else
                 return "--accel must be auto, kvm or tcg, not '" + value + "'";
             return {};
         }},
        {"memory", true,
         [](RunnerOptions& options, const std::string& value) -> std::string {
             if (!is_valid_memory_size(value))
                 return "--memory must be a size such as 512M, 4G or 1024 (MiB), not '" + value + "'";
             options.memory = value;
             return {};
         }},
        {"smp", true,
         [](RunnerOptions& options, const std::string& value) -> std::string {
             // 255 is the most CPUs QEMU's pc machine accepts without x2APIC.
             auto count = parse_int_in_range(value, 1, 255);
             if (!count)
                 return "--smp must be a CPU count from 1 to 255, not '" + value + "'";
             options.smp = count;
             return {};
         }},
        {"timeout", true,
         [](RunnerOptions& options, const std::string& value) -> std::string {
             auto seconds = parse_int_in_range(value, 0, std::numeric_limits<int>::max());
             if (!seconds)
                 return "--timeout must be a whole number of seconds (0 = none), not '" + value + "'";
             options.timeout_seconds = seconds;
             return {};
         }},
        {"cmdline", true,
         [](RunnerOptions& options, const std::string& value) {
             options.cmdline = value;
             return std::string();
         }},
        {"expect", true,
         [](RunnerOptions& options, const std::string& value) {
             options.expectations.push_back(value);
             return require_non_empty("expect", value);
         }},
        {"keys-after", true,
         [](RunnerOptions& options, const std::string& value) {
             options.next_keys_after = value;
             return require_non_empty("keys-after", value);
         }},
        {"send-keys", true,
         [](RunnerOptions& options, const std::string& value) {
             ParsedKeys parsed = parse_keys(value);
             if (!parsed.error.empty())
                 return "--send-keys: " + parsed.error;
             options.key_steps.push_back({options.next_keys_after, value});
             options.next_keys_after.clear();
             return require_non_empty("send-keys", value);
         }},
        {"disk", true,
         [](RunnerOptions& options, const std::string& value) {
             DiskImage disk;
             std::string error = parse_disk(value, disk);
             if (error.empty())
                 options.disks.push_back(disk);
             return error;
         }},
        {"qemu-arg", true,
         [](RunnerOptions& options, const std::string& value) {
             options.qemu_args.push_back(value);
             return std::string();
         }},
        flag("test", &RunnerOptions::test),
        flag("headless", &RunnerOptions::headless),
        flag("gdb", &RunnerOptions::gdb),
        flag("direct", &RunnerOptions::direct),
        flag("debug-int", &RunnerOptions::debug_int),
        flag("help", &RunnerOptions::help),
    };
}

} // namespace

std::string parse_disk(std::string_view text, DiskImage& disk) {
    disk = DiskImage();
    std::string_view path = text;
    std::string format;
    // Suffixes, from the end: ",format=raw|qcow2" and ",readonly".
    for (;;) {
        size_t comma = path.rfind(',');
        if (comma == std::string_view::npos)
            break;
        std::string_view suffix = path.substr(comma + 1);
        if (suffix.substr(0, 7) == "format=") {
            format = std::string(suffix.substr(7));
            if (format != "raw" && format != "qcow2")
                return "--disk: format must be raw or qcow2, not '" + format + "'";
        } else if (suffix == "readonly") {
            disk.read_only = true;
        } else {
            break; // a comma in the file's name
        }
        path = path.substr(0, comma);
    }
    if (path.empty())
        return "--disk needs an image file (--disk=IMAGE[,format=raw|qcow2][,readonly])";
    if (format.empty())
        format = path.size() > 6 && path.substr(path.size() - 6) == ".qcow2" ? "qcow2" : "raw";
    disk.path = std::string(path);
    disk.format = format;
    return {};
}

bool is_valid_memory_size(std::string_view text) {
    if (text.empty())
        return false;
    char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
    std::string_view digits = text;
    if (last == 'M' || last == 'G' || last == 'T')
        digits.remove_suffix(1);
    if (digits.empty() || digits.size() > 9)
        return false;
    for (char c : digits) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    }
    auto value = parse_decimal(digits);
    return value && *value > 0;
}

ParseResult parse_options(const std::vector<std::string>& args, std::string_view default_gdb_script) {
    ParseResult result;
    result.options.gdb_script = std::string(default_gdb_script);
    auto specs = option_specs();

    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
            result.error = "unexpected argument '" + arg + "' (options look like --name=value)";
            return result;
        }
        std::string_view body = std::string_view(arg).substr(2);
        auto equals = body.find('=');
        std::string_view name = body.substr(0, equals);
        std::optional<std::string> inline_value;
        if (equals != std::string_view::npos)
            inline_value = std::string(body.substr(equals + 1));

        const OptionSpec* spec = nullptr;
        for (const auto& candidate : specs) {
            if (candidate.name == name)
                spec = &candidate;
        }
        if (!spec) {
            result.error = "unknown option '--" + std::string(name) + "'";
            return result;
        }

        std::string value;
        if (spec->takes_value) {
            if (inline_value) {
                value = *inline_value;
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                result.error = "--" + std::string(name) + " needs a value";
                return result;
            }
        } else if (inline_value) {
            result.error = "--" + std::string(name) + " takes no value";
            return result;
        }

        result.error = spec->apply(result.options, value);
        if (!result.error.empty())
            return result;
    }

    const RunnerOptions& options = result.options;
    if (options.help)
        return result;
    if (!options.next_keys_after.empty()) {
        result.error = "--keys-after=" + options.next_keys_after + " has no --send-keys after it";
        return result;
    }
    if (options.direct) {
        if (options.boots_linux())
            result.error = "--direct boots blog_os; it cannot be combined with --linux";
        else if (options.kernel.empty())
            result.error = "--direct needs --kernel=PATH (the ELF file QEMU loads)";
        else if (options.firmware != Firmware::Bios)
            result.error = "--direct needs --firmware=bios: only SeaBIOS runs QEMU's PVH loader (OVMF cannot "
                           "start a PVH ELF kernel)";
        else if (options.gdb)
            result.error = "--direct cannot be combined with --gdb (it needs the ISO boot)";
        return result;
    }
    if (options.boots_linux()) {
        if (options.test || options.gdb || !options.screenshot.empty())
            result.error =
                "--linux cannot be combined with --test, --gdb or --screenshot (they need blog_os)";
        return result;
    }
    if (options.iso.empty())
        result.error = "--iso=PATH is required";
    else if (options.gdb && options.kernel.empty())
        result.error = "--gdb needs --kernel=PATH (the ELF file gdb reads symbols from)";
    else if (options.gdb && !options.expectations.empty())
        result.error = "--expect cannot be combined with --gdb (the run ends when gdb exits)";
    return result;
}

std::string usage_text() {
    return "usage: runner --iso=PATH [options]\n"
           "       runner --direct --kernel=ELF --firmware=bios [--initrd=DIR|FILE] [options]\n"
           "       runner --linux=BZIMAGE [--initrd=DIR|FILE] [options]\n"
           "Boots a built blog_os ISO in QEMU, shows COM1 and maps the kernel's result to an exit status\n"
           "(0 success or a guest power-off, 1 failure, 2 panic while reporting, 3 unknown, 4 timeout,\n"
           "5 guest reset (-no-reboot ends QEMU), 10 QEMU killed, 64 bad usage).\n"
           "Options take --name=value or --name value.\n"
           "  --iso=PATH           ISO image to boot (required)\n"
           "  --kernel=PATH        kernel ELF with symbols (needed by --gdb)\n"
           "  --initrd=DIR|FILE    boot with another initrd: a copy of the ISO with /boot/initrd.cpio\n"
           "                       replaced (needs xorriso); a DIR is packed first, as tools/mkinitrd\n"
           "                       would, a FILE is used as it is\n"
           "  --direct             boot --kernel=ELF with QEMU's -kernel (PVH entry) instead of the ISO\n"
           "                       through GRUB, SeaBIOS only: --initrd (a DIR is packed; default: the\n"
           "                       build's initrd.cpio) becomes -initrd; no framebuffer\n"
           "  --linux=BZIMAGE      boot this Linux kernel instead of an ISO, with the same QEMU options\n"
           "                       (to compare with Linux): --initrd is its initramfs (a DIR is packed),\n"
           "                       --cmdline its command line (console=ttyS0 unless one is given)\n"
           "  --serial-log=FILE    copy of COM1 output (default serial.log); COM2's JSON log goes to\n"
           "                       FILE with .log replaced by .json.log (or FILE.json)\n"
           "  --firmware=uefi|bios firmware: OVMF or SeaBIOS (default uefi)\n"
           "  --machine=pc|q35     QEMU machine type (default pc)\n"
           "  --memory=SIZE        guest RAM such as 512M, 4G or 1024 (MiB) (default 512M)\n"
           "  --smp=N              number of CPUs\n"
           "  --accel=auto|kvm|tcg accelerator; auto picks kvm only where it works (default auto)\n"
           "  --cmdline=TEXT       kernel command line\n"
           "  --test               run the kernel's tests: adds 'test' to the command line, implies\n"
           "                       --headless and --timeout=120\n"
           "  --headless           no display window (also the default when DISPLAY is unset)\n"
           "  --timeout=SECONDS    give up after SECONDS, exit 4 (0 = never; ignored with --gdb)\n"
           "  --expect=TEXT        succeed as soon as COM1 has shown TEXT (repeatable: all of them)\n"
           "  --send-keys=KEYS     type KEYS on the guest's PS/2 keyboard (QMP send-key, a key every 100 "
           "ms),\n"
           "                       in order with other --send-keys (repeatable). Characters type themselves "
           "on a US\n"
           "                       layout (newline: Return); braces name keys and combinations:\n"
           "                       {ret} {esc} {tab} {backspace} {up} {pgup} {f2} {ctrl-c} {alt-f2}\n"
           "                       {shift-pgup} {ctrl-alt-f1}; \"{{\" types '{'\n"
           "  --keys-after=TEXT    the next --send-keys waits until COM1 shows TEXT (after the keys\n"
           "                       before it were sent)\n"
           "  --screenshot=FILE    save the screen once the kernel reports its banner drawn\n"
           "                       (.png for PNG, otherwise PPM)\n"
           "  --gdb                start QEMU halted and attach gdb to it; COM1 goes to the serial log\n"
           "  --gdb-script=PATH    gdb script to load with --gdb (default: tools/gdb/blog_os.gdb)\n"
           "  --debug-int          log interrupts and CPU resets to qemu-debug.log beside the serial log\n"
           "  --disk=IMAGE[,format=raw|qcow2][,readonly]\n"
           "                       a virtio-blk-pci disk over the image (repeatable: /dev/vda, /dev/vdb,\n"
           "                       ... in order); the format is the suffix's, else qcow2 for a .qcow2\n"
           "                       file, else raw; readonly makes the disk read-only to the guest\n"
           "  --qemu-arg=ARG       extra QEMU argument, appended verbatim (repeatable)\n"
           "  --help               show this text\n";
}

} // namespace runner
