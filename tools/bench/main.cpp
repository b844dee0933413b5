// tools/bench: `make bench`. Boots /bin/bench as /init on blog_os and on a Linux kernel image in the
// same QEMU (through the runner, with the same options), alternating kernels, and reports both side
// by side: a table on stdout; results.json, results.csv, table.md and ratios.png in --out.
//
//   bench --runner=PATH (--kernel=ELF | --iso=PATH) --linux=BZIMAGE --program=PATH --out=DIR [--runs=N]
//         [--tree=DIR] [--docs=FILE] [--disk-mib=N] [--linux-modules=DIR]
//
// With --kernel, QEMU loads blog_os itself (its PVH entry) as it loads Linux's bzImage: both kernels
// start the same way, with no boot loader. With --iso, blog_os boots through GRUB as `make run` does.
//
// --tree is the user tree (the userland install root) whose bin/ and usr/ both initrds hold beside
// /init: the shells and utilities the shell metrics start (busybox, our sh and toolbox).
//
// --disk-mib gives each boot a fresh ext2 disk of N MiB (mke2fs; a virtio-blk device) and the initrd
// an /etc/bench-disk naming it, for the disk metrics. --linux-modules is fetch-linux.sh's module
// directory: its .ko files and `order` go to the initrd's /lib/modules/bench, which the benchmark
// loads on Linux (Debian builds virtio-blk and ext2 as modules).
//
// --docs replaces the table between the bench-table markers in FILE and puts the plot beside it
// (images/benchmarks.png). The exit status is 0 iff every boot ran every metric without a failed check.
#include "results.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Options {
    std::string runner, kernel, iso, linux_kernel, program, out, docs, tree, linux_modules;
    int runs = 3;
    int disk_mib = 0;
};

constexpr int boot_timeout_seconds = 600;

std::optional<Options> parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value_of = [&](std::string_view name) -> std::optional<std::string> {
            std::string prefix = "--" + std::string(name) + "=";
            if (arg.starts_with(prefix))
                return std::string(arg.substr(prefix.size()));
            return std::nullopt;
        };
        if (auto value = value_of("runner"))
            options.runner = *value;
        else if (auto value = value_of("iso"))
            options.iso = *value;
        else if (auto value = value_of("kernel"))
            options.kernel = *value;
        else if (auto value = value_of("linux"))
            options.linux_kernel = *value;
        else if (auto value = value_of("program"))
            options.program = *value;
        else if (auto value = value_of("out"))
            options.out = *value;
        else if (auto value = value_of("docs"))
            options.docs = *value;
        else if (auto value = value_of("tree"))
            options.tree = *value;
        else if (auto value = value_of("runs"))
            options.runs = std::atoi(value->c_str());
        else if (auto value = value_of("disk-mib"))
            options.disk_mib = std::atoi(value->c_str());
        else if (auto value = value_of("linux-modules"))
            options.linux_modules = *value;
        else {
            std::fprintf(stderr, "bench: unknown argument '%s'\n", argv[i]);
            return std::nullopt;
        }
    }
    if (options.runner.empty() || options.iso.empty() == options.kernel.empty() ||
        options.linux_kernel.empty() || options.program.empty() || options.out.empty() || options.runs < 1 ||
        options.disk_mib < 0) {
        std::fprintf(
            stderr,
            "usage: bench --runner=PATH (--kernel=ELF | --iso=PATH) --linux=BZIMAGE --program=PATH --out=DIR "
            "[--runs=N (>= 1)] [--tree=DIR] [--docs=FILE] [--disk-mib=N] [--linux-modules=DIR]\n");
        return std::nullopt;
    }
    return options;
}

std::string read_file(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream text;
    text << stream.rdbuf();
    return text.str();
}

bool write_file(const fs::path& path, std::string_view text) {
    std::ofstream stream(path, std::ios::binary | std::ios::trunc);
    stream << text;
    return static_cast<bool>(stream);
}

