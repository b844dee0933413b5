// /bin/fork-loop COUNT [KIB]: COUNT rounds of fork, a child that writes KIB of the parent's heap
// (copy-on-write) and exits with a status of its own, and wait4 that checks it. A stress test of
// fork, exit and wait whose kernel-side leak check counts frames, heap and tasks around it.
// /bin/fork-loop bomb: forks children that wait until fork fails, which must be with EAGAIN; then
// lets them all go, reaps them, and checks that fork works again.
// /bin/fork-loop hog: a child touches anonymous memory until the system runs out, which must end it
// by SIGKILL; then another child's allocations must work again.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

int bomb() {
    int hold[2];
    if (pipe(hold) != 0) {
        perror("fork-loop: pipe");
        return 1;
    }
    long children = 0;
    int error = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) {
            close(hold[1]);
            char byte;
            while (read(hold[0], &byte, 1) > 0) {
            }
            _exit(0);
        }
        if (pid < 0) {
            error = errno;
            break;
        }
        ++children;
    }
    close(hold[1]); // every child reads end of file and exits
    long reaped = 0;
    while (wait(nullptr) > 0)
        ++reaped;
    printf("fork-loop: %ld children, then fork failed: %s; %ld reaped\n", children, strerror(error), reaped);
    if (error != EAGAIN || reaped != children || children == 0)
        return 1;
    pid_t again = fork();
    if (again == 0)
        _exit(0);
    int status = 0;
    return again > 0 && waitpid(again, &status, 0) == again && WIFEXITED(status) ? 0 : 1;
}

int hog() {
    pid_t hog = fork();
    if (hog == 0) {
        constexpr size_t size = size_t{64} << 30; // far more than the machine has
        auto* memory = static_cast<volatile unsigned char*>(
            mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
        if (memory == MAP_FAILED)
            _exit(2);
        for (size_t offset = 0; offset < size; offset += 4096)
            memory[offset] = 1;
        _exit(3); // it all fit: the test is wrong for this machine
    }
    int status = 0;
    if (hog < 0 || waitpid(hog, &status, 0) != hog) {
        perror("fork-loop: hog");
        return 1;
    }
    bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    printf("fork-loop: the memory hog ended %s %d\n", WIFSIGNALED(status) ? "by signal" : "with status",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    pid_t after = fork();
    if (after == 0) {
        constexpr size_t size = 4 << 20;
        auto* memory = static_cast<unsigned char*>(malloc(size));
        if (!memory)
            _exit(1);
        memset(memory, 7, size);
        _exit(memory[size - 1] == 7 ? 0 : 1);
    }
    return killed && after > 0 && waitpid(after, &status, 0) == after && WIFEXITED(status) &&
                   WEXITSTATUS(status) == 0
               ? 0
               : 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "bomb") == 0)
        return bomb();
    if (argc == 2 && strcmp(argv[1], "hog") == 0)
        return hog();
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: fork-loop COUNT [KIB]\n");
        return 2;
    }
    long count = strtol(argv[1], nullptr, 10);
    size_t bytes = argc == 3 ? static_cast<size_t>(strtol(argv[2], nullptr, 10)) * 1024 : 0;
    auto* memory = static_cast<unsigned char*>(malloc(bytes ? bytes : 1));
    if (!memory) {
        fprintf(stderr, "fork-loop: no memory for %zu bytes\n", bytes);
        return 1;
    }
    memset(memory, 1, bytes);
    for (long round = 0; round < count; ++round) {
        pid_t pid = fork();
        if (pid == 0) {
            for (size_t offset = 0; offset < bytes; offset += 4096)
                memory[offset] = 2;
            _exit(static_cast<int>(round % 100));
        }
        if (pid < 0) {
            perror("fork-loop: fork");
            return 1;
        }
        int status = 0;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != round % 100) {
            fprintf(stderr, "fork-loop: round %ld: child %d ended with status %#x\n", round, pid, status);
            return 1;
        }
    }
    for (size_t offset = 0; offset < bytes; offset += 4096) {
        if (memory[offset] != 1) {
            fprintf(stderr, "fork-loop: a child's write reached the parent at offset %zu\n", offset);
            return 1;
        }
    }
    return 0;
}
