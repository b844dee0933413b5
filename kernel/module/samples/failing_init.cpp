// A module whose init fails (ENODEV) after allocating: the kernel must remove it whole, free what it
// allocated and return its error to insmod.
#include "module/module_api.h"

namespace {

int failing_init(const char*) {
    void* first = module_malloc(100);
    void* second = module_malloc(5000);
    module_warn("allocated %p and %p, now failing with ENODEV", first, second);
    return -19; // ENODEV
}

} // namespace

MODULE_NAME("failing_init");
MODULE_VERSION("1.0");
MODULE_DESCRIPTION("fails its init to test cleanup");
MODULE_LICENSE("MIT");
MODULE_INIT(failing_init);
