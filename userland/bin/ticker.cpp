// /bin/ticker N: prints `tick K` N times, 10 ms apart, to show a program keeps running while
// another one faults.
#include <cstdio>
#include <cstdlib>
#include <ctime>

int main(int argc, char** argv) {
    long count = argc >= 2 ? strtol(argv[1], nullptr, 10) : 10;
    const timespec interval{0, 10'000'000};
    for (long tick = 1; tick <= count; ++tick) {
        printf("tick %ld\n", tick);
        fflush(stdout);
        if (tick != count)
            nanosleep(&interval, nullptr);
    }
    return 0;
}
