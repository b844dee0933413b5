// /bin/sh: the shell. Everything but startup lives in libs/shell, where the host tests reach it.
#include "shell/interpreter.h"

int main(int argc, char** argv) {
    shell::Shell shell;
    return shell.main(argc, argv);
}
