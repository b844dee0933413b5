// /bin/hello: the first program init starts; proves a C++ program over musl runs and sees its argv.
#include <cstdio>

int main(int argc, char** argv) {
    printf("Hello from user space!\n");
    for (int i = 0; i < argc; ++i)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 0;
}
