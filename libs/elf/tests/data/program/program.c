// A small program with TLS, a global pointer table (RELATIVE relocations in a PIE: external linkage
// keeps clang from turning it into code) and bss.
#include <stdio.h>
__thread int tls_counter = 5;
const char* messages[] = {"hello", "from", "a", "static", "program"};
static char scratch[8192];
int main(int argc, char** argv) {
    tls_counter += argc;
    scratch[argc] = 1;
    for (unsigned i = 0; i < sizeof messages / sizeof *messages; ++i)
        printf("%s ", messages[i]);
    printf("%d %d\n", tls_counter, scratch[1]);
    return 0;
}
