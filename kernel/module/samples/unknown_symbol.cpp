// Calls a function the kernel does not export: refused at load with "unknown symbol".
#include "module/module_api.h"

extern "C" void kernel_internal_function_not_exported();

namespace {

int unknown_symbol_init(const char*) {
    kernel_internal_function_not_exported();
    return 0;
}

} // namespace

MODULE_NAME("unknown_symbol");
MODULE_LICENSE("MIT");
MODULE_INIT(unknown_symbol_init);
