// Holds a 16-bit absolute relocation (R_X86_64_16), which the loader does not apply: refused by name.
#include "module/module_api.h"

extern "C" char blog_os_bad_relocation_target[];
char blog_os_bad_relocation_target[4];
asm(".pushsection .data.bad_relocation, \"aw\"\n"
    ".word blog_os_bad_relocation_target\n"
    ".popsection");

namespace {

int bad_relocation_init(const char*) {
    return 0;
}

} // namespace

MODULE_NAME("bad_relocation");
MODULE_LICENSE("MIT");
MODULE_INIT(bad_relocation_init);
