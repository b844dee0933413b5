// /bin/fork-loop COUNT [KIB]: COUNT rounds of fork, a child that writes KIB of the parent's heap
// (copy-on-write) and exits with a status of its own, and wait4 that checks it. A stress test of
// fork, exit and wait whose kernel-side leak check counts frames, heap and tasks around it.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
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
