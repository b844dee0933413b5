// /bin/openvt N [-s] [--] PROGRAM [ARGS...]: runs PROGRAM on virtual terminal /dev/ttyN as the leader
// of a new session with ttyN as its controlling terminal (as a getty would), and waits for it; its
// exit status is openvt's. -s switches the screen to ttyN first (VT_ACTIVATE). Like kbd's openvt,
// reduced to what a boot script or a test needs.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

constexpr unsigned long vt_activate = 0x5606; // linux/vt.h's VT_ACTIVATE

int usage() {
    fprintf(stderr, "usage: openvt N [-s] [--] PROGRAM [ARGS...]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3)
        return usage();
    char* end = nullptr;
    long number = strtol(argv[1], &end, 10);
    if (*end != '\0' || number < 1 || number > 63)
        return usage();
    int next = 2;
    bool switch_to = false;
    if (next < argc && strcmp(argv[next], "-s") == 0) {
        switch_to = true;
        ++next;
    }
    if (next < argc && strcmp(argv[next], "--") == 0)
        ++next;
    if (next >= argc)
        return usage();
    char path[32];
    snprintf(path, sizeof path, "/dev/tty%ld", number);

    pid_t child = fork();
    if (child < 0) {
        perror("openvt: fork");
        return 1;
    }
    if (child == 0) {
        if (setsid() < 0) {
            perror("openvt: setsid");
            _exit(1);
        }
        // The session leader's first terminal without O_NOCTTY becomes its controlling terminal.
        int terminal = open(path, O_RDWR);
        if (terminal < 0) {
            fprintf(stderr, "openvt: %s: %s\n", path, strerror(errno));
            _exit(1);
        }
        if (switch_to && ioctl(terminal, vt_activate, number) != 0)
            fprintf(stderr, "openvt: VT_ACTIVATE %ld: %s\n", number, strerror(errno));
        fprintf(stderr, "openvt: %s on %s\n", argv[next], path);
        for (int fd = 0; fd <= 2; ++fd)
            dup2(terminal, fd);
        if (terminal > 2)
            close(terminal);
        execv(argv[next], argv + next);
        fprintf(stderr, "openvt: %s: %s\n", argv[next], strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("openvt: waitpid");
            return 1;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
