// The shell built for the host, for the tests that drive it through a pseudo-terminal.
#include "shell/interpreter.h"

int main(int argc, char** argv) {
    shell::Shell shell;
    return shell.main(argc, argv);
}