// Runs argv with stdout and stderr into files; returns the exit status, or -1.
int run(const std::vector<std::string>& argv, const fs::path& stdout_path, const fs::path& stderr_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> pointers;
    for (const auto& arg : argv)
        pointers.push_back(const_cast<char*>(arg.c_str()));
    pointers.push_back(nullptr);
    pid_t pid = -1;
    int error = posix_spawnp(&pid, pointers[0], &actions, nullptr, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        std::fprintf(stderr, "bench: cannot start %s: %s\n", pointers[0], std::strerror(error));
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Boot {
    bench::GuestRun guest;
    std::string problem; // empty when the boot produced every result
};

Boot boot(const Options& options, bench::Kernel kernel, int index, const fs::path& initrd) {
    std::string name =
        std::string(kernel == bench::Kernel::Linux ? "linux" : "blog_os") + "-" + std::to_string(index);
    fs::path serial_log = fs::path(options.out) / "boots" / (name + ".serial.log");
    fs::path runner_log = fs::path(options.out) / "boots" / (name + ".runner.log");
    // Identical machines: SeaBIOS, pc, one CPU, 512 MiB, TCG, and the runner's CPU model.
    std::vector<std::string> argv = {options.runner,
                                     "--firmware=bios",
                                     "--machine=pc",
                                     "--memory=512M",
                                     "--smp=1",
                                     "--accel=tcg",
                                     "--headless",
                                     "--timeout=" + std::to_string(boot_timeout_seconds),
                                     "--initrd=" + initrd.string(),
                                     "--serial-log=" + serial_log.string(),
                                     "--expect=" + std::string(bench::started_marker),
                                     "--expect=" + std::string(bench::done_marker)};
    // The same fresh file system for both kernels, every boot.
    fs::path disk = fs::path(options.out) / "boots" / (name + ".disk.img");
    if (options.disk_mib > 0) {
        std::error_code ignored;
        fs::remove(disk, ignored);
        if (run({"mke2fs", "-q", "-t", "ext2", "-F", disk.string(), std::to_string(options.disk_mib) + "M"},
                runner_log, runner_log) != 0) {
            Boot failed;
            failed.problem = "mke2fs failed (see " + runner_log.string() + ")";
            return failed;
        }
        argv.push_back("--disk=" + disk.string() + ",format=raw"); // virtio-blk-pci
    }
    if (kernel == bench::Kernel::Linux) {
        argv.push_back("--linux=" + options.linux_kernel);
        argv.push_back("--cmdline=console=ttyS0 quiet"); // as distributions boot: no boot messages
    } else {
        if (!options.kernel.empty()) {
            argv.push_back("--direct");
            argv.push_back("--kernel=" + options.kernel);
        } else {
            argv.push_back("--iso=" + options.iso);
        }
    }
    std::fprintf(stderr, "bench: boot %d on %s\n", index, bench::kernel_name(kernel));
    int status = run(argv, fs::path(options.out) / "boots" / (name + ".console.log"), runner_log);
    if (options.disk_mib > 0) {
        std::error_code ignored;
        fs::remove(disk, ignored);
    }

    Boot result;
    result.guest = bench::parse_guest_output(read_file(serial_log));
    std::string problem = bench::run_problem(result.guest);
    if (status != 0 && problem.empty())
        problem = "the runner ended with status " + std::to_string(status);
    if (!problem.empty())
        result.problem = problem + " (see " + serial_log.string() + " and " + runner_log.string() + ")";
    auto host_seconds = bench::parse_seen_seconds(read_file(runner_log), bench::started_marker);
    if (host_seconds) {
        result.guest.samples.push_back(
            {"boot-host", *host_seconds * 1000, "ms", "boot to init, host: QEMU start to init's first line"});
    }
    // Linux boots `quiet` and times no scan of its own: blog_os only.
    if (auto scan_us = bench::parse_pci_scan_us(read_file(serial_log));
        kernel == bench::Kernel::BlogOs && scan_us)
        result.guest.samples.push_back(
            {"pci-scan", *scan_us, "us", "boot-time PCI scan, from the kernel log"});
    return result;
}

void plot(const fs::path& out) {
    std::string script = R"gp(set terminal pngcairo size 1100,560 font ",10" noenhanced
set output 'ratios.png'
set title "blog_os / Linux in the same QEMU, medians (below 1: blog_os takes less time or memory; rates as Linux / blog_os)"
set logscale y 2
set yrange [0.03:32]
set ytics ("1/32" 0.03125, "1/16" 0.0625, "1/8" 0.125, "1/4" 0.25, "1/2" 0.5, "1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32)
set grid ytics
set xtics rotate by -35 left
set bmargin 9
set style fill solid 0.7 border -1
set object 1 rect from graph 0, first 0.8 to graph 1, first 1.2 fc rgb "#dddddd" behind
plot 'ratios.dat' using 0:2:($0-0.35):($0+0.35):(1):2:($2 < 0.8 ? 0x2e8b57 : $2 > 1.2 ? 0xcd5c5c : 0x888888):xtic(1) \
         with boxxyerror lc rgb variable notitle, \
     0.5 with lines dt 2 lc rgb "#2e8b57" title "goal: half of Linux's time"
)gp";
    write_file(out / "ratios.gp", script);
    // A plot from an earlier run must not pass for this one's.
    std::error_code ignored;
    fs::remove(out / "ratios.png", ignored);
    // The script names its files relative to `out`.
    std::string change_directory = "cd '" + out.string() + "'";
    if (run({"gnuplot", "-e", change_directory, (out / "ratios.gp").string()}, out / "gnuplot.log",
            out / "gnuplot.log") != 0)
        std::fprintf(stderr, "bench: gnuplot failed, see %s\n", (out / "gnuplot.log").c_str());
}

} // namespace

int main(int argc, char** argv) {
    auto parsed = parse(argc, argv);
    if (!parsed)
        return 64;
    Options options = *parsed;
    std::error_code error;
    fs::create_directories(fs::path(options.out) / "boots", error);
    options.out = fs::absolute(options.out).string();

    // Both kernels boot the same initrd: the benchmark as /init, and the tree's programs.
    fs::path initrd = fs::path(options.out) / "initrd";
    fs::remove_all(initrd, error);
    fs::create_directories(initrd);
    for (const char* directory : {"bin", "usr"}) {
        if (options.tree.empty())
            break;
        fs::copy(fs::path(options.tree) / directory, initrd / directory,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks, error);
        if (error) {
            std::fprintf(stderr, "bench: cannot copy %s/%s: %s\n", options.tree.c_str(), directory,
                         error.message().c_str());
            return 1;
        }
    }
    if (!options.linux_modules.empty()) {
        fs::create_directories(initrd / "lib" / "modules" / "bench", error);
        for (const auto& entry : fs::directory_iterator(options.linux_modules, error)) {
            if (entry.path().extension() == ".ko" || entry.path().filename() == "order")
                fs::copy_file(entry.path(), initrd / "lib" / "modules" / "bench" / entry.path().filename(),
                              error);
            if (error)
                break;
        }
        if (error) {
            std::fprintf(stderr, "bench: cannot copy the modules of %s: %s\n", options.linux_modules.c_str(),
                         error.message().c_str());
            return 1;
        }
    }
    if (options.disk_mib > 0) {
        fs::create_directories(initrd / "etc", error);
        if (error || !write_file(initrd / "etc" / "bench-disk", "/dev/vda ext2\n")) {
            std::fprintf(stderr, "bench: cannot write the initrd's /etc/bench-disk\n");
            return 1;
        }
    }
    if (!fs::copy_file(options.program, initrd / "init", fs::copy_options::overwrite_existing, error)) {
        std::fprintf(stderr, "bench: cannot copy %s: %s\n", options.program.c_str(), error.message().c_str());
        return 1;
    }

    std::vector<bench::Metric> metrics;
    std::string systems[2];
    int problems = 0;
    for (int index = 1; index <= options.runs; ++index) {
        for (bench::Kernel kernel : {bench::Kernel::BlogOs, bench::Kernel::Linux}) {
            Boot result = boot(options, kernel, index, initrd);
            if (!result.problem.empty()) {
                std::fprintf(stderr, "bench: boot %d on %s: %s\n", index, bench::kernel_name(kernel),
                             result.problem.c_str());
                ++problems;
            }
            bench::add_run(metrics, kernel, result.guest.samples);
            if (!result.guest.system.empty())
                systems[kernel == bench::Kernel::Linux] = result.guest.system;
        }
    }

    auto comparisons = bench::compare(metrics);
    std::string table = bench::format_table(comparisons);
    fs::path out = options.out;
    write_file(out / "table.md", table);
    write_file(out / "results.csv", bench::format_csv(comparisons));
    write_file(out / "results.json", bench::format_json(comparisons, systems[1], systems[0], options.runs));
    write_file(out / "ratios.dat", bench::format_plot_data(comparisons));
    plot(out);

    std::printf(
        "%s (%d boot%s each, medians; ratio = blog_os / Linux, of rates Linux / blog_os: below 1 blog_os "
        "is faster; within ±%.0f%%: no difference)\n\n%s\n",
        (systems[0] + " vs " + systems[1]).c_str(), options.runs, options.runs == 1 ? "" : "s",
        bench::noise_band * 100, table.c_str());
    std::printf("bench: results in %s (results.json, results.csv, table.md%s)\n", out.c_str(),
                fs::exists(out / "ratios.png") ? ", ratios.png" : "; no plot: gnuplot missing or failed");

    if (!options.docs.empty() && problems > 0) {
        std::fprintf(stderr, "bench: %s left as it was: not every boot gave every result\n",
                     options.docs.c_str());
    } else if (!options.docs.empty()) {
        auto updated = bench::replace_table(read_file(options.docs), table);
        fs::path image = fs::path(options.docs).parent_path() / "images" / "benchmarks.png";
        if (!updated || !write_file(options.docs, *updated)) {
            std::fprintf(stderr, "bench: %s has no bench-table markers to replace\n", options.docs.c_str());
            ++problems;
        } else if (fs::exists(out / "ratios.png")) {
            fs::copy_file(out / "ratios.png", image, fs::copy_options::overwrite_existing, error);
            std::printf("bench: updated %s and %s\n", options.docs.c_str(), image.c_str());
        }
    }
    if (problems > 0)
        std::fprintf(stderr, "bench: %d boot%s did not give every result\n", problems,
                     problems == 1 ? "" : "s");
    return problems == 0 ? 0 : 1;
}
