// /bin/thread-loop COUNT: COUNT rounds of pthread_create and pthread_join of a thread that returns
// its argument, checked. A stress test of thread creation and exit (the kernel's clone, the exit
// word pthread_join waits on) whose kernel-side leak check counts frames, heap and tasks around it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <pthread.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: thread-loop COUNT\n");
        return 2;
    }
    long count = atol(argv[1]);
    for (long i = 0; i < count; ++i) {
        pthread_t thread;
        int error = pthread_create(
            &thread, nullptr, [](void* argument) -> void* { return argument; },
            reinterpret_cast<void*>(i + 1));
        if (error != 0) {
            fprintf(stderr, "thread-loop: pthread_create in round %ld: error %d\n", i, error);
            return 1;
        }
        void* result = nullptr;
        if (pthread_join(thread, &result) != 0 || reinterpret_cast<intptr_t>(result) != i + 1) {
            fprintf(stderr, "thread-loop: round %ld joined with the wrong value\n", i);
            return 1;
        }
    }
    return 0;
}
