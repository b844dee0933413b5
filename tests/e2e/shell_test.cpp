// /bin/sh inside blog_os: a script exercising the shell's system calls (fork, execve, pipe, dup2,
// wait, signals, files under /tmp) runs as the first process, and prints what Debian's dash
// prints for the same script on this host.
#include "e2e_support.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>

namespace {

namespace fs = std::filesystem;

// Builtins and sh itself only: the initrd made here holds nothing else.
constexpr const char* script = R"(x=$((6 * 7)); echo "answer $x"
f() { echo "f:$#:$*"; }; f a 'b c'
for i in 1 2 3; do printf '%s,' "$i"; done; echo
echo piped | { read v; echo "read $v"; }
s=$(echo sub; echo stitution); echo $s
cd /tmp && echo one > a.txt && echo two >> a.txt && : > b.txt && echo *.txt
while read line; do echo "line $line"; done < a.txt
while read l; do echo "doc $l"; done <<END_OF_DOC
here $x
END_OF_DOC
sh -c 'exit 3'; echo "child status $?"
(exit 4) & wait $!; echo "background status $?"
trap 'echo trapped USR1' USR1; kill -USR1 $$
case abc in a*) echo matched;; esac
nosuch 2>/dev/null; echo "missing $?"
trap 'echo bye' EXIT
)";

std::string output_of(const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    std::array<char, 4096> buffer{};
    size_t length;
    while ((length = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        output.append(buffer.data(), length);
    pclose(pipe);
    return output;
}

} // namespace

TEST(Shell, AScriptPrintsWhatDashPrintsOnTheHost) {
    if (std::system("command -v dash > /dev/null 2>&1") != 0)
        GTEST_SKIP() << "dash is not installed";
    char pattern[] = "/tmp/blog_os_e2e_shell_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    fs::path tree = pattern;
    fs::create_directories(tree / "bin");
    fs::create_directories(tree / "tmp");
    fs::copy_file(fs::path(BLOG_OS_USERLAND_ROOT) / "bin/sh", tree / "bin/sh");
    std::ofstream(tree / "script.sh") << script;
    // The same script under dash on the host, in a scratch directory standing in for /tmp.
    fs::path host = tree.string() + "-host";
    fs::create_directories(host / "bin");
    fs::create_symlink("/usr/bin/dash", host / "bin/sh");
    std::string host_script = script;
    host_script.replace(host_script.find("cd /tmp"), 7, "cd " + host.string());
    std::ofstream(host / "script.sh") << host_script;
    std::string expected = output_of("PATH=" + (host / "bin").string() + " /usr/bin/dash " +
                                     (host / "script.sh").string() + " 2>/dev/null");
    auto run =
        e2e::run_kernel("shell-script", {"--firmware=bios", "--timeout=60", "--initrd=" + tree.string(),
                                         "--cmdline=init=/bin/sh -- /script.sh"});
    fs::remove_all(tree);
    fs::remove_all(host);
    ASSERT_THAT(expected, testing::HasSubstr("answer 42\n"));
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.serial, testing::HasSubstr(expected));
}
